package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

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
import org.streamkit.sync.ui.internal.views.ConfigSync;
import org.streamkit.sync.ui.internal.views.SyncStates;

/** How the configs view derives a config's sync state from one snapshot of the coordinator. */
class SyncStatesTest {

    private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    private static final ConfigKey A = new ConfigKey("notes", "a");
    private static final ConfigKey B = new ConfigKey("notes", "b");
    private static final SyncMetrics METRICS = new SyncMetrics(0, 0, 0, 0, 0, 0, 0, 0);

    private static TierStatus local(String name) {
        return new TierStatus(name, 400, StorageTier.KIND_LOCAL, true, TierHealth.up(), 0, 0, 0, "");
    }

    private static TierStatus remote(String name, boolean present, TierHealth health) {
        return new TierStatus(name, 100, StorageTier.KIND_REMOTE, present, health, 0, 0, 0, "");
    }

    private static PendingWrite pending(ConfigKey key, String tier, boolean failed, String error) {
        return new PendingWrite(key, tier, NOW, NOW, failed ? 3 : 0, NOW, error, failed);
    }

    private static SyncStatus status(TierStatus... tiers) {
        return new SyncStatus(List.of(tiers), METRICS, false);
    }

    @Test
    void withoutRemoteTiersEveryConfigIsLocalOnly() {
        SyncStates states = SyncStates.of(status(local("memory"), local("xodus")), List.of(), List.of());
        ConfigSync sync = states.of(A);
        assertFalse(sync.remote());
        assertNull(sync.state());
        assertEquals(ConfigSync.LOCAL_ONLY, sync);
    }

    @Test
    void aConfigWithoutOutboxEntriesIsSyncedWithEveryRemote() {
        SyncStates states = SyncStates.of(status(local("xodus"), remote("cloud", true, TierHealth.up())),
                List.of(pending(B, "cloud", false, "")), List.of());
        assertEquals(SyncState.SYNCED, states.of(A).state());
        assertEquals(Map.of("cloud", SyncState.SYNCED), states.of(A).tiers());
        assertEquals(SyncState.PENDING, states.of(B).state());
        assertEquals(1, states.waiting());
    }

    @Test
    void anEntryForAnUnreachableOrAbsentTierIsOffline() {
        SyncStates down = SyncStates.of(status(remote("cloud", true, TierHealth.down("unreachable"))),
                List.of(pending(A, "cloud", false, "Connection refused")), List.of());
        assertEquals(SyncState.OFFLINE, down.of(A).state());
        assertEquals("cloud: Connection refused", down.of(A).detail());

        SyncStates absent = SyncStates.of(status(remote("obs", false, TierHealth.down("not installed"))),
                List.of(pending(A, "obs", false, "")), List.of());
        assertEquals(SyncState.OFFLINE, absent.of(A).state());

        SyncStates degraded = SyncStates.of(status(remote("cloud", true, TierHealth.degraded("slow"))),
                List.of(pending(A, "cloud", false, "")), List.of());
        assertEquals(SyncState.PENDING, degraded.of(A).state(), "a degraded tier still takes writes");
    }

    @Test
    void theStateNeedingMostAttentionSummarisesEveryTier() {
        ConfigDocument mine = ConfigDocument.of(A, ConfigJson.newObject().put("name", "mine"), NOW, NOW);
        ConfigDocument theirs = ConfigDocument.of(A, ConfigJson.newObject().put("name", "theirs"), NOW, NOW);
        SyncStatus status = status(remote("cloud", true, TierHealth.up()), remote("obs", true, TierHealth.up()));

        SyncStates failedAndPending = SyncStates.of(status,
                List.of(pending(A, "cloud", false, ""), pending(A, "obs", true, "refused (400)")), List.of());
        ConfigSync sync = failedAndPending.of(A);
        assertEquals(SyncState.FAILED, sync.state());
        assertEquals(Map.of("cloud", SyncState.PENDING, "obs", SyncState.FAILED), sync.tiers());
        assertEquals("obs: refused (400)", sync.detail());

        SyncStates conflict = SyncStates.of(status, List.of(pending(A, "cloud", true, "x")),
                List.of(new Conflict(A, "cloud", mine, theirs, NOW, "")));
        assertEquals(SyncState.CONFLICT, conflict.of(A).state());
        assertEquals(SyncState.SYNCED, conflict.of(A).tiers().get("obs"));

        SyncStates resolved = SyncStates.of(status, List.of(),
                List.of(new Conflict(A, "cloud", mine, theirs, NOW, "auto:mine")));
        assertEquals(SyncState.SYNCED, resolved.of(A).state(), "a resolved conflict is not open");
        assertTrue(resolved.of(A).remote());
    }

    @Test
    void workingOfflineEveryWaitingChangeIsOffline() {
        SyncStatus offline = new SyncStatus(List.of(remote("cloud", true, TierHealth.up())), METRICS, true);
        SyncStates states = SyncStates.of(offline, List.of(pending(A, "cloud", false, "")), List.of());
        assertEquals(SyncState.OFFLINE, states.of(A).state(), "nothing goes out while the user works offline");
        assertEquals(SyncState.SYNCED, states.of(B).state());
    }
}
