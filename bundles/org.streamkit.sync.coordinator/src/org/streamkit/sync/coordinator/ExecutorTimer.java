package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real {@link Timer}: the wall clock and a scheduled executor. */
public final class ExecutorTimer implements Timer {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorTimer.class);

    private final ScheduledExecutorService executor;

    public ExecutorTimer(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void schedule(Runnable task, Duration delay) {
        try {
            executor.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("A sync task failed: {}", e.toString(), e);
                }
            }, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Sync task not scheduled: the coordinator is stopping");
        }
    }
}
