package org.streamkit.sync.api;

/**
 * One tier as the coordinator sees it.
 *
 * @param name      the tier's name
 * @param ranking   its {@code service.ranking}
 * @param kind      {@link StorageTier#KIND_LOCAL} or {@link StorageTier#KIND_REMOTE}
 * @param present   whether its service is registered now
 * @param health    its health now ({@code DOWN} when absent)
 * @param pending   outbox entries waiting for it
 * @param failed    outbox entries parked as failed for it
 * @param reads     reads this tier answered first (cache hits at its rank)
 * @param lastError the last delivery error in words, or empty
 * @since 0.1
 */
public record TierStatus(String name, int ranking, String kind, boolean present, TierHealth health, int pending,
        int failed, long reads, String lastError) {
}
