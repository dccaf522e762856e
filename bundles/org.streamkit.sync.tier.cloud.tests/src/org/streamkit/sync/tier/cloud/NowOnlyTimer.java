package org.streamkit.sync.tier.cloud;

import java.time.Duration;
import java.time.Instant;

import org.streamkit.sync.coordinator.Timer;

/** The wall clock with no scheduled work: in the tests that use it only "sync now" moves data, so each step is exact. */
final class NowOnlyTimer implements Timer {

    static final Timer INSTANCE = new NowOnlyTimer();

    private NowOnlyTimer() {
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void schedule(Runnable task, Duration delay) {
        // nothing runs on its own
    }
}
