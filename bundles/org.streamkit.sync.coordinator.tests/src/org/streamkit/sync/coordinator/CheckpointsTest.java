package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.testing.TestRemote;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checkpoints: a snapshot of every live config, put back in one step that can be undone, reaching the
 * remotes like edits; the newest N kept; bad names refused without a change. What the device holds is read
 * from its local tiers directly.
 */
class CheckpointsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");
    private static final ConfigKey INTRO = new ConfigKey("text-cyclers", "intro");
    private static final ConfigKey OUTRO = new ConfigKey("text-cyclers", "outro");
    private static final ConfigKey NOTE = new ConfigKey("notes", "n1");
    private static final ConfigKey LATER = new ConfigKey("notes", "made-later");

    private final ManualTimer timer = new ManualTimer(T0);

    private static ObjectNode body(String name) {
        return ConfigJson.newObject().put("name", name);
    }

    /** @return each live config the device's local tiers agree on, by key, with its "name" */
    private static Map<ConfigKey, String> held(Device device, ConfigKey... keys) {
        Map<ConfigKey, String> names = new TreeMap<>();
        for (ConfigKey key : keys) {
            device.local().version(key).filter(d -> !d.deleted()).ifPresent(d -> names.put(key, d.body().path("name").asText()));
        }
        return names;
    }

    @Test
    void aRestorePutsEveryConfigBackAndCanItselfBeUndone(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.put(INTRO, body("intro before the show"));
            device.coordinator.put(OUTRO, body("outro before the show"));
            device.coordinator.put(NOTE, body("a note"));
            timer.advance(Duration.ofSeconds(2));
            Checkpoint before = device.coordinator.createCheckpoint(Checkpoint.MANUAL);
            assertEquals(3, before.configs());
            assertEquals(Checkpoint.MANUAL, before.reason());
            assertEquals("2026-12-07T20-00-02Z", before.name());

            timer.advance(Duration.ofSeconds(60));
            device.coordinator.put(INTRO, body("edited live"));
            device.coordinator.delete(NOTE);
            device.coordinator.put(LATER, body("made after the checkpoint"));
            timer.advance(Duration.ofSeconds(2));
            Map<ConfigKey, String> afterEdits = held(device, INTRO, OUTRO, NOTE, LATER);

            CheckpointRestore restore = device.coordinator.restoreCheckpoint(before.name());
            assertEquals(before, restore.restored());
            assertEquals(2, restore.changed(), "intro and the deleted note come back");
            assertEquals(1, restore.deleted(), "the config made after the checkpoint goes");
            assertEquals(Map.of(INTRO, "intro before the show", OUTRO, "outro before the show", NOTE, "a note"),
                    held(device, INTRO, OUTRO, NOTE, LATER));
            assertTrue(device.local().version(LATER).orElseThrow().deleted(), "deleted with a tombstone, which syncs");

            timer.advance(Duration.ofSeconds(2));
            assertEquals("intro before the show", cloud.server().stored(INTRO).orElseThrow().body().path("name").asText(),
                    "a restore reaches the remotes as an edit");
            assertTrue(cloud.server().stored(LATER).orElseThrow().deleted());
            assertFalse(cloud.server().stored(NOTE).orElseThrow().deleted());

            assertEquals(Checkpoint.BEFORE_RESTORE, restore.undo().reason());
            CheckpointRestore undo = device.coordinator.restoreCheckpoint(restore.undo().name());
            assertEquals(afterEdits, held(device, INTRO, OUTRO, NOTE, LATER), "restoring the undo checkpoint undoes the restore");
            assertEquals(Checkpoint.BEFORE_RESTORE, undo.undo().reason());

            List<Checkpoint> all = device.coordinator.checkpoints();
            assertEquals(3, all.size());
            assertEquals(undo.undo(), all.get(0), "newest first");
        }
    }

    @Test
    void onlyTheNewestAreKeptAndAVersionSharedWithAnotherCheckpointStays(@TempDir Path state) throws Exception {
        try (Device device = new Device(state, timer, Device.settings().withCheckpointsKept(2))) {
            device.coordinator.put(INTRO, body("one"));
            Checkpoint first = device.coordinator.createCheckpoint(Checkpoint.MANUAL);
            timer.advance(Duration.ofSeconds(1));
            Checkpoint second = device.coordinator.createCheckpoint(Checkpoint.GO_LIVE); // holds the same version of intro
            timer.advance(Duration.ofSeconds(1));
            device.coordinator.put(INTRO, body("two"));
            Checkpoint third = device.coordinator.createCheckpoint(Checkpoint.MANUAL);
            assertEquals(List.of(third, second), device.coordinator.checkpoints());
            assertFalse(device.coordinator.checkpoints().contains(first));

            device.coordinator.restoreCheckpoint(second.name()); // needs the version the pruned one shared
            assertEquals(Map.of(INTRO, "one"), held(device, INTRO));
            assertEquals(2, device.coordinator.checkpoints().size(), "the undo checkpoint counts too");
        }
    }

    @Test
    void aNameThatIsNoCheckpointIsRefusedAndNothingChanges(@TempDir Path state) throws Exception {
        try (Device device = new Device(state, timer, Device.settings())) {
            device.coordinator.put(INTRO, body("kept"));
            device.coordinator.createCheckpoint(Checkpoint.MANUAL);
            for (String bad : new String[] { "", "../../etc", "2026-12-07T20-00-00Z\0x", "2031-01-01T00-00-00Z", null }) {
                StorageException e = assertThrows(StorageException.class, () -> device.coordinator.restoreCheckpoint(bad));
                assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> device.coordinator.createCheckpoint("whenever"));
            assertEquals(1, device.coordinator.checkpoints().size(), "no undo checkpoint for a refused restore");
            assertEquals(Map.of(INTRO, "kept"), held(device, INTRO));
        }
    }

    @Test
    void checkpointsSurviveARestartOfTheDevice(@TempDir Path state) throws Exception {
        Checkpoint taken;
        try (Device device = new Device(state, timer, Device.settings())) {
            device.coordinator.put(INTRO, body("before"));
            taken = device.coordinator.createCheckpoint(Checkpoint.GO_LIVE);
            device.coordinator.put(INTRO, body("after"));
        }
        try (Device device = new Device(state, timer, Device.settings(), new org.streamkit.sync.tier.memory.MemoryStore("memory"),
                primaryWith(ConfigDocument.of(INTRO, body("after"), T0, T0.plusSeconds(1))))) {
            assertEquals(List.of(taken), device.coordinator.checkpoints());
            device.coordinator.restoreCheckpoint(taken.name());
            assertEquals(Map.of(INTRO, "before"), held(device, INTRO));
        }
    }

    private static org.streamkit.sync.tier.memory.MemoryStore primaryWith(ConfigDocument document) {
        org.streamkit.sync.tier.memory.MemoryStore primary = new org.streamkit.sync.tier.memory.MemoryStore("xodus");
        primary.put(document);
        return primary;
    }
}
