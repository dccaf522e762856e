package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.zip.DeflaterOutputStream;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The slot format on its own: encoding, the write log that keeps change cursors honest, damaged input. */
class ObsSlotTest {

    private static ConfigDocument doc(String id, String name) {
        Instant now = Instant.now();
        return ConfigDocument.of(new ConfigKey("notes", id), ConfigJson.newObject().put("name", name), now, now);
    }

    @Test
    void aSlotIsAsciiAndReadsBackTheSameDocuments() throws Exception {
        ConfigDocument d = doc("日本-🎬", "Café ☕ naïve");
        ObsSlot slot = ObsSlot.EMPTY.with(List.of(d), "c1", "w1");
        String json = slot.toJson().toString();
        assertTrue(json.chars().allMatch(c -> c < 128), json);
        ObsSlot back = ObsSlot.parse(ConfigJson.reader().readTree(json));
        assertEquals(d, ObsSlot.decode(back.entry(d.key())));
        assertEquals(d.key(), ObsSlot.key(back.entries.keySet().iterator().next()));
    }

    @Test
    void aWriteFromAStaleStateDropsTheCursorsOfTheLostState() {
        ObsSlot base = ObsSlot.EMPTY.with(List.of(doc("a", "1")), "c1", "w1");
        ObsSlot byB = base.with(List.of(doc("b", "1")), "c2", "wB");
        ObsSlot byA = base.with(List.of(doc("c", "1")), "c1", "wA"); // A read base, not B's write: B's is lost
        assertTrue(byB.descendsFrom(byB.seq, "wB"));
        assertFalse(byA.descendsFrom(byB.seq, "wB"), "a reader who saw B's write must read everything again");
        assertTrue(byA.descendsFrom(base.seq, "w1"), "a reader who saw only the base reads A's change");
        assertEquals(1, byA.changedAfter(base.seq, "~").size());
    }

    @Test
    void aTombstoneOlderThanTheHorizonIsDroppedWhenItsSlotIsWrittenAndAYoungerOneStays() {
        Instant old = Instant.now().minus(ObsSlot.TOMBSTONE_HORIZON).minusSeconds(60);
        Instant recent = Instant.now().minus(ObsSlot.TOMBSTONE_HORIZON).plusSeconds(3600);
        ConfigDocument oldTombstone = ConfigDocument.tombstone(new ConfigKey("notes", "old"), old, old);
        ConfigDocument recentTombstone = ConfigDocument.tombstone(new ConfigKey("notes", "recent"), recent, recent);
        ConfigDocument oldLive = ConfigDocument.of(new ConfigKey("notes", "old-live"), ConfigJson.newObject().put("name", "kept"), old, old);
        ObsSlot s = ObsSlot.EMPTY.withEntries(List.of(entry(oldTombstone), entry(recentTombstone), entry(oldLive)), "w1",
                Instant.EPOCH);
        assertEquals(3, s.entries.size(), "nothing is dropped before the horizon applies");
        ObsSlot next = s.with(List.of(doc("new", "1")), "c1", "w2");
        assertNull(next.entry(oldTombstone.key()), "the tombstone past the horizon is gone");
        assertNotNull(next.entry(recentTombstone.key()), "a tombstone within the horizon stays");
        assertNotNull(next.entry(oldLive.key()), "a live config is never dropped, however old");
        assertNotNull(next.entry(new ConfigKey("notes", "new")));
    }

    private static ObsSlot.Entry entry(ConfigDocument d) {
        return new ObsSlot.Entry(ObsSlot.code(d.key()), d.updatedAt(), d.deleted(), 0, "c0", ObsSlot.encode(d));
    }

    @Test
    void theLogIsBounded() {
        ObsSlot s = ObsSlot.EMPTY;
        for (int i = 0; i < 200; i++) {
            s = s.with(List.of(doc("k" + (i % 5), "v" + i)), "c", "w" + i);
        }
        assertEquals(ObsSlot.LOG_LENGTH, s.log.size());
        assertFalse(s.descendsFrom(1, "w0"), "too old a cursor reads everything again");
        assertEquals(5, s.entries.size());
    }

    @Test
    void damagedOrHostileEntriesAreRefusedWithAReason() throws Exception {
        ObsSlot slot = ObsSlot.EMPTY.with(List.of(doc("a", "1")), "c", "w");
        ObsSlot.Entry good = slot.entries.values().iterator().next();
        ObsSlot.Entry notBase64 = new ObsSlot.Entry(good.code(), good.updatedAt(), false, 1, "c", "%%%");
        assertTrue(assertThrows(StorageException.class, () -> ObsSlot.decode(notBase64)).getMessage().contains("base64"));
        // A deflate bomb: 64 MiB of zeros in a few KiB.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(bytes)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(zeros);
            }
        }
        ObsSlot.Entry bomb = new ObsSlot.Entry(good.code(), good.updatedAt(), false, 1, "c",
                Base64.getEncoder().encodeToString(bytes.toByteArray()));
        assertTrue(assertThrows(StorageException.class, () -> ObsSlot.decode(bomb)).getMessage().contains("larger"));
        ObsSlot.Entry elsewhere = new ObsSlot.Entry(ObsSlot.code(new ConfigKey("notes", "other")), good.updatedAt(), false, 1,
                "c", good.payload());
        assertTrue(assertThrows(StorageException.class, () -> ObsSlot.decode(elsewhere)).getMessage().contains("another config"));
        ObjectNode newer = ConfigJson.newObject().put("schema", 9);
        assertTrue(assertThrows(StorageException.class, () -> ObsSlot.parse(newer)).getMessage().contains("newer Streamkit"));
        assertThrows(StorageException.class, () -> ObsSlot.parse(ConfigJson.reader().readTree("[1,2]")));
    }

    @Test
    void theWebDocksShapesAreMappedToConfigTypes() throws Exception {
        String dock = "{\"swapConfigs\":[{\"id\":\"s1\",\"name\":\"Cam\"},{\"name\":\"No id\"},7],"
                + "\"textCyclerConfigs\":{\"c1\":{\"texts\":[\"a\"],\"updatedAt\":\"2024-05-01T10:00:00Z\"}},"
                + "\"layoutPresets\":[{\"id\":\"bad/id\"},{}]}";
        List<ConfigDocument> docs = LegacyConfigs.read(ConfigJson.reader().readTree(dock));
        List<ConfigKey> keys = docs.stream().map(ConfigDocument::key).toList();
        assertEquals(List.of(new ConfigKey("swaps", "s1"), new ConfigKey("swaps", "No id"), new ConfigKey("text-cyclers", "c1"),
                new ConfigKey("layouts", "imported-2")), keys);
        assertEquals(Instant.parse("2024-05-01T10:00:00Z"), docs.get(2).updatedAt());
        assertEquals(Instant.EPOCH, docs.get(0).updatedAt(), "without a time, any version saved since wins");
        // The dock may have saved the whole object as JSON text.
        assertEquals(4, LegacyConfigs.read(ConfigJson.newObject().textNode(dock)).size());
    }
}
