package org.streamkit.sync.coordinator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.TierStatus;

/** Where things stand: each tier's health and what waits for it, the metrics, and one config with one tier. */
final class Status {

    private final SyncContext sync;

    Status(SyncContext sync) {
        this.sync = sync;
    }

    /** @return the tiers (the remote ones known but not running included), the outbox and the metrics now */
    SyncStatus now() {
        List<CoordinatorStore.Entry> outbox = sync.store.outbox();
        Map<String, int[]> counts = new HashMap<>();
        for (CoordinatorStore.Entry e : outbox) {
            counts.computeIfAbsent(e.tier(), t -> new int[2])[e.failed() ? 1 : 0]++;
        }
        List<TierStatus> list = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Coordinator.Tier t : sync.tiers.all()) {
            seen.add(t.name());
            int[] c = counts.getOrDefault(t.name(), new int[2]);
            TierHealth health;
            try {
                health = t.tier().health();
            } catch (RuntimeException e) {
                health = TierHealth.down(e.toString());
            }
            list.add(new TierStatus(t.name(), t.ranking(), t.remote() ? StorageTier.KIND_REMOTE : StorageTier.KIND_LOCAL, true,
                    health, c[0], c[1], sync.metrics.readsBy(t.name()), sync.metrics.lastError(t.name())));
        }
        for (String remote : sync.store.knownRemotes()) {
            if (seen.add(remote)) {
                int[] c = counts.getOrDefault(remote, new int[2]);
                list.add(new TierStatus(remote, 0, StorageTier.KIND_REMOTE, false,
                        TierHealth.down("The " + remote + " tier is not installed or not started"), c[0], c[1], 0,
                        sync.metrics.lastError(remote)));
            }
        }
        boolean unreachable = sync.offline || list.stream().filter(s -> s.kind().equals(StorageTier.KIND_REMOTE))
                .noneMatch(s -> s.present() && s.health().available());
        return new SyncStatus(list, sync.metrics.snapshot(outbox.size()), unreachable);
    }

    /** @return where one config stands with one tier */
    SyncState of(ConfigKey key, String tier) {
        Optional<CoordinatorStore.Entry> entry = sync.store.entry(tier, key);
        if (entry.isEmpty()) {
            return SyncState.SYNCED;
        }
        if (entry.get().held()) {
            return SyncState.CONFLICT;
        }
        if (entry.get().failed()) {
            return SyncState.FAILED;
        }
        return sync.reachable(tier) ? SyncState.PENDING : SyncState.OFFLINE;
    }
}
