package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stamps of this device's edits: a hybrid logical clock on {@link Instant}s. A stamp is the wall clock's
 * microsecond (moved on by one when that would not be later than the newest stamp: the logical part), then
 * this device's tag (0–999) in the nanosecond digits, so two devices editing in the same microsecond make the
 * same stamp only one time in a thousand (and then {@link org.streamkit.sync.api.ConfigDocument#VERSION_ORDER}
 * still decides the same way everywhere).
 * <ul>
 * <li>Each stamp is later than every stamp this device made or observed, so a device whose wall clock runs
 * behind still orders its edits after everything it has seen;</li>
 * <li>the clock runs as far ahead of this machine's wall clock as the newest stamp it observed was (the
 * fastest clock it has seen, up to {@link #MAX_DRIFT}), so edits made one after the other on devices whose
 * clocks differ a little are ordered as they were made, not by a logical counter;</li>
 * <li>{@link #stampAfter} makes an edit's stamp later than the version it replaces, whatever the clocks
 * say, so an edit never loses to what it replaced;</li>
 * <li>a stamp further than {@link #MAX_DRIFT} ahead of this machine's wall clock (a device whose clock is
 * far off) does not move the clock at all, so one far-future stamp cannot pin every later stamp of every
 * config. The config that carries it is still ordered correctly, by {@link #stampAfter}.</li>
 * </ul>
 */
public final class HybridClock {

    /** How far ahead of the wall clock an observed stamp may move the clock. */
    public static final Duration MAX_DRIFT = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);
    private static final long TICK = 1_000; // nanoseconds per logical step; below it sits the device tag

    private final Supplier<Instant> wall;
    private final int tag;
    private long last; // epoch nanoseconds of the newest stamp made or observed (within the drift)
    private long offset; // how far ahead of the wall clock the stamps run, 0 to MAX_DRIFT
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
        if (start != null) {
            observe(start);
        }
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
        long now = wallNanos();
        long seen = nanos(stamp);
        if (beyondDrift(seen, now)) {
            return;
        }
        last = Math.max(last, seen);
        offset = Math.max(offset, seen - now);
    }

    /** @return the newest stamp made or observed (for keeping across restarts) */
    public synchronized Instant last() {
        return instant(last);
    }

    private long next(long atLeastAfter) {
        long now = wallNanos();
        long physical = now + offset;
        long floor = Math.max(last, atLeastAfter);
        // The (adjusted) wall clock's microsecond, or one logical step after the newest stamp; then the tag.
        long stamp = Math.max(physical - Math.floorMod(physical, TICK), floor - Math.floorMod(floor, TICK) + TICK) + tag;
        if (!beyondDrift(stamp, now)) {
            last = Math.max(last, stamp);
        }
        return stamp;
    }

    /** @return whether a stamp lies further than {@link #MAX_DRIFT} ahead of the wall clock (and says so once) */
    private boolean beyondDrift(long stamp, long now) {
        if (stamp <= now + MAX_DRIFT.toNanos()) {
            return false;
        }
        if (!warned) {
            warned = true;
            LOG.warn("A stamp {} lies more than {} minutes ahead of this machine's clock; it orders its own config"
                    + " but does not move the clock (check the clocks of the devices)", instant(stamp), MAX_DRIFT.toMinutes());
        }
        return true;
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
