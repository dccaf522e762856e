package org.streamkit.sync.ui.internal.wizards;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.IPageChangingListener;
import org.eclipse.jface.dialogs.PageChangingEvent;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.IWizardContainer;
import org.eclipse.jface.wizard.Wizard;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.osgi.util.NLS;
import org.eclipse.ui.IImportWizard;
import org.eclipse.ui.IWorkbench;
import org.streamkit.sync.api.support.ConfigBackup;
import org.streamkit.sync.ui.internal.Messages;

/**
 * File &gt; Import &gt; Streamkit &gt; Streamkit Configs: reads a JSON backup (the format of
 * {@code streamkit export}), shows what importing it will change — new, newer, older (skipped) and the
 * same — and only then, on Finish, imports it in a job, last write wins. The comparison runs in the
 * wizard's own progress area, off the UI thread.
 */
public final class ImportConfigsWizard extends Wizard implements IImportWizard {

    /** The wizard's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.importConfigs"; //$NON-NLS-1$

    private BackupFilePage filePage;
    private ImportPreviewPage previewPage;
    private final IPageChangingListener comparing = this::pageChanging;
    private WizardDialog dialog;
    /** The comparison shown on the preview page, and the file it is of; null until shown. */
    private List<ConfigBackup.Item> plan;
    private Path planFile;
    private Job job;

    @Override
    public void init(IWorkbench workbench, IStructuredSelection selection) {
        setWindowTitle(Messages.Backup_importTitle);
        setNeedsProgressMonitor(true);
        setDialogSettings(ExportConfigsWizard.settings());
    }

    @Override
    public void addPages() {
        String last = getDialogSettings() == null ? null : getDialogSettings().get(ExportConfigsWizard.LAST_FILE);
        filePage = new BackupFilePage("file", Messages.Backup_importTitle, Messages.Backup_importDescription, false, //$NON-NLS-1$
                last, this::fileChanged);
        previewPage = new ImportPreviewPage();
        addPage(filePage);
        addPage(previewPage);
    }

    @Override
    public void setContainer(IWizardContainer container) {
        super.setContainer(container);
        if (dialog != null) {
            dialog.removePageChangingListener(comparing);
            dialog = null;
        }
        if (container instanceof WizardDialog wizardDialog) {
            dialog = wizardDialog;
            dialog.addPageChangingListener(comparing);
        }
    }

    private void fileChanged() {
        plan = null;
        planFile = null;
        if (previewPage != null) {
            previewPage.clear();
        }
    }

    /** Going from the file to the preview compares the backup with what is here; a failure stays on the file. */
    private void pageChanging(PageChangingEvent event) {
        if (event.getCurrentPage() != filePage || event.getTargetPage() != previewPage) {
            return;
        }
        Path file = filePage.file();
        if (file == null) {
            event.doit = false;
            return;
        }
        List<List<ConfigBackup.Item>> result = new java.util.ArrayList<>(1);
        try {
            getContainer().run(true, true, monitor -> {
                try {
                    result.add(BackupJobs.preview(file, monitor));
                } catch (Exception e) {
                    throw new InvocationTargetException(e);
                }
            });
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            filePage.setErrorMessage(NLS.bind(Messages.Backup_previewFailed, cause.getMessage()));
            event.doit = false;
            return;
        } catch (InterruptedException e) {
            event.doit = false; // cancelled
            return;
        }
        plan = result.get(0);
        planFile = file;
        previewPage.show(file, plan);
    }

    @Override
    public boolean canFinish() {
        // Finish imports what the preview showed: never before it was shown.
        return plan != null && getContainer() != null && getContainer().getCurrentPage() == previewPage;
    }

    @Override
    public boolean performFinish() {
        if (plan == null) {
            return false;
        }
        if (getDialogSettings() != null) {
            getDialogSettings().put(ExportConfigsWizard.LAST_FILE, planFile.toString());
        }
        job = BackupJobs.importing(planFile, plan);
        job.schedule();
        return true;
    }

    @Override
    public void dispose() {
        if (dialog != null) {
            dialog.removePageChangingListener(comparing);
            dialog = null;
        }
        super.dispose();
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the file page */
    public BackupFilePage filePage() {
        return filePage;
    }

    /** @return the preview page */
    public ImportPreviewPage previewPage() {
        return previewPage;
    }

    /** @return the import job, once Finish scheduled it */
    public Job job() {
        return job;
    }
}
