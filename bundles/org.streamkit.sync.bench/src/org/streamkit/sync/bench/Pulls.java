package org.streamkit.sync.bench;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;

/** A first pull as the coordinator makes one: every page of a tier's changes, from no cursor to the end. */
final class Pulls {

    private Pulls() {
    }

    /** How many documents the pages held, and the cursor after the last one. */
    record Pulled(int documents, String cursor) {
    }

    static Pulled all(StorageTier tier, int pageSize) throws StorageException {
        int total = 0;
        String cursor = null;
        Changes page;
        do {
            page = tier.changedSince(cursor, pageSize);
            total += page.documents().size();
            cursor = page.nextCursor();
        } while (page.hasMore());
        return new Pulled(total, cursor);
    }
}
