package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.testing.TestRemote;

/**
 * What goes where: a remote tier syncs the config types it is given (notes to the cloud only, overlays to
 * OBS and the cloud), both ways; turning a type on sends what the tier lacks, turning it off deletes nothing
 * there; a config kept on this machine only goes nowhere and takes nothing, until it is let go.
 */
class RoutingTest {

    private static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");
    private static final ConfigKey NOTE = new ConfigKey("notes", "private-plan");
    private static final ConfigKey TICKER = new ConfigKey("text-cyclers", "ticker");

    private final ManualTimer timer = new ManualTimer(T0);

    private static String on(TestRemote remote, ConfigKey key) {
        return remote.server().stored(key).filter(d -> !d.deleted()).map(d -> d.body().path("name").asText()).orElse(null);
    }

    private static Coordinator.Tier obsFor(TestRemote obs, Set<String> types) {
        return new Coordinator.Tier(obs, "obs", 200, 77, true, false, Duration.ofSeconds(2), types);
    }

    @Test
    void aTierSyncsOnlyItsTypesBothWaysAndATypeTurnedOnIsSentWhatItLacks(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            Coordinator.Tier overlaysOnly = obsFor(obs, Set.of("text-cyclers"));
            device.coordinator.addTier(overlaysOnly);
            device.coordinator.put(NOTE, ConfigJson.newObject().put("name", "raid plan"));
            device.coordinator.put(TICKER, ConfigJson.newObject().put("name", "ticker"));
            timer.advance(Duration.ofSeconds(3));
            assertEquals("raid plan", on(cloud, NOTE));
            assertEquals("ticker", on(cloud, TICKER));
            assertEquals("ticker", on(obs, TICKER));
            assertEquals(null, on(obs, NOTE), "OBS does not sync notes");
            assertTrue(device.coordinator.outbox().isEmpty(), "nothing waits for OBS either");

            // Both ways: a note that is in OBS (another client put it there) is not taken from it.
            ConfigKey dockNote = new ConfigKey("notes", "from-the-dock");
            obs.server().store(ConfigDocument.of(dockNote, ConfigJson.newObject().put("name", "dock note"), T0, T0.plusSeconds(5)));
            device.coordinator.syncNow();
            assertTrue(device.local().version(dockNote).isEmpty(), "a type OBS does not sync is not taken from it");

            // Turned on for every type: OBS is read whole and sent the notes it lacks; the dock's note comes in.
            device.coordinator.removeTier(obs);
            device.coordinator.addTier(obsFor(obs, Set.of()));
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(3));
            assertEquals("raid plan", on(obs, NOTE), "turning a type on sends what the tier lacks");
            assertEquals("dock note", device.local().field(dockNote, "name"));

            // Turned off again: nothing of that type is sent any more, and nothing is deleted there.
            device.coordinator.removeTier(obs);
            device.coordinator.addTier(obsFor(obs, Set.of("text-cyclers")));
            device.coordinator.put(NOTE, ConfigJson.newObject().put("name", "raid plan, edited"));
            timer.advance(Duration.ofSeconds(3));
            assertEquals("raid plan", on(obs, NOTE), "the note in OBS stays as it was");
            assertEquals("raid plan, edited", on(cloud, NOTE));
        }
    }

    @Test
    void aConfigKeptOnThisMachineGoesNowhereUntilItIsLetGo(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        try (Device device = new Device(state, timer, Device.settings(), cloud, obs)) {
            device.coordinator.put(NOTE, ConfigJson.newObject().put("name", "first"));
            device.coordinator.machineOnly(NOTE, true); // before its debounce ran out: what waited is dropped
            timer.advance(Duration.ofSeconds(3));
            assertEquals(null, on(cloud, NOTE));
            assertEquals(null, on(obs, NOTE));
            assertEquals(Set.of(NOTE), device.coordinator.machineOnly());

            device.coordinator.put(NOTE, ConfigJson.newObject().put("name", "second"));
            timer.advance(Duration.ofSeconds(3));
            assertTrue(device.coordinator.outbox().isEmpty(), "an edit of it waits for no remote");
            cloud.server().store(ConfigDocument.of(NOTE, ConfigJson.newObject().put("name", "from elsewhere"), T0,
                    T0.plusSeconds(3600)));
            device.coordinator.syncNow();
            assertEquals("second", device.local().field(NOTE, "name"), "nothing of it is taken from a remote");

            device.coordinator.machineOnly(NOTE, false);
            timer.advance(Duration.ofSeconds(1));
            assertTrue(device.coordinator.machineOnly().isEmpty());
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(3));
            assertEquals(device.local().field(NOTE, "name"), on(obs, NOTE), "let go, it syncs again");
            assertEquals(device.local().field(NOTE, "name"), on(cloud, NOTE));
        }
        try (Device again = new Device(state, timer, Device.settings(), cloud, obs)) {
            assertTrue(again.coordinator.machineOnly().isEmpty(), "the choice is kept across restarts");
        }
    }
}
