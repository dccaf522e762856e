package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.Wait;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * A config made, delivered to the real local server, and edited again while the echo of that delivery comes
 * back through the server's change stream (a pull of this device's own write): the edit is never ended
 * unsent. Each round checks the server's copy and the device's local tier once the device reports the config
 * synced, for many timings of the second edit.
 */
class EditAfterDeliveryTest {

    private static final Duration DEBOUNCE = Duration.ofMillis(60);
    private static final int ROUNDS = 60;

    @Test
    void anEditMadeRightAfterItsPredecessorReachedTheServerIsNeverMarkedSyncedUnsent(@TempDir Path folder) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
        Settings settings = new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(100), Duration.ofSeconds(2));
        try (StreamkitServer server = StreamkitServer.start(
                ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0).build());
                CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("s"), null),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
                Coordinator device = Coordinator.open(folder.resolve("state"), new ExecutorTimer(scheduler), scheduler, settings,
                        EventSink.NONE)) {
            MemoryStore local = new MemoryStore("memory");
            device.addTier(new Coordinator.Tier(local, "memory", 500, 1, false, Duration.ZERO));
            device.addTier(new Coordinator.Tier(new CloudStore("cloud", http, Set.of("notes")), "cloud", 100, 2, true, DEBOUNCE));
            CloudStore onServer = new CloudStore("check", http, Set.of("notes")); // reads the server, outside the device
            List<String> lost = new ArrayList<>();
            // The device follows the server's change stream, as the product does: its own writes come back to it.
            try (CloudEvents stream = new CloudEvents(http, key -> device.pullSoon("cloud"))) {
                stream.start();
                Wait.until(stream::connected, Duration.ofSeconds(10), "the change stream connecting");
                for (int round = 0; round < ROUNDS; round++) {
                    ConfigKey key = new ConfigKey("notes", "round-" + round);
                    device.put(key, ConfigJson.newObject().put("name", "made").put("round", round));
                    Wait.until(() -> device.state(key, "cloud") == SyncState.SYNCED, Duration.ofSeconds(10), "the first version delivered");
                    Thread.sleep(ThreadLocalRandom.current().nextInt(0, 40));
                    device.put(key, ConfigJson.newObject().put("name", "edited").put("round", round));
                    Wait.until(() -> device.state(key, "cloud") == SyncState.SYNCED, Duration.ofSeconds(10), "the edit delivered");
                    String there = onServer.get(key).orElseThrow().body().path("name").asText();
                    String here = local.get(key).orElseThrow().body().path("name").asText();
                    if (!"edited".equals(there) || !"edited".equals(here)) {
                        lost.add(key.id() + ": server " + there + ", device " + here);
                    }
                }
            }
            assertEquals(List.of(), lost, "edits reported synced that the server or the device does not hold");
            assertTrue(device.conflicts().isEmpty(), "a device's own echo is not a conflict: " + device.conflicts());
        } finally {
            scheduler.shutdownNow();
        }
    }
}
