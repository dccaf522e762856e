package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/** A {@link Timer} driven by hand: time moves only in {@link #advance}, which runs what falls due in order. */
final class ManualTimer implements Timer {

    private record Task(Instant at, long order, Runnable task) {
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            (a, b) -> a.at().equals(b.at()) ? Long.compare(a.order(), b.order()) : a.at().compareTo(b.at()));
    private Instant now;
    private long order;

    ManualTimer(Instant start) {
        this.now = start;
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized void schedule(Runnable task, Duration delay) {
        queue.add(new Task(now.plus(delay.isNegative() ? Duration.ZERO : delay), order++, task));
    }

    /** Moves time forward, running every task that falls due on the way, at its own time. */
    void advance(Duration by) {
        Instant target;
        synchronized (this) {
            target = now.plus(by);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.at().isAfter(target)) {
                    now = target;
                    return;
                }
                queue.poll();
                if (next.at().isAfter(now)) {
                    now = next.at();
                }
            }
            next.task().run();
        }
    }

    /** Runs what is due now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** The same clock seen by a device whose wall clock is off by {@code skew}. */
    Timer skewed(Duration skew) {
        ManualTimer base = this;
        return new Timer() {
            @Override
            public Instant now() {
                return base.now().plus(skew);
            }

            @Override
            public void schedule(Runnable task, Duration delay) {
                base.schedule(task, delay);
            }
        };
    }
}
