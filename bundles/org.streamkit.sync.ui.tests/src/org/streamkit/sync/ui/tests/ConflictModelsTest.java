package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncMetrics;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.ui.internal.compare.ConflictCompareInput;
import org.streamkit.sync.ui.internal.compare.FieldMerge;
import org.streamkit.sync.ui.internal.compare.HistoryEntry;
import org.streamkit.sync.ui.internal.views.OutboxRow;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The plain models behind the conflict, history and status UI: field merges, history entries, outbox rows. */
class ConflictModelsTest {

    private static final ConfigKey KEY = new ConfigKey("text-cyclers", "intro");
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    private static ConfigDocument doc(ObjectNode body, int second) {
        return ConfigDocument.of(KEY, body, T0, T0.plusSeconds(second));
    }

    @Test
    void aFieldMergeStartsFromWhatEachSideChangedAndBuildsTheChosenBody() {
        ObjectNode base = ConfigJson.parseObject("{\"name\":\"Intro\",\"intervalMs\":3000,\"color\":\"white\",\"old\":1}");
        ObjectNode mine = ConfigJson.parseObject("{\"name\":\"Intro\",\"intervalMs\":5000,\"color\":\"red\",\"old\":1}");
        ObjectNode theirs = ConfigJson.parseObject("{\"name\":\"Intro!\",\"intervalMs\":3000,\"color\":\"blue\",\"extra\":true}");
        FieldMerge merge = FieldMerge.of(mine, theirs, base);
        assertEquals(List.of("name", "intervalMs", "color", "old", "extra"),
                merge.fields().stream().map(FieldMerge.Field::name).toList());
        assertEquals(FieldMerge.Side.THEIRS, merge.field("name").choice(), "only theirs changed the name");
        assertEquals(FieldMerge.Side.MINE, merge.field("intervalMs").choice(), "only mine changed the interval");
        assertEquals(FieldMerge.Side.MINE, merge.field("color").choice(), "both changed the colour: mine first");
        assertEquals(FieldMerge.Side.THEIRS, merge.field("old").choice(), "only theirs removed it");
        assertEquals(FieldMerge.Side.THEIRS, merge.field("extra").choice(), "only theirs added it");
        assertEquals(ConfigJson.parseObject("{\"name\":\"Intro!\",\"intervalMs\":5000,\"color\":\"red\",\"extra\":true}"),
                merge.merged(), "a field the chosen side lacks is left out");

        merge.choose("color", FieldMerge.Side.THEIRS);
        merge.choose("old", FieldMerge.Side.MINE);
        assertEquals(ConfigJson.parseObject("{\"name\":\"Intro!\",\"intervalMs\":5000,\"color\":\"blue\",\"old\":1,\"extra\":true}"),
                merge.merged());
        merge.chooseAll(FieldMerge.Side.MINE);
        assertEquals(mine, merge.merged());
        merge.chooseAll(FieldMerge.Side.THEIRS);
        assertEquals(theirs, merge.merged());

        FieldMerge noBase = FieldMerge.of(mine, theirs, null);
        assertTrue(noBase.fields().stream().allMatch(f -> f.choice() == FieldMerge.Side.MINE), "without a base, mine first");
        assertEquals(mine, noBase.merged());
        assertTrue(noBase.field("old").differs());
        assertTrue(FieldMerge.of(mine, mine.deepCopy(), base).fields().stream().noneMatch(FieldMerge.Field::differs));
    }

    @Test
    void theBaseIsTheNewestEarlierVersionOlderThanBothSides() {
        ConfigDocument v0 = doc(ConfigJson.newObject().put("v", 0), 0);
        ConfigDocument v1 = doc(ConfigJson.newObject().put("v", 1), 10);
        ConfigDocument theirs = doc(ConfigJson.newObject().put("v", "theirs"), 20);
        ConfigDocument v2 = doc(ConfigJson.newObject().put("v", 2), 25);
        ConfigDocument mine = doc(ConfigJson.newObject().put("v", "mine"), 30);
        Conflict conflict = new Conflict(KEY, "cloud", mine, theirs, T0.plusSeconds(40), "");
        assertSame(v1, ConflictCompareInput.baseOf(conflict, List.of(v2, v1, v0)));
        assertNull(ConflictCompareInput.baseOf(conflict, List.of(v2)), "no version older than both");
        ConfigDocument deleted = v1.asTombstone(T0.plusSeconds(15));
        assertSame(v1, ConflictCompareInput.baseOf(conflict, List.of(v2, deleted, v1, v0)), "a deletion is no base");
    }

