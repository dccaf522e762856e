package org.streamkit.sync.ui.internal.views;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.part.ViewPart;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.ui.internal.CoordinatorLink;
import org.streamkit.sync.ui.internal.Messages;

/**
 * A Streamkit view that shows what the {@link SyncCoordinator} reports: it follows the coordinator as it
 * comes and goes and its events on some topics, and reads again in the background on each (the reads of
 * a burst coalesce). Subclasses read in {@link #read}, show on the UI thread through {@link #ui}, and
 * count what they showed with {@link #shown}.
 */
public abstract class CoordinatorView extends ViewPart {

    private volatile CoordinatorLink link;
    private CoalescedRead reader;
    private volatile long reads;
    private Job syncJob;

    /** Starts following the coordinator; the end of {@code createPartControl}. */
    protected final void follow(String readJobName, String... topics) {
        reader = new CoalescedRead(readJobName, this::read);
        link = new CoordinatorLink(topics, event -> refresh(), this::refresh);
        refresh();
    }

    /** Reads what the view shows, in a background job, and hands it to {@link #ui}. */
    protected abstract IStatus read(IProgressMonitor monitor);

    /** @return the view's top control: once it is disposed, nothing more is shown */
    protected abstract Control control();

    /** Reads again in the background and shows the result; repeated calls coalesce. */
    public void refresh() {
        if (link != null) {
            reader.request();
        }
    }

    /** @return the coordinator now, or null when none is running or the view is closed */
    protected final SyncCoordinator coordinator() {
        CoordinatorLink current = link;
        return current == null ? null : current.get();
    }

    /** @return the link to the coordinator, or null once the view is closed */
    protected final CoordinatorLink link() {
        return link;
    }

    /** Runs on the UI thread, unless the view's control is gone by then. */
    protected final void ui(Runnable runnable) {
        Control control = control();
        Display display = control == null || control.isDisposed() ? null : control.getDisplay();
        if (display != null && !display.isDisposed()) {
            display.asyncExec(() -> {
                if (!control.isDisposed()) {
                    runnable.run();
                }
            });
        }
    }

    /** Sync Now in a job: pulls from every remote tier and delivers what waits, then reads again. */
    protected final void syncNow() {
        if (syncJob == null) {
            syncJob = Job.create(Messages.ConfigsView_syncJob, monitor -> {
                SyncCoordinator coordinator = coordinator();
                if (coordinator == null) {
                    return Status.warning(Messages.ConfigsView_noTier);
                }
                SubMonitor.convert(monitor, Messages.ConfigsView_syncJob, IProgressMonitor.UNKNOWN);
                try {
                    coordinator.syncNow();
                } catch (RuntimeException e) {
                    return Status.error(NLS.bind(Messages.ConfigsView_syncFailed, e.getMessage()), e);
                } finally {
                    refresh();
                }
                return Status.OK_STATUS;
            });
        }
        // A sync asked for while one runs runs once more after it.
        syncJob.schedule();
    }

    /** @return the job that runs Sync Now (created the first time it runs), for tests and progress */
    public Job syncJob() {
        return syncJob;
    }

    /** Counts a read that was shown (UI thread). */
    protected final void shown() {
        reads++;
    }

    /** @return how many reads have been shown since the view opened */
    public long reads() {
        return reads;
    }

    @Override
    public void dispose() {
        CoordinatorLink current = link;
        link = null;
        if (current != null) {
            current.close();
        }
        if (reader != null) {
            reader.cancel();
        }
        super.dispose();
    }
}
