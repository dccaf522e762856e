package org.streamkit.sync.coordinator;

import java.time.Duration;

/**
 * How the coordinator behaves.
 *
 * @param askOnConflict  leave conflicts open for a person (policy "ask") instead of last-write-wins
 * @param historyDepth   how many earlier versions each config keeps
 * @param periodicSync   how often to pull from remote tiers; zero turns it off
 * @param pullOnStart    pull from a remote tier as soon as it appears
 * @param retryBase      first retry delay of a failed remote write
 * @param retryMax       longest retry delay
 * @param readyWait      how long a read or an edit waits for a durable local tier while the tiers start
 * @param checkpointsKept how many checkpoints are kept (the newest)
 * @param holdWhileLive  while a remote tier's program is on air (OBS streams or records), hold the versions
 *                       from elsewhere that would go to it until it is off air or the user applies them
 */
public record Settings(boolean askOnConflict, int historyDepth, Duration periodicSync, boolean pullOnStart,
        Duration retryBase, Duration retryMax, Duration readyWait, int checkpointsKept, boolean holdWhileLive) {

    /** How many checkpoints are kept by default. */
    public static final int CHECKPOINTS_KEPT = 10;

    /** How long a read or an edit waits for a durable local tier by default. */
    public static final Duration READY_WAIT = Duration.ofSeconds(15);

    public Settings(boolean askOnConflict, int historyDepth, Duration periodicSync, boolean pullOnStart,
            Duration retryBase, Duration retryMax) {
        this(askOnConflict, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, READY_WAIT, CHECKPOINTS_KEPT, true);
    }

    public Settings(boolean askOnConflict, int historyDepth, Duration periodicSync, boolean pullOnStart,
            Duration retryBase, Duration retryMax, Duration readyWait) {
        this(askOnConflict, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, readyWait, CHECKPOINTS_KEPT, true);
    }

    public static Settings defaults() {
        return new Settings(false, 20, Duration.ofMinutes(5), true, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    public Settings withAskOnConflict(boolean ask) {
        return new Settings(ask, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, readyWait, checkpointsKept,
                holdWhileLive);
    }

    public Settings withReadyWait(Duration wait) {
        return new Settings(askOnConflict, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, wait, checkpointsKept,
                holdWhileLive);
    }

    public Settings withCheckpointsKept(int kept) {
        return new Settings(askOnConflict, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, readyWait, kept,
                holdWhileLive);
    }

    public Settings withHoldWhileLive(boolean hold) {
        return new Settings(askOnConflict, historyDepth, periodicSync, pullOnStart, retryBase, retryMax, readyWait, checkpointsKept,
                hold);
    }
}
