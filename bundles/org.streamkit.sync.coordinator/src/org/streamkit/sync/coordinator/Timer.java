package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;

/** Time and delayed work for the coordinator; tests drive it by hand instead of sleeping. */
public interface Timer {

    Instant now();

    /** Runs a task once, after a delay, on the timer's thread. */
    void schedule(Runnable task, Duration delay);
}
