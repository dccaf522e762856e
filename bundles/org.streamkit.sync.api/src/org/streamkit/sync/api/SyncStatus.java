package org.streamkit.sync.api;

import java.util.List;

/**
 * A snapshot of the coordinator: its tiers, highest ranking first, and its metrics.
 *
 * @param tiers   every tier the coordinator uses or has used, highest ranking first
 * @param metrics its counters and latencies
 * @param offline whether nothing reaches a remote tier now: no remote tier is reachable, or
 *                {@link SyncCoordinator#workOffline(boolean) work offline} is on
 * @since 0.1
 */
public record SyncStatus(List<TierStatus> tiers, SyncMetrics metrics, boolean offline) {

    public SyncStatus {
        tiers = List.copyOf(tiers);
    }
}
