package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.testing.TestRemote;

/**
 * Safe on air: while OBS streams or records, versions from other devices wait before they reach it (edits
 * on this device go at once), and go when it is off air or when applied; going on air takes a checkpoint.
 */
class LiveHoldTest {

    private static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");
    private static final ConfigKey TICKER = new ConfigKey("text-cyclers", "ticker");
    private static final ConfigKey SCENE = new ConfigKey("swaps", "scene");
    private static final ConfigKey MINE = new ConfigKey("notes", "mine");

    private final ManualTimer timer = new ManualTimer(T0);

    private static ConfigDocument doc(ConfigKey key, String name, Instant at) {
        return ConfigDocument.of(key, ConfigJson.newObject().put("name", name), at, at);
    }

    private static String on(TestRemote remote, ConfigKey key) {
        return remote.server().stored(key).map(d -> d.body().path("name").asText()).orElse(null);
    }

    @Test
    void changesFromElsewhereWaitWhileLiveAndGoWhenAppliedOrOffAir(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        try (Device device = new Device(state, timer, Device.settings(), cloud, obs)) {
            device.coordinator.put(TICKER, ConfigJson.newObject().put("name", "before the show"));
            timer.advance(Duration.ofSeconds(3));
            assertEquals("before the show", on(obs, TICKER));

            device.coordinator.onAir("obs", true);
            List<Checkpoint> checkpoints = device.coordinator.checkpoints();
            assertEquals(1, checkpoints.size());
            assertEquals(Checkpoint.GO_LIVE, checkpoints.get(0).reason());
            assertEquals(1, checkpoints.get(0).configs());

            cloud.server().store(doc(TICKER, "edited on the laptop", T0.plusSeconds(10)));
            cloud.server().store(doc(SCENE, "new on the laptop", T0.plusSeconds(10)));
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(5));
            assertEquals("edited on the laptop", device.local().field(TICKER, "name"), "the device has the change");
            assertEquals("before the show", on(obs, TICKER), "what the overlays read is held");
            assertEquals(null, on(obs, SCENE));
            assertEquals(List.of(SCENE, TICKER), device.coordinator.heldWhileLive().stream().map(PendingWrite::key).sorted().toList());

            device.coordinator.put(MINE, ConfigJson.newObject().put("name", "typed on this machine"));
            timer.advance(Duration.ofSeconds(3));
            assertEquals("typed on this machine", on(obs, MINE), "an edit on this machine goes at once");

            assertEquals(1, device.coordinator.applyHeld(SCENE));
            timer.advance(Duration.ofSeconds(1));
            assertEquals("new on the laptop", on(obs, SCENE), "applied now, one config");
            assertEquals("before the show", on(obs, TICKER), "the other still waits");
            assertEquals(1, device.coordinator.heldWhileLive().size());

            device.coordinator.onAir("obs", false);
            timer.advance(Duration.ofSeconds(1));
            assertEquals("edited on the laptop", on(obs, TICKER), "off air: what waited goes");
            assertTrue(device.coordinator.heldWhileLive().isEmpty());
            assertEquals(1, device.coordinator.checkpoints().size(), "going off air takes no checkpoint");
        }
    }

    @Test
    void withTheHoldTurnedOffChangesGoOnAirAtOnce(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        try (Device device = new Device(state, timer, Device.settings().withHoldWhileLive(false), cloud, obs)) {
            device.coordinator.onAir("obs", true);
            cloud.server().store(doc(TICKER, "edited on the laptop", T0.plusSeconds(10)));
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(5));
            assertEquals("edited on the laptop", on(obs, TICKER));
            assertTrue(device.coordinator.heldWhileLive().isEmpty());
            assertEquals(Checkpoint.GO_LIVE, device.coordinator.checkpoints().get(0).reason(), "the checkpoint is still taken");
        }
    }
}
