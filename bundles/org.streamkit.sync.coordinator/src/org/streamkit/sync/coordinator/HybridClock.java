package org.streamkit.sync.coordinator;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock on {@link Instant}s: the wall clock's milliseconds, with a logical counter in the
 * sub-millisecond digits. Each stamp is later than every stamp this device made or saw before, so a device
 * whose wall clock runs behind still orders its own edits after everything it has seen.
 */
public final class HybridClock {

    private final LongSupplier wallMillis;
    private long last; // epoch nanoseconds of the newest stamp made or seen

    public HybridClock(LongSupplier wallMillis, Instant start) {
        this.wallMillis = wallMillis;
        this.last = start == null ? 0 : nanos(start);
    }

    /** @return a stamp later than every one made or observed so far */
    public synchronized Instant now() {
        long wall = wallMillis.getAsLong() * 1_000_000L;
        last = Math.max(wall, last + 1);
        return instant(last);
    }

    /** Takes note of a stamp from elsewhere (a pulled config, a server's stamp). */
    public synchronized void observe(Instant stamp) {
        last = Math.max(last, nanos(stamp));
    }

    private static long nanos(Instant t) {
        return Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L) + t.getNano();
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
