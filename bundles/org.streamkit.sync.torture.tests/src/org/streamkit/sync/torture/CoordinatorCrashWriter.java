package org.streamkit.sync.torture;

import java.io.FileOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * The child process of {@link CoordinatorCrashTortureTest}: a device as the product runs it (memory, Xodus
 * and file tiers, the durable outbox, the cloud tier to the local API server) saving configs through the
 * coordinator in a loop until it is killed. Before each save it records {@code B PUT <id> <n>} and once the
 * coordinator acknowledged it {@code A PUT <id> <n>}, each line appended to {@code journal.txt} in one
 * write (what a process wrote to a file survives its kill -9).
 * <p>
 * Arguments: {@code <folder> <first n> <server url> <token>}.
 */
public final class CoordinatorCrashWriter {

    static final int KEYS = 40;

    private CoordinatorCrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        long n = Long.parseLong(args[1]);
        try (FileOutputStream journal = new FileOutputStream(folder.resolve("journal.txt").toFile(), true)) {
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
            Coordinator device = open(folder, scheduler, URI.create(args[2]), args[3]).coordinator();
            String pad = "ü".repeat(200);
            while (true) {
                ConfigKey key = new ConfigKey("crash", "c" + (n % KEYS));
                journal.write(("B PUT " + key.id() + " " + n + "\n").getBytes(StandardCharsets.UTF_8));
                device.put(key, ConfigJson.newObject().put("n", n).put("pad", pad));
                journal.write(("A PUT " + key.id() + " " + n + "\n").getBytes(StandardCharsets.UTF_8));
                n++;
            }
        }
    }

    /** A device and what it opened, closed together. */
    record Device(Coordinator coordinator, MemoryStore memory, XodusStore xodus, FileStore file, CloudHttp http)
            implements AutoCloseable {

        /**
         * @return what the device's durable local tiers hold, read directly (the memory cache starts empty after a
         *         restart and fills in the background)
         */
        LocalCopies local() {
            return new LocalCopies("the device", java.util.List.of(xodus, file));
        }

        @Override
        public void close() {
            coordinator.close();
            xodus.close();
            file.close();
            http.close();
        }
    }

    /**
     * The device: the same tiers, rankings and debounce as the product, over the folder. The cloud tier joins
     * first, as it can at the product's start, before any local tier holds what its outbox entries stand for.
     */
    static Device open(Path folder, ScheduledExecutorService scheduler, URI server, String token) throws StorageException {
        Coordinator device = Coordinator.open(folder.resolve("state"), new ExecutorTimer(scheduler), scheduler,
                new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(100), Duration.ofSeconds(2)), EventSink.NONE);
        CloudHttp http = new CloudHttp(server, new MemoryTokens(token, null), Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
        device.addTier(new Coordinator.Tier(new CloudStore("cloud", http, java.util.Set.of("crash")), "cloud", 100, 4, true,
                Duration.ofMillis(1000)));
        MemoryStore memory = new MemoryStore("memory");
        XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 5000);
        FileStore file = FileStore.open("file", folder.resolve("file"), Runnable::run);
        device.addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
        device.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
        device.addTier(new Coordinator.Tier(file, "file", 300, 3, false, Duration.ZERO));
        return new Device(device, memory, xodus, file, http);
    }
}