    @Test
    void theHistoryListsCurrentEarlierAndLosingVersionsNewestFirst() {
        ConfigDocument base = doc(ConfigJson.newObject().put("name", "base"), 0);
        ConfigDocument theirs = doc(ConfigJson.newObject().put("name", "theirs"), 10);
        ConfigDocument mine = doc(ConfigJson.newObject().put("name", "mine"), 20);
        ConfigDocument merged = doc(ConfigJson.newObject().put("name", "merged"), 30);
        Conflict resolved = new Conflict(KEY, "cloud", mine, theirs, T0.plusSeconds(25), "merged");

        List<HistoryEntry> entries = HistoryEntry.of(merged, List.of(mine, base), List.of(resolved));
        assertEquals(List.of(HistoryEntry.Kind.CURRENT, HistoryEntry.Kind.EARLIER, HistoryEntry.Kind.LOST,
                HistoryEntry.Kind.EARLIER), entries.stream().map(HistoryEntry::kind).toList());
        assertEquals(List.of(merged, mine, theirs, base), entries.stream().map(HistoryEntry::document).toList());
        assertEquals("cloud", entries.get(1).tier(), "the replaced version of a merge lost that conflict too");
        assertEquals("merged", entries.get(2).resolution());
        assertEquals("", entries.get(3).tier());
        assertTrue(!entries.get(0).restorable() && entries.get(1).restorable() && entries.get(2).restorable());

        Conflict mineWon = new Conflict(KEY, "cloud", mine, theirs, T0.plusSeconds(25), "auto:mine");
        List<HistoryEntry> kept = HistoryEntry.of(mine, List.of(base), List.of(mineWon));
        assertEquals(List.of(HistoryEntry.Kind.CURRENT, HistoryEntry.Kind.LOST, HistoryEntry.Kind.EARLIER),
                kept.stream().map(HistoryEntry::kind).toList(), "last write wins: the older side lost");
        assertEquals(theirs, kept.get(1).document());

        Conflict theirsWon = new Conflict(KEY, "cloud", mine, theirs, T0.plusSeconds(25), "auto:theirs");
        List<HistoryEntry> taken = HistoryEntry.of(theirs, List.of(mine, base), List.of(theirsWon));
        assertEquals(List.of(HistoryEntry.Kind.CURRENT, HistoryEntry.Kind.EARLIER, HistoryEntry.Kind.EARLIER),
                taken.stream().map(HistoryEntry::kind).toList(), "the winner is current, not listed as lost");
        assertEquals("cloud", taken.get(1).tier(), "this device's version lost to the cloud's");

        Conflict open = new Conflict(KEY, "cloud", mine, theirs, T0.plusSeconds(25), "");
        assertEquals(2, HistoryEntry.of(mine, List.of(base), List.of(open)).size(), "an open conflict lost nothing yet");
    }

    @Test
    void anOutboxRowSaysWhetherItIsPendingOfflineFailedOrHeldByAConflict() {
        SyncMetrics metrics = new SyncMetrics(0, 0, 0, 0, 0, 0, 0, 0);
        TierStatus cloud = new TierStatus("cloud", 100, StorageTier.KIND_REMOTE, true, TierHealth.up(), 0, 0, 0, "");
        TierStatus obs = new TierStatus("obs", 200, StorageTier.KIND_REMOTE, true, TierHealth.down("OBS is not running"), 0,
                0, 0, "");
        ConfigKey other = new ConfigKey("notes", "n");
        List<PendingWrite> outbox = List.of(new PendingWrite(KEY, "cloud", T0, T0, 0, T0, "", false),
                new PendingWrite(KEY, "obs", T0, T0, 0, T0, "", false),
                new PendingWrite(other, "cloud", T0, T0, 3, T0, "refused", true),
                new PendingWrite(other, "obs", T0, T0, 0, T0, "", false));
        Conflict held = new Conflict(other, "obs", doc(ConfigJson.newObject(), 1), doc(ConfigJson.newObject(), 2), T0, "");

        List<OutboxRow> rows = OutboxRow.of(new SyncStatus(List.of(obs, cloud), metrics, false), outbox, List.of(held));
        assertEquals(List.of(SyncState.PENDING, SyncState.OFFLINE, SyncState.FAILED, SyncState.CONFLICT),
                rows.stream().map(OutboxRow::state).toList());

        List<OutboxRow> offline = OutboxRow.of(new SyncStatus(List.of(obs, cloud), metrics, true), outbox, List.of());
        assertEquals(List.of(SyncState.OFFLINE, SyncState.OFFLINE, SyncState.FAILED, SyncState.OFFLINE),
                offline.stream().map(OutboxRow::state).toList(), "working offline, nothing is on its way");
    }
}
