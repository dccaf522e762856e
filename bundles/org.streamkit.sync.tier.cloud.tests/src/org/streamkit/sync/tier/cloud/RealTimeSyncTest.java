package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.Wait;
import org.streamkit.sync.tier.memory.MemoryStore;

/** An edit on one device reaches another through the server's change stream, without waiting for a periodic sync. */
class RealTimeSyncTest {

    private static final Duration DEBOUNCE = Duration.ofMillis(1000);

    @Test
    void anEditReachesTheOtherDeviceWithinTheDebounceAndASecond(@TempDir Path folder) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        Settings settings = new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(200), Duration.ofSeconds(5));
        try (StreamkitServer server = StreamkitServer.start(
                ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0).build());
                CloudHttp httpA = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("s"), null),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
                CloudHttp httpB = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("s"), null),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
                Coordinator a = Coordinator.open(folder.resolve("a"), new ExecutorTimer(scheduler), scheduler, settings, EventSink.NONE);
                Coordinator b = Coordinator.open(folder.resolve("b"), new ExecutorTimer(scheduler), scheduler, settings, EventSink.NONE)) {
            Set<String> types = Set.of("notes");
            MemoryStore localB = new MemoryStore("memory");
            a.addTier(new Coordinator.Tier(new MemoryStore("memory"), "memory", 500, 1, false, Duration.ZERO));
            b.addTier(new Coordinator.Tier(localB, "memory", 500, 1, false, Duration.ZERO));
            a.addTier(new Coordinator.Tier(new CloudStore("cloud", httpA, types), "cloud", 100, 2, true, DEBOUNCE));
            b.addTier(new Coordinator.Tier(new CloudStore("cloud", httpB, types), "cloud", 100, 2, true, DEBOUNCE));
            try (CloudEvents stream = new CloudEvents(httpB, key -> b.pullSoon("cloud"))) {
                stream.start();
                Wait.until(stream::connected, Duration.ofSeconds(10), "the change stream connecting");
                ConfigKey key = new ConfigKey("notes", "live");
                long start = System.nanoTime();
                a.put(key, ConfigJson.newObject().put("name", "typed on device A"));
                // Read from B's local tier: a read through B's coordinator would fetch it from the server.
                Wait.until(() -> localB.get(key).isPresent(), Duration.ofSeconds(10), "the edit reaching device B");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println("Edit on device A visible on device B after " + millis + " ms (debounce " + DEBOUNCE.toMillis() + " ms)");
                assertTrue(millis < DEBOUNCE.toMillis() + 1000, "visible after " + millis + " ms");
            }
        } finally {
            scheduler.shutdownNow();
        }
    }
}
