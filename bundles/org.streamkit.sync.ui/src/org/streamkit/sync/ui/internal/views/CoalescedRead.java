package org.streamkit.sync.ui.internal.views;

import java.util.function.Function;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.Job;

/**
 * A view's read in the background that repeated requests coalesce into: a request cancels the read still
 * waiting and schedules a new one shortly after, so a burst of the coordinator's events causes one read.
 */
final class CoalescedRead {

    private static final long DELAY_MS = 100;

    private final String name;
    private final Function<IProgressMonitor, IStatus> read;
    private volatile Job job;

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
