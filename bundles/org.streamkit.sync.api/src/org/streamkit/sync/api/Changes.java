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
 * @since 0.1
 */
public record Changes(List<ConfigDocument> documents, String nextCursor, boolean hasMore) {

    public Changes {
        documents = List.copyOf(documents);
        Objects.requireNonNull(nextCursor, "nextCursor");
    }
}
