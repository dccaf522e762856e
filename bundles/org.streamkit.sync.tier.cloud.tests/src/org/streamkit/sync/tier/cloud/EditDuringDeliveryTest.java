package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.support.ForwardingStorageTier;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.coordinator.Timer;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * A config edited while its previous version is on its way to the real local server (which also stamps every
 * write with its own clock, later than the edit): the edit stays the config's value, read from the device's
 * local tier, and reaches the server with the next delivery, which the server does not refuse.
 */
class EditDuringDeliveryTest {

    private static final Timer NOW_ONLY = NowOnlyTimer.INSTANCE;
    private static final ConfigKey KEY = new ConfigKey("notes", "busy");

    @TempDir
    Path folder;
    private StreamkitServer server;
    private CloudHttp http;
    private CloudStore cloud;
    private Coordinator device;
    private final MemoryStore localTier = new MemoryStore("memory");
    /** Runs inside the next write to the cloud, before the request is sent or after its answer. */
    private final AtomicReference<Runnable> beforeNextWrite = new AtomicReference<>();
    private final AtomicReference<Runnable> afterNextWrite = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0).build());
        http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer"), null), Duration.ofSeconds(2),
                Duration.ofSeconds(5), 8L << 20);
        cloud = new CloudStore("cloud", http, Set.of("notes"));
        StorageTier interfering = new ForwardingStorageTier() {
            @Override
            protected StorageTier delegate() {
                return cloud;
            }

            @Override
            public String name() {
                return "cloud";
            }

            @Override
            public ConfigDocument put(ConfigDocument document) throws StorageException {
                run(beforeNextWrite);
                ConfigDocument stored = super.put(document);
                run(afterNextWrite);
                return stored;
            }
        };
        device = Coordinator.open(folder.resolve("state"), NOW_ONLY, Runnable::run,
                new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(5)), EventSink.NONE);
        device.addTier(new Coordinator.Tier(localTier, "memory", 500, 1, false, Duration.ZERO));
        device.addTier(new Coordinator.Tier(interfering, "cloud", 100, 2, true, Duration.ZERO));
    }

    private static void run(AtomicReference<Runnable> once) {
        Runnable action = once.getAndSet(null);
        if (action != null) {
            action.run();
        }
    }

    @AfterEach
    void stop() {
        device.close();
        http.close();
        server.close();
    }

    private Runnable edit(String name) {
        return () -> {
            try {
                device.put(KEY, ConfigJson.newObject().put("name", name));
            } catch (StorageException e) {
                throw new AssertionError(e);
            }
        };
    }

    private String local() throws Exception {
        return localTier.get(KEY).orElseThrow().body().get("name").asText();
    }

    private String remote() throws Exception {
        return cloud.get(KEY).orElseThrow().body().get("name").asText();
    }

    @Test
    void anEditMadeWhileItsPredecessorIsOnItsWayIsDeliveredNext() throws Exception {
        edit("first").run();
        device.syncNow();
        assertEquals("first", remote());

        edit("second").run();
        beforeNextWrite.set(edit("third")); // made after "second" left, stamped before the server stamps it
        device.syncNow();
        assertEquals("second", remote());
        assertEquals("third", local(), "the newer edit stands here");

        long requests = http.requests();
        device.syncNow();
        assertEquals("third", remote(), "the newer edit is delivered with the next sync");
        assertEquals("third", local());
        assertEquals(SyncState.SYNCED, device.state(KEY, "cloud"));
        assertTrue(device.conflicts().isEmpty(), "nothing is left for a person to decide: " + device.conflicts());
        assertTrue(http.requests() - requests <= 6, "a pull and a delivery, not a refused write sent again: "
                + (http.requests() - requests) + " requests");
    }

    @Test
    void aPullThatSeesTheWriteUnderWayLeavesTheNewerEditAlone() throws Exception {
        edit("first").run();
        device.syncNow();

        edit("second").run();
        beforeNextWrite.set(edit("third"));
        // The server's change stream reports "second" and a pull reads it before the write's answer is back.
        afterNextWrite.set(device::syncNow);
        device.syncNow();
        assertEquals("third", local(), "the echo of \"second\" did not replace the newer edit");

        device.syncNow();
        assertEquals("third", remote());
        assertEquals("third", local());
        assertEquals(SyncState.SYNCED, device.state(KEY, "cloud"));
    }
}
