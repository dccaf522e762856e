package org.streamkit.sync.ui.internal.compare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.SyncCoordinator;

/**
 * One version of a config in its History: the current one, an earlier one the coordinator kept
 * ({@link SyncCoordinator#history}), or a version that lost a conflict and is only in the conflict log
 * ({@link SyncCoordinator#conflictLog}).
 *
 * @param document   the version
 * @param kind       where it comes from
 * @param tier       for a version of a conflict: the remote tier of that conflict; else empty
 * @param resolution for a version of a conflict: how that conflict ended; else empty
 */
public record HistoryEntry(ConfigDocument document, Kind kind, String tier, String resolution) {

    /** Where a version comes from. */
    public enum Kind {
        /** The version the config has now. */
        CURRENT,
        /** A version this one replaced, kept in the history. */
        EARLIER,
        /** The losing side of a resolved conflict, kept in the conflict log only. */
        LOST
    }

    /** @return whether this version can be restored (made the newest again) */
    public boolean restorable() {
        return kind != Kind.CURRENT;
    }

    /**
     * @param current     the config now (a tombstone when deleted), or null
     * @param history     its earlier versions, newest first
     * @param conflictLog every conflict recorded for it, newest first
     * @return the current version, then every earlier and every losing version, newest first; an earlier
     *         version that lost a conflict says which one
     */
    public static List<HistoryEntry> of(ConfigDocument current, List<ConfigDocument> history, List<Conflict> conflictLog) {
        List<HistoryEntry> entries = new ArrayList<>();
        for (ConfigDocument earlier : history) {
            Conflict lostIn = null;
            for (Conflict conflict : conflictLog) {
                if (!conflict.open() && losers(conflict).stream().anyMatch(d -> same(d, earlier))) {
                    lostIn = conflict;
                    break;
                }
            }
            entries.add(lostIn == null ? new HistoryEntry(earlier, Kind.EARLIER, "", "") //$NON-NLS-1$ //$NON-NLS-2$
                    : new HistoryEntry(earlier, Kind.EARLIER, lostIn.tier(), lostIn.resolution()));
        }
        for (Conflict conflict : conflictLog) {
            if (conflict.open()) {
                continue;
            }
            for (ConfigDocument loser : losers(conflict)) {
                boolean known = same(loser, current) || entries.stream().anyMatch(e -> same(e.document(), loser));
                if (!known) {
                    entries.add(new HistoryEntry(loser, Kind.LOST, conflict.tier(), conflict.resolution()));
                }
            }
        }
        entries.sort(Comparator.comparing((HistoryEntry e) -> e.document().updatedAt()).reversed());
        if (current != null) {
            entries.add(0, new HistoryEntry(current, Kind.CURRENT, "", "")); //$NON-NLS-1$ //$NON-NLS-2$
        }
        return entries;
    }

    /** @return the versions a resolved conflict did not keep as they were */
    private static List<ConfigDocument> losers(Conflict conflict) {
        String how = conflict.resolution().startsWith("auto:") //$NON-NLS-1$
                ? conflict.resolution().substring("auto:".length()) : conflict.resolution(); //$NON-NLS-1$
        return switch (how) {
            case ConflictCompareInput.MINE -> List.of(conflict.theirs());
            case ConflictCompareInput.THEIRS -> List.of(conflict.mine());
            default -> List.of(conflict.mine(), conflict.theirs());
        };
    }

    private static boolean same(ConfigDocument a, ConfigDocument b) {
        return a != null && b != null && a.updatedAt().equals(b.updatedAt()) && a.sameContent(b);
    }
}
