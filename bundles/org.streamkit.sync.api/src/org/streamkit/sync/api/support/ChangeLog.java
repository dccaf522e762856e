package org.streamkit.sync.api.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.streamkit.sync.api.ConfigKey;

/**
 * An in-memory change log for tiers without a persistent change index: every write gets the next
 * sequence number, and each key keeps only its latest one, so a page lists each changed key once.
 * Cursors (as {@link org.streamkit.sync.api.StorageTier#changedSince} hands them out) are
 * {@code <epoch>.<sequence>}. The epoch is new for every log, so a cursor kept from an
 * earlier log (a restarted framework) reads from the beginning instead of skipping changes.
 * Thread-safe; callers that must keep a write and its record together hold their own lock around both.
 *
 * @since 0.1
 */
public final class ChangeLog {

    /**
     * One page of keys.
     *
     * @param keys       the changed keys, oldest change first
     * @param nextCursor where the next page starts
     * @param hasMore    whether the page was cut at its limit
     */
    public record Page(List<ConfigKey> keys, String nextCursor, boolean hasMore) {
    }

    private final String tierName;
    private final String epoch;
    private final TreeMap<Long, ConfigKey> bySequence = new TreeMap<>();
    private final Map<ConfigKey, Long> sequenceOf = new HashMap<>();
    private long sequence;

    public ChangeLog(String tierName) {
        this(tierName, UUID.randomUUID().toString().substring(0, 8));
    }

    /** A log whose cursors carry a given epoch (for example a persistent store's id). */
    public ChangeLog(String tierName, String epoch) {
        this.tierName = tierName;
        this.epoch = epoch;
    }

    /** Records a change of a key and returns its sequence number. */
    public synchronized long record(ConfigKey key) {
        long next = ++sequence;
        Long previous = sequenceOf.put(key, next);
        if (previous != null) {
            bySequence.remove(previous);
        }
        bySequence.put(next, key);
        return next;
    }

    /**
     * @return the keys changed after the cursor, at most {@code limit}
     * @throws IllegalArgumentException on a limit below 1 or a cursor not made by a change log
     */
    public synchronized Page page(String cursor, int limit) {
        checkLimit(limit);
        long after = parse(tierName, epoch, cursor);
        List<ConfigKey> keys = new ArrayList<>(Math.min(limit, bySequence.size()));
        long last = after;
        boolean more = false;
        for (Map.Entry<Long, ConfigKey> change : bySequence.tailMap(after, false).entrySet()) {
            if (keys.size() == limit) {
                more = true;
                break;
            }
            keys.add(change.getValue());
            last = change.getKey();
        }
        return new Page(keys, format(epoch, more ? last : Math.max(last, sequence)), more);
    }

    /** @throws IllegalArgumentException when a page limit is below 1 */
    public static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }

    /** @return a cursor for a sequence number of an epoch */
    public static String format(String epoch, long sequence) {
        return epoch + "." + sequence;
    }

    /**
     * Reads a cursor made by {@link #format}.
     *
     * @return its sequence number, 0 for {@code null} or a cursor of another epoch
     * @throws IllegalArgumentException when the text is not such a cursor
     */
    public static long parse(String tierName, String epoch, String cursor) {
        if (cursor == null) {
            return 0;
        }
        int dot = cursor.lastIndexOf('.');
        if (dot > 0) {
            try {
                long value = Long.parseLong(cursor.substring(dot + 1));
                if (value >= 0) {
                    return cursor.substring(0, dot).equals(epoch) ? value : 0;
                }
            } catch (NumberFormatException e) {
                // not a number: refused below
            }
        }
        throw new IllegalArgumentException(
                "Not a cursor of the " + tierName + " tier: '" + (cursor.length() > 40 ? cursor.substring(0, 40) + "…" : cursor) + "'");
    }

    /** @return the epoch every cursor of this log carries */
    public String epoch() {
        return epoch;
    }
}
