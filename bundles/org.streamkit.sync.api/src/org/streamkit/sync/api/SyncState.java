package org.streamkit.sync.api;

/**
 * Where one config stands with one tier.
 *
 * @since 0.1
 */
public enum SyncState {
    /** The tier holds the current version. */
    SYNCED,
    /** A change waits in the outbox for its debounce or its next attempt. */
    PENDING,
    /** The tier and this device changed the config independently; a person chooses (policy "ask"). */
    CONFLICT,
    /** Delivery failed in a way that retrying cannot fix; parked until the user retries or discards it. */
    FAILED,
    /** The tier is not reachable now; the change waits in the outbox. */
    OFFLINE
}
