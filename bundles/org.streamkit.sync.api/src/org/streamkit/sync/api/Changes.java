package org.streamkit.sync.api;

import java.util.List;
import java.util.Objects;

/**
 * One page of {@link StorageTier#changedSince(String, int)}: the documents changed after a cursor,
 * tombstones included, in the order the tier recorded them, and the cursor to continue from.
 *
 * @param documents  the changed documents, each key at most once (its latest state)
 * @param nextCursor the cursor to pass next time; never {@code null}; opaque to callers
 * @param hasMore    whether more changes follow right away (the page was limited)
 * @param restarted  whether the tier could not continue from the cursor it was given (the remote lost or
 *                   replaced the history the cursor named, for example a store reset to empty) and this page
 *                   starts again from the beginning: the caller reads every page to the end and treats what it
 *                   holds and the pages lack as missing there. Always false for a read from the beginning
 *                   ({@code null} cursor), which the caller knows about. Since 0.2.
 * @since 0.1
 */
public record Changes(List<ConfigDocument> documents, String nextCursor, boolean hasMore, boolean restarted) {

    public Changes {
        documents = List.copyOf(documents);
        Objects.requireNonNull(nextCursor, "nextCursor");
    }

    /** A page that continues from its cursor (or starts from the beginning when there was none). */
    public Changes(List<ConfigDocument> documents, String nextCursor, boolean hasMore) {
        this(documents, nextCursor, hasMore, false);
    }
}
