package org.streamkit.sync.ui.internal.views;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierStatus;

/**
 * Derives every config's {@link ConfigSync} from one snapshot of the coordinator (its status, its outbox
 * and its open conflicts), the way {@link SyncCoordinator#state} judges one config and tier, without a
 * call per config: an open conflict with a tier is {@link SyncState#CONFLICT}; an outbox entry parked as
 * failed is {@link SyncState#FAILED}; another outbox entry is {@link SyncState#PENDING} while its tier is
 * registered and available (and the user does not work offline), else {@link SyncState#OFFLINE}; no entry
 * is {@link SyncState#SYNCED}.
 */
public final class SyncStates {

    /** States in the order they need attention: the first one a config has with any tier is its summary. */
    private static final List<SyncState> ATTENTION = List.of(SyncState.CONFLICT, SyncState.FAILED,
            SyncState.OFFLINE, SyncState.PENDING, SyncState.SYNCED);

    private final List<String> remotes = new ArrayList<>();
    private final Map<ConfigKey, Map<String, SyncState>> states = new HashMap<>();
    private final Map<ConfigKey, String> errors = new HashMap<>();

    private SyncStates() {
    }

    /** @return the states as the coordinator reports them now */
    public static SyncStates of(SyncCoordinator coordinator) {
        return of(coordinator.status(), coordinator.outbox(), coordinator.conflicts());
    }

    /** @return the states of one snapshot */
    public static SyncStates of(SyncStatus status, List<PendingWrite> outbox, List<Conflict> conflicts) {
        SyncStates result = new SyncStates();
        Map<String, Boolean> reachable = new HashMap<>();
        for (TierStatus tier : status.tiers()) {
            if (StorageTier.KIND_REMOTE.equals(tier.kind())) {
                result.remotes.add(tier.name());
                // While the user works offline nothing goes out, however reachable the tier is.
                reachable.put(tier.name(), !status.offline() && tier.present() && tier.health().available());
            }
        }
        for (PendingWrite write : outbox) {
            SyncState state = write.failed() ? SyncState.FAILED
                    : reachable.getOrDefault(write.tier(), false) ? SyncState.PENDING : SyncState.OFFLINE;
            result.states.computeIfAbsent(write.key(), k -> new TreeMap<>()).put(write.tier(), state);
            if (!write.lastError().isEmpty()) {
                result.errors.put(write.key(), write.tier() + ": " + write.lastError());
            }
            if (!result.remotes.contains(write.tier())) {
                result.remotes.add(write.tier());
            }
        }
        for (Conflict conflict : conflicts) {
            if (conflict.open()) {
                result.states.computeIfAbsent(conflict.key(), k -> new TreeMap<>()).put(conflict.tier(),
                        SyncState.CONFLICT);
            }
        }
        return result;
    }

    /** @return where the config stands with every remote tier */
    public ConfigSync of(ConfigKey key) {
        if (remotes.isEmpty()) {
            return ConfigSync.LOCAL_ONLY;
        }
        Map<String, SyncState> known = states.getOrDefault(key, Map.of());
        Map<String, SyncState> tiers = new TreeMap<>();
        for (String remote : remotes) {
            tiers.put(remote, known.getOrDefault(remote, SyncState.SYNCED));
        }
        SyncState summary = ATTENTION.stream().filter(tiers::containsValue).findFirst().orElse(SyncState.SYNCED);
        return new ConfigSync(summary, tiers, errors.getOrDefault(key, ""));
    }

    /** @return how many configs of this snapshot wait for delivery to some tier (pending, offline or failed) */
    public long waiting() {
        return states.values().stream().filter(m -> m.values().stream().anyMatch(s -> s != SyncState.CONFLICT))
                .count();
    }
}
