package org.streamkit.sync.coordinator;

import java.util.Comparator;

import org.streamkit.sync.api.ConfigDocument;

/**
 * Last write wins between two versions of a config, by {@link ConfigDocument#VERSION_ORDER}: the later edit
 * stamp wins; on equal stamps a tombstone wins over an edit, and then the body that sorts last. Every
 * device decides the same way.
 */
public final class Lww {

    /** Orders versions so that the winner is the greatest. */
    public static final Comparator<ConfigDocument> ORDER = ConfigDocument.VERSION_ORDER;

    private Lww() {
    }

    /** @return the winner of the two (either may be null) */
    public static ConfigDocument winner(ConfigDocument a, ConfigDocument b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return ORDER.compare(a, b) >= 0 ? a : b;
    }

    /** @return whether the two are the same version: same stamp, same deletion state, same body */
    public static boolean same(ConfigDocument a, ConfigDocument b) {
        return a != null && a.sameVersion(b);
    }
}
