package org.streamkit.sync.coordinator;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.streamkit.sync.api.SyncMetrics;

/** Counters and a window of the latest write → remote-ack latencies. */
final class Metrics {

    private static final int WINDOW = 4096;

    final AtomicLong deliveries = new AtomicLong();
    final AtomicLong deliveryErrors = new AtomicLong();
    final AtomicLong conflicts = new AtomicLong();
    final LongAdder reads = new LongAdder();
    final LongAdder readMisses = new LongAdder();
    private final Map<String, LongAdder> readsByTier = new ConcurrentHashMap<>();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private final long[] latencies = new long[WINDOW];
    private long recorded;

    void readAnsweredBy(String tier) {
        reads.increment();
        readsByTier.computeIfAbsent(tier, t -> new LongAdder()).increment();
    }

    long readsBy(String tier) {
        LongAdder a = readsByTier.get(tier);
        return a == null ? 0 : a.sum();
    }

    synchronized void ackLatency(long millis) {
        latencies[(int) (recorded++ % WINDOW)] = millis;
    }

    void error(String tier, String message) {
        deliveryErrors.incrementAndGet();
        lastError.put(tier, message);
    }

    String lastError(String tier) {
        return lastError.getOrDefault(tier, "");
    }

    void clearError(String tier) {
        lastError.remove(tier);
    }

    synchronized SyncMetrics snapshot(int outboxDepth) {
        int n = (int) Math.min(recorded, WINDOW);
        double p50 = 0;
        double p99 = 0;
        if (n > 0) {
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            p50 = sorted[(int) Math.floor(0.50 * (n - 1))];
            p99 = sorted[(int) Math.ceil(0.99 * (n - 1))];
        }
        return new SyncMetrics(deliveries.get(), deliveryErrors.get(), conflicts.get(), reads.sum(), readMisses.sum(), p50,
                p99, outboxDepth);
    }
}
