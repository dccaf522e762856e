package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.testing.ObsStudio;
import org.streamkit.sync.testing.TestRemote;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * Safe on air, against a real OBS Studio: the OBS tier component follows OBS's recording (a recording puts
 * OBS on air as a stream does, and needs no server), and while it records, a change pulled from the cloud
 * stays out of OBS's slots, what the overlays read, while an edit on this machine goes in at once; when the
 * recording stops the held change lands. Going on air takes a checkpoint.
 */
class ObsOnAirTest {

    private static final ConfigKey TICKER = new ConfigKey("text-cyclers", "ticker");
    private static final ConfigKey MINE = new ConfigKey("notes", "typed-here");
    private static ObsStudio obs;

    @BeforeAll
    static void start() throws Exception {
        obs = new ObsStudio(ObsStudio.home("obs-on-air"), null).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (obs != null) {
            obs.close();
        }
    }

    @Test
    void whileObsRecordsAChangeFromElsewhereIsHeldOutOfItsSlotsAndLandsWhenItStops() throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        TestRemote cloud = new TestRemote("cloud");
        Path state = Files.createTempDirectory(obs.home(), "device-");
        ObsTierComponent tier = new ObsTierComponent(ObsTierComponentTest.config(obs.port()), Map.of());
        // Another client of the same OBS, as a dock or an overlay reads it.
        ObsStore overlay = ObsStore.connecting("obs", obs.uri(), () -> null, ObsStore.DEFAULT_SLOT, Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofMillis(500), null, null);
        MemoryStore local = new MemoryStore("xodus");
        try (Coordinator device = Coordinator.open(state, new ExecutorTimer(scheduler), scheduler,
                new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(200), Duration.ofSeconds(2)), EventSink.NONE)) {
            tier.eventAdmin = new EventAdmin() { // what the framework's EventAdmin does with the tier's events
                @Override
                public void postEvent(Event event) {
                    sendEvent(event);
                }

                @Override
                public void sendEvent(Event event) {
                    if (event.getTopic().equals(SyncEvents.TOPIC_LIVE)) {
                        device.onAir(String.valueOf(event.getProperty(SyncEvents.TIER)), (Boolean) event.getProperty(SyncEvents.LIVE));
                    } else if (event.getTopic().equals(SyncEvents.TOPIC_REMOTE_CHANGED)) {
                        device.pullSoon("obs");
                    }
                }
            };
            device.addTier(new Coordinator.Tier(local, "xodus", 400, 1, false, Duration.ZERO));
            device.addTier(new Coordinator.Tier(cloud, "cloud", 100, 2, true, Duration.ofMillis(200)));
            device.addTier(new Coordinator.Tier(tier, "obs", 200, 3, true, Duration.ofMillis(200)));
            overlay.connection().start();
            ObsTierTest.waitUntil(() -> tier.health().status() == TierHealth.Status.UP && overlay.health().available(),
                    Duration.ofSeconds(30), () -> tier.health().reason() + " / " + overlay.health().reason());

            device.put(TICKER, ConfigJson.newObject().put("name", "before the show"));
            ObsTierTest.waitUntil(() -> "before the show".equals(name(overlay, TICKER)), Duration.ofSeconds(20), () -> name(overlay, TICKER));

            overlay.connection().socket().request("StartRecord", null);
            ObsTierTest.waitUntil(() -> tier.health().reason().equals("On air: OBS is recording"), Duration.ofSeconds(20),
                    () -> tier.health().reason());
            ObsTierTest.waitUntil(() -> !device.checkpoints().isEmpty(), Duration.ofSeconds(10), () -> "no go-live checkpoint");
            assertEquals(Checkpoint.GO_LIVE, device.checkpoints().get(0).reason());

            Instant later = Instant.now().plusSeconds(5);
            cloud.server().store(ConfigDocument.of(TICKER, ConfigJson.newObject().put("name", "edited on the laptop"), later, later));
            device.syncNow();
            ObsTierTest.waitUntil(() -> local.get(TICKER).filter(d -> "edited on the laptop".equals(d.body().path("name").asText())).isPresent(),
                    Duration.ofSeconds(10), () -> String.valueOf(local.get(TICKER)));
            device.put(MINE, ConfigJson.newObject().put("name", "typed on this machine"));
            ObsTierTest.waitUntil(() -> "typed on this machine".equals(name(overlay, MINE)), Duration.ofSeconds(20),
                    () -> "an edit on this machine reaches OBS at once: " + name(overlay, MINE));
            assertEquals("before the show", name(overlay, TICKER), "what the overlays read is held while OBS records");
            assertEquals(List.of(TICKER), device.heldWhileLive().stream().map(PendingWrite::key).toList());

            overlay.connection().socket().request("StopRecord", null);
            ObsTierTest.waitUntil(() -> "edited on the laptop".equals(name(overlay, TICKER)), Duration.ofSeconds(20),
                    () -> "the held change lands once OBS stops recording: " + name(overlay, TICKER));
            assertTrue(device.heldWhileLive().isEmpty());
            assertEquals("", tier.health().reason(), "off air");
            ObsTierTest.waitUntil(() -> recordings() > 0, Duration.ofSeconds(10), () -> "no recording in " + obs.recordings());
        } finally {
            tier.deactivate();
            overlay.connection().close();
            scheduler.shutdownNow();
        }
    }

    /** @return the name in what OBS holds for a key, read by another client, or null */
    private static String name(ObsStore client, ConfigKey key) {
        try {
            Optional<ConfigDocument> d = client.get(key);
            return d.map(x -> x.body().path("name").asText()).orElse(null);
        } catch (StorageException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static long recordings() {
        try (Stream<Path> files = Files.list(obs.recordings())) {
            return files.filter(f -> f.toString().endsWith(".mkv")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
