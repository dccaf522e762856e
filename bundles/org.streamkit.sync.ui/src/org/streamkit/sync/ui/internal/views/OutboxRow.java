package org.streamkit.sync.ui.internal.views;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierStatus;

/**
 * One change waiting in the outbox, as the Sync Status view shows it: the write and where it stands,
 * judged like {@link SyncStates} does: held by an open conflict, parked as failed, waiting for a tier
 * that cannot be reached (or while working offline), or pending.
 *
 * @param write the outbox entry
 * @param state {@link SyncState#CONFLICT}, {@link SyncState#FAILED}, {@link SyncState#OFFLINE} or
 *              {@link SyncState#PENDING}
 * @param heldWhileLive the write waits because its tier is on air (OBS streams or records)
 */
public record OutboxRow(PendingWrite write, SyncState state, boolean heldWhileLive) {

    /** @return the rows of one snapshot of the coordinator, in outbox order (oldest first) */
    public static List<OutboxRow> of(SyncStatus status, List<PendingWrite> outbox, List<Conflict> conflicts) {
        return of(status, outbox, conflicts, List.of());
    }

    /**
     * @param heldWhileLive the writes held while their tier is on air
     * @return the rows of one snapshot of the coordinator, in outbox order (oldest first)
     */
    public static List<OutboxRow> of(SyncStatus status, List<PendingWrite> outbox, List<Conflict> conflicts,
            List<PendingWrite> heldWhileLive) {
        Set<String> live = new HashSet<>();
        for (PendingWrite w : heldWhileLive) {
            live.add(w.tier() + '\n' + w.key());
        }
        Map<String, Boolean> reachable = new HashMap<>();
        for (TierStatus tier : status.tiers()) {
            if (StorageTier.KIND_REMOTE.equals(tier.kind())) {
                reachable.put(tier.name(), tier.present() && tier.health().available());
            }
        }
        Set<String> held = new HashSet<>();
        for (Conflict conflict : conflicts) {
            if (conflict.open()) {
                held.add(conflict.tier() + '\n' + conflict.key());
            }
        }
        // Every remote tier is unreachable, or the user works offline: nothing is on its way.
        boolean offline = status.offline();
        List<OutboxRow> rows = new ArrayList<>();
        for (PendingWrite write : outbox) {
            SyncState state;
            if (held.contains(write.tier() + '\n' + write.key())) {
                state = SyncState.CONFLICT;
            } else if (write.failed()) {
                state = SyncState.FAILED;
            } else if (offline || !reachable.getOrDefault(write.tier(), false)) {
                state = SyncState.OFFLINE;
            } else {
                state = SyncState.PENDING;
            }
            rows.add(new OutboxRow(write, state, state == SyncState.PENDING && live.contains(write.tier() + '\n' + write.key())));
        }
        return rows;
    }
}
