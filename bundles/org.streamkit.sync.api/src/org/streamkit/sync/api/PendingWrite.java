package org.streamkit.sync.api;

import java.time.Instant;

/**
 * A change waiting in the coordinator's durable outbox for a remote tier. The outbox holds one entry
 * per config and tier; it always delivers the config's latest local state.
 *
 * @param key         the config
 * @param tier        the remote tier's name
 * @param version     the local {@code updatedAt} the entry was made for
 * @param enqueuedAt  when the oldest undelivered change of this entry was made
 * @param attempts    delivery attempts so far
 * @param nextAttempt when delivery is tried next
 * @param lastError   the last failure in words, or empty
 * @param failed      parked: will not be retried until the user asks
 * @since 0.1
 */
public record PendingWrite(ConfigKey key, String tier, Instant version, Instant enqueuedAt, int attempts,
        Instant nextAttempt, String lastError, boolean failed) {
}
