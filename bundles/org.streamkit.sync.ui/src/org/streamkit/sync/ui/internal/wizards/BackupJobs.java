package org.streamkit.sync.ui.internal.wizards;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.osgi.util.NLS;
import org.eclipse.ui.progress.IProgressConstants;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.support.ConfigBackup;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The work behind the Export and Import wizards, off the UI thread: writing a backup of every live config,
 * comparing a backup with what is here (the import's preview), and importing it, last write wins. The
 * file format is {@link ConfigBackup}'s, the same as {@code streamkit export} and {@code import}.
 */
public final class BackupJobs {

    /** The family of the export and import jobs. */
    public static final Object FAMILY = BackupJobs.class;

    private static final long WAIT_FOR_COORDINATOR_MS = 10_000;

    private BackupJobs() {
    }

    /** @return a user job (not yet scheduled) that writes every live config to {@code file} */
    public static Job export(Path file) {
        return job(NLS.bind(Messages.Backup_exportJob, file.getFileName()), monitor -> {
            try {
                int count = withCoordinator(coordinator -> {
                    SubMonitor progress = SubMonitor.convert(monitor, Messages.Backup_exportJob_reading, 10);
                    Set<String> types = coordinator.types();
                    SubMonitor reading = progress.split(9).setWorkRemaining(types.size());
                    List<ConfigDocument> documents = new ArrayList<>();
                    for (String type : types) {
                        reading.subTask(type);
                        documents.addAll(coordinator.list(type));
                        reading.split(1);
                    }
                    progress.subTask(NLS.bind(Messages.Backup_exportJob_writing, file));
                    ConfigBackup.write(file, documents);
                    progress.split(1);
                    return documents.size();
                });
                return Status.info(NLS.bind(Messages.Backup_exported, count, file));
            } catch (IOException | StorageException e) {
                return Status.error(NLS.bind(Messages.Backup_exportFailed, file, e.getMessage()), e);
            }
        });
    }

    /**
     * Reads a backup and compares each of its configs with the version here: what importing it would do.
     *
     * @throws IOException      when the file is not a backup that can be read (the message says why)
     * @throws StorageException when the configs here cannot be read
     */
    public static List<ConfigBackup.Item> preview(Path file, IProgressMonitor monitor) throws IOException, StorageException {
        SubMonitor progress = SubMonitor.convert(monitor, NLS.bind(Messages.Backup_previewTask, file.getFileName()), 10);
        List<ConfigDocument> documents = ConfigBackup.read(file);
        progress.worked(1);
        return withCoordinator(coordinator -> {
            SubMonitor comparing = progress.split(9).setWorkRemaining(documents.size());
            List<ConfigBackup.Item> items = new ArrayList<>();
            for (ConfigDocument document : documents) {
                items.add(ConfigBackup.compare(coordinator, document));
                comparing.split(1);
            }
            return items;
        });
    }

    /**
     * @return a user job (not yet scheduled) that imports the configs of a previewed backup that are new or
     *         newer; each is compared again as it is saved, so a config changed here since the preview is
     *         never replaced by an older one
     */
    public static Job importing(Path file, List<ConfigBackup.Item> items) {
        return job(NLS.bind(Messages.Backup_importJob, file.getFileName()), monitor -> {
            List<ConfigBackup.Item> taken = items.stream().filter(i -> i.change().taken()).toList();
            SubMonitor progress = SubMonitor.convert(monitor, NLS.bind(Messages.Backup_importJob, file.getFileName()),
                    taken.size());
            try {
                int saved = withCoordinator(coordinator -> {
                    int count = 0;
                    for (ConfigBackup.Item item : taken) {
                        progress.subTask(item.incoming().key().toString());
                        if (ConfigBackup.importOne(coordinator, item.incoming()).taken()) {
                            count++;
                        }
                        progress.split(1);
                    }
                    return count;
                });
                return Status.info(NLS.bind(Messages.Backup_imported,
                        new Object[] { saved, items.size(), file, items.size() - saved }));
            } catch (IOException | StorageException e) {
                return Status.error(NLS.bind(Messages.Backup_importFailed, file, e.getMessage()), e);
            }
        });
    }

    private interface JobBody {
        IStatus run(IProgressMonitor monitor);
    }

    private static Job job(String name, JobBody body) {
        Job job = new Job(name) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                return body.run(monitor);
            }

            @Override
            public boolean belongsTo(Object family) {
                return family == FAMILY;
            }
        };
        job.setUser(true);
        // The finished job stays in the Progress view with what it did.
        job.setProperty(IProgressConstants.KEEP_PROPERTY, Boolean.TRUE);
        return job;
    }

    private interface CoordinatorCall<T> {
        T call(SyncCoordinator coordinator) throws IOException, StorageException;
    }

    private static <T> T withCoordinator(CoordinatorCall<T> call) throws IOException, StorageException {
        BundleContext context = FrameworkUtil.getBundle(BackupJobs.class).getBundleContext();
        ServiceTracker<SyncCoordinator, SyncCoordinator> tracker = new ServiceTracker<>(context, SyncCoordinator.class,
                null);
        tracker.open();
        try {
            SyncCoordinator coordinator = tracker.waitForService(WAIT_FOR_COORDINATOR_MS);
            if (coordinator == null) {
                throw new StorageException(Messages.ConfigsView_noTier, false);
            }
            return call.call(coordinator);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(Messages.ConfigsView_noTier, false, e);
        } finally {
            tracker.close();
        }
    }
}
