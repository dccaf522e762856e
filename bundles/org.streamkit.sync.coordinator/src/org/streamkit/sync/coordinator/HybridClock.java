package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stamps of this device's edits: a hybrid logical clock on {@link Instant}s. A stamp is the wall clock's
 * microsecond (moved on by one when the clock has not, a logical step), then this device's tag (0–999) in
 * the nanosecond digits, so two devices editing in the same microsecond make the same stamp only one time in
 * a thousand (and then {@link org.streamkit.sync.api.ConfigDocument#VERSION_ORDER} still decides the same
 * way everywhere).
 * <ul>
 * <li>Each stamp is later than every stamp this device made or observed, so a device whose wall clock runs
 * behind still orders its edits after everything it has seen;</li>
 * <li>{@link #stampAfter} makes an edit's stamp later than the version it replaces, whatever the clocks
 * say, so an edit never loses to what it replaced;</li>
 * <li>an observed stamp further than {@link #MAX_DRIFT} ahead of this device's wall clock (a device whose
 * clock is far off) is not taken in whole: it moves the clock only to that bound, so one far-future stamp
 * cannot pin every later stamp of every config. The config that carries it is still ordered correctly, by
 * {@link #stampAfter}.</li>
 * </ul>
 */
public final class HybridClock {

    /** How far ahead of the wall clock an observed stamp may move the clock. */
    public static final Duration MAX_DRIFT = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);
    private static final long TICK = 1_000; // nanoseconds per logical step; below it sits the device tag

    private final Supplier<Instant> wall;
    private final int tag;
    private long last; // epoch nanoseconds of the newest stamp made or observed (bounded)
    private boolean warned;

    /**
     * @param wall  the wall clock
     * @param start the last stamp of an earlier run, or null
     * @param tag   this device's tag, 0–999
     */
    public HybridClock(Supplier<Instant> wall, Instant start, int tag) {
        if (tag < 0 || tag >= TICK) {
            throw new IllegalArgumentException("tag must be 0-999, was " + tag);
        }
        this.wall = wall;
        this.tag = tag;
        this.last = start == null ? 0 : bounded(nanos(start));
    }

    /** @return a stamp later than every one made or observed so far */
    public synchronized Instant now() {
        return instant(next(Long.MIN_VALUE));
    }

    /**
     * @param replaced the stamp of the version an edit replaces (null: none)
     * @return a stamp for the edit: later than every one made or observed so far, and later than
     *         {@code replaced} even when that lies beyond {@link #MAX_DRIFT}
     */
    public synchronized Instant stampAfter(Instant replaced) {
        return instant(next(replaced == null ? Long.MIN_VALUE : nanos(replaced)));
    }

    /** Takes note of a stamp from elsewhere (a pulled config, another device's edit). */
    public synchronized void observe(Instant stamp) {
        last = Math.max(last, bounded(nanos(stamp)));
    }

    /** @return the newest stamp made or observed (for keeping across restarts) */
    public synchronized Instant last() {
        return instant(last);
    }

    private long next(long atLeastAfter) {
        long now = wallNanos();
        long floor = Math.max(last, atLeastAfter);
        // The wall clock's microsecond, or one logical step after the newest stamp; then the device tag.
        long stamp = Math.max(now - Math.floorMod(now, TICK), floor - Math.floorMod(floor, TICK) + TICK) + tag;
        last = Math.max(last, bounded(stamp));
        return stamp;
    }

    /** @return the stamp, or the wall clock plus {@link #MAX_DRIFT} when it lies beyond that */
    private long bounded(long stamp) {
        long limit = wallNanos() + MAX_DRIFT.toNanos();
        if (stamp <= limit) {
            return stamp;
        }
        if (!warned) {
            warned = true;
            LOG.warn("A stamp {} lies more than {} minutes ahead of this machine's clock; it orders its own config"
                    + " but does not move the clock further (check the clocks of the devices)", instant(stamp),
                    MAX_DRIFT.toMinutes());
        }
        return limit;
    }

    private long wallNanos() {
        return nanos(wall.get());
    }

    static long nanos(Instant t) {
        return Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L) + t.getNano();
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
