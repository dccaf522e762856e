package org.streamkit.sync.ui.internal.views;

import java.util.Map;
import java.util.TreeMap;

import org.streamkit.sync.api.SyncState;

/**
 * Where one config stands with the remote tiers, as the configs view decorates it.
 *
 * @param state  the state that needs the most attention over every remote tier, or {@code null} when
 *               there is no remote tier at all (the config lives on this machine only)
 * @param tiers  the state with each remote tier, by tier name
 * @param detail the last delivery error in words, or empty
 */
public record ConfigSync(SyncState state, Map<String, SyncState> tiers, String detail) {

    /** A config that only the local tiers hold, because no remote tier is configured. */
    public static final ConfigSync LOCAL_ONLY = new ConfigSync(null, Map.of(), "");
    /** A config the user keeps on this machine only: it goes to no remote tier. */
    public static final ConfigSync MACHINE_ONLY = new ConfigSync(null, Map.of(), "machine-only"); //$NON-NLS-1$

    public ConfigSync {
        tiers = Map.copyOf(tiers);
        detail = detail == null ? "" : detail;
    }

    /** @return whether some remote tier exists to sync with */
    public boolean remote() {
        return state != null;
    }

    /** @return the tiers in the given state, by name, comma-separated */
    String tiersIn(SyncState wanted) {
        StringBuilder names = new StringBuilder();
        new TreeMap<>(tiers).forEach((tier, state) -> {
            if (state == wanted) {
                names.append(names.isEmpty() ? "" : ", ").append(tier);
            }
        });
        return names.toString();
    }
}
