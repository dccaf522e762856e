package org.streamkit.sync.ui.internal.views;

import java.util.function.Function;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.ISchedulingRule;
import org.eclipse.core.runtime.jobs.Job;

/**
 * A view's read in the background that repeated requests coalesce into: a request cancels the read still
 * waiting and schedules a new one shortly after, so a burst of the coordinator's events causes one read.
 * Reads run one at a time, in the order they were asked for: a read that started before a change (and saw
 * the state before it) always shows its result before the read asked for by that change shows the new state.
 */
final class CoalescedRead {

    private static final long DELAY_MS = 100;

    private final String name;
    private final Function<IProgressMonitor, IStatus> read;
    private volatile Job job;
    /** Keeps a view's reads from running side by side, where an older one could finish last. */
    private final ISchedulingRule oneAtATime = new ISchedulingRule() {
        @Override
        public boolean contains(ISchedulingRule rule) {
            return rule == this;
        }

        @Override
        public boolean isConflicting(ISchedulingRule rule) {
            return rule == this;
        }
    };

    /**
     * @param name the job's name
     * @param read the read, run in a system job
     */
    CoalescedRead(String name, Function<IProgressMonitor, IStatus> read) {
        this.name = name;
        this.read = read;
    }

    /** Asks for a read: the one waiting, if any, is replaced. */
    void request() {
        Job previous = job;
        if (previous != null) {
            previous.cancel();
        }
        Job next = new Job(name) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                return read.apply(monitor);
            }
        };
        next.setSystem(true);
        next.setRule(oneAtATime);
        job = next;
        next.schedule(DELAY_MS);
    }

    /** Cancels the read waiting or running (the view is closing). */
    void cancel() {
        Job current = job;
        if (current != null) {
            current.cancel();
        }
    }
}
