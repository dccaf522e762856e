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
 */
public record Settings(boolean askOnConflict, int historyDepth, Duration periodicSync, boolean pullOnStart,
        Duration retryBase, Duration retryMax) {

    public static Settings defaults() {
        return new Settings(false, 20, Duration.ofMinutes(5), true, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    public Settings withAskOnConflict(boolean ask) {
        return new Settings(ask, historyDepth, periodicSync, pullOnStart, retryBase, retryMax);
    }
}
