package org.streamkit.sync.api;

/**
 * Counters since the coordinator started, and the write → remote acknowledgement latency.
 *
 * @param deliveries      remote writes acknowledged
 * @param deliveryErrors  failed remote write attempts
 * @param conflicts       conflicts seen (resolved automatically or opened)
 * @param reads           reads served
 * @param readMisses      reads no tier could answer
 * @param ackLatencyP50Ms median time from a local write to its remote acknowledgement, in ms (0 when none)
 * @param ackLatencyP99Ms 99th percentile of the same, in ms
 * @param outboxDepth     outbox entries now (pending and failed)
 * @since 0.1
 */
public record SyncMetrics(long deliveries, long deliveryErrors, long conflicts, long reads, long readMisses,
        double ackLatencyP50Ms, double ackLatencyP99Ms, int outboxDepth) {

    /** @return acknowledged deliveries over all attempts, 1.0 when there were none */
    public double successRate() {
        long attempts = deliveries + deliveryErrors;
        return attempts == 0 ? 1.0 : (double) deliveries / attempts;
    }

    /** @return conflicts over acknowledged deliveries, 0 when there were none */
    public double conflictRate() {
        return deliveries == 0 ? 0 : (double) conflicts / deliveries;
    }
}
