package org.streamkit.sync.api;

import java.util.List;

/**
 * A snapshot of the coordinator: its tiers, highest ranking first, and its metrics.
 *
 * @since 0.1
 */
public record SyncStatus(List<TierStatus> tiers, SyncMetrics metrics, boolean offline) {

    public SyncStatus {
        tiers = List.copyOf(tiers);
    }
}
