package org.streamkit.sync.ui.internal.wizards;

import java.nio.file.Path;
import java.time.LocalDate;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.IDialogSettings;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.Wizard;
import org.eclipse.ui.IExportWizard;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.PlatformUI;
import org.osgi.framework.FrameworkUtil;
import org.streamkit.sync.ui.internal.Messages;

/**
 * File &gt; Export &gt; Streamkit &gt; Streamkit Configs: writes a JSON backup of every live config (the
 * format of {@code streamkit export}) in a job that shows its progress.
 */
public final class ExportConfigsWizard extends Wizard implements IExportWizard {

    /** The wizard's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.exportConfigs"; //$NON-NLS-1$
    /** The dialog settings key of the last backup file, shared by both wizards. */
    static final String LAST_FILE = "file"; //$NON-NLS-1$
    static final String SETTINGS_SECTION = "BackupWizards"; //$NON-NLS-1$

    private BackupFilePage page;
    private Job job;

    @Override
    public void init(IWorkbench workbench, IStructuredSelection selection) {
        setWindowTitle(Messages.Backup_exportTitle);
        setDialogSettings(settings());
    }

    /** @return the wizards' dialog settings, in the UI bundle's state */
    static IDialogSettings settings() {
        IDialogSettings all = PlatformUI.getDialogSettingsProvider(FrameworkUtil.getBundle(ExportConfigsWizard.class))
                .getDialogSettings();
        IDialogSettings section = all.getSection(SETTINGS_SECTION);
        return section != null ? section : all.addNewSection(SETTINGS_SECTION);
    }

    @Override
    public void addPages() {
        String last = getDialogSettings() == null ? null : getDialogSettings().get(LAST_FILE);
        String initial = last != null ? Path.of(last).resolveSibling(defaultName()).toString()
                : Path.of(System.getProperty("user.home"), defaultName()).toString(); //$NON-NLS-1$
        page = new BackupFilePage("file", Messages.Backup_exportTitle, Messages.Backup_exportDescription, true, initial, //$NON-NLS-1$
                () -> { });
        addPage(page);
    }

    private static String defaultName() {
        return "streamkit-backup-" + LocalDate.now() + ".json"; //$NON-NLS-1$ //$NON-NLS-2$
    }

    @Override
    public boolean performFinish() {
        Path file = page.file();
        if (file == null) {
            return false;
        }
        if (getDialogSettings() != null) {
            getDialogSettings().put(LAST_FILE, file.toString());
        }
        job = BackupJobs.export(file);
        job.schedule();
        return true;
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the file page */
    public BackupFilePage filePage() {
        return page;
    }

    /** @return the export job, once Finish scheduled it */
    public Job job() {
        return job;
    }
}
