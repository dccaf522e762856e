package org.streamkit.sync.server.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client key (a customer id, else an IP address): {@code burst} requests at once,
 * refilled at {@code perSecond}. Buckets that have filled up again are dropped when the map grows, so
 * many one-off clients do not accumulate.
 */
public final class RateLimiter {

    private static final int PRUNE_ABOVE = 10_000;

    private final int burst;
    private final double perNano;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    /** @param burst bucket size; {@code 0} lets every request through */
    public RateLimiter(int burst, double perSecond, LongSupplier nanoTime) {
        this.burst = burst;
        this.perNano = perSecond / 1e9;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes one token from the client's bucket.
     *
     * @return {@code 0} when the request may go ahead, else the whole seconds (at least 1) until it may
     */
    public long acquire(String client) {
        if (burst == 0) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        if (buckets.size() > PRUNE_ABOVE) {
            prune(now);
        }
        Bucket bucket = buckets.computeIfAbsent(client, k -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updated) * perNano);
            bucket.updated = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            double waitNanos = (1 - bucket.tokens) / perNano;
            return Math.max(1, (long) Math.ceil(waitNanos / 1e9));
        }
    }

    private void prune(long now) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (now - b.updated) * perNano >= burst;
            }
        });
    }
}
