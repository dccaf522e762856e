package org.streamkit.sync.ui.internal.views;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.List;
import java.util.function.Supplier;

import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The checkpoints kept on this device, newest first, with Restore: every config is put back as the chosen
 * checkpoint holds it, after a confirmation, in a job; the result names the checkpoint that undoes it.
 */
public final class CheckpointsDialog extends Dialog {

    /** The id of the Restore button. */
    public static final int RESTORE = IDialogConstants.CLIENT_ID + 1;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM)
            .withZone(ZoneId.systemDefault());

    private final Supplier<SyncCoordinator> coordinator;
    private final Runnable restored;
    private TableViewer table;
    private Label result;

    /**
     * @param coordinator the coordinator now (null when none runs)
     * @param restored    runs after a restore ended (on a job's thread)
     */
    public CheckpointsDialog(Shell parent, Supplier<SyncCoordinator> coordinator, Runnable restored) {
        super(parent);
        this.coordinator = coordinator;
        this.restored = restored;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(Messages.Checkpoints_title);
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        Label intro = new Label(area, SWT.WRAP);
        intro.setText(Messages.Checkpoints_intro);
        GridDataFactory.fillDefaults().grab(true, false).hint(520, SWT.DEFAULT).applyTo(intro);
        Composite holder = new Composite(area, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).hint(520, 220).applyTo(holder);
        holder.setLayout(new TableColumnLayout());
        table = new TableViewer(holder, SWT.BORDER | SWT.SINGLE | SWT.FULL_SELECTION | SWT.V_SCROLL);
        table.getTable().setHeaderVisible(true);
        table.setContentProvider(ArrayContentProvider.getInstance());
        SyncStatusView.column(table, Messages.Checkpoints_columnTaken, 40, Checkpoint.class, c -> TIME.format(c.createdAt()),
                c -> null);
        SyncStatusView.column(table, Messages.Checkpoints_columnReason, 30, Checkpoint.class, CheckpointsDialog::reason, c -> null);
        SyncStatusView.column(table, Messages.Checkpoints_columnConfigs, 15, Checkpoint.class, c -> Integer.toString(c.configs()),
                c -> null);
        SyncStatusView.column(table, Messages.Checkpoints_columnName, 35, Checkpoint.class, Checkpoint::name, c -> null);
        table.addSelectionChangedListener(e -> updateButtons());
        result = new Label(area, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(520, SWT.DEFAULT).applyTo(result);
        reload();
        return area;
    }

    static String reason(Checkpoint checkpoint) {
        return switch (checkpoint.reason()) {
            case Checkpoint.GO_LIVE -> Messages.Checkpoints_reasonGoLive;
            case Checkpoint.BEFORE_RESTORE -> Messages.Checkpoints_reasonBeforeRestore;
            default -> Messages.Checkpoints_reasonManual;
        };
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, RESTORE, Messages.Checkpoints_restore, false);
        createButton(parent, IDialogConstants.CLOSE_ID, IDialogConstants.CLOSE_LABEL, true);
        updateButtons();
    }

    @Override
    protected void buttonPressed(int id) {
        if (id == RESTORE) {
            restoreSelected();
        } else {
            close();
        }
    }

    private void updateButtons() {
        Button restore = getButton(RESTORE);
        if (restore != null && table != null) {
            restore.setEnabled(selected() != null);
        }
    }

    /** @return the checkpoints shown, newest first */
    public List<Checkpoint> shown() {
        @SuppressWarnings("unchecked")
        List<Checkpoint> input = (List<Checkpoint>) table.getInput();
        return input == null ? List.of() : input;
    }

    /** Selects a checkpoint in the list. */
    public void select(Checkpoint checkpoint) {
        table.setSelection(new org.eclipse.jface.viewers.StructuredSelection(checkpoint), true);
        updateButtons();
    }

    /** @return the line under the list: what the last restore did, or why it failed */
    public String resultText() {
        return result.getText();
    }

    private Checkpoint selected() {
        Object first = table.getStructuredSelection().getFirstElement();
        return first instanceof Checkpoint c ? c : null;
    }

    private void reload() {
        SyncCoordinator c = coordinator.get();
        List<Checkpoint> all = c == null ? List.of() : c.checkpoints();
        table.setInput(all);
        if (all.isEmpty()) {
            result.setText(Messages.Checkpoints_none);
        }
        updateButtons();
    }

    private void restoreSelected() {
        Checkpoint checkpoint = selected();
        if (checkpoint == null) {
            return;
        }
        if (!MessageDialog.openConfirm(getShell(), Messages.Checkpoints_confirmTitle,
                NLS.bind(Messages.Checkpoints_confirm, TIME.format(checkpoint.createdAt()), checkpoint.configs()))) {
            return;
        }
        Shell shell = getShell();
        Job job = Job.create(Messages.Checkpoints_job, (IProgressMonitor monitor) -> {
            SubMonitor.convert(monitor, Messages.Checkpoints_job, IProgressMonitor.UNKNOWN);
            String text;
            try {
                SyncCoordinator c = coordinator.get();
                if (c == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                CheckpointRestore r = c.restoreCheckpoint(checkpoint.name());
                text = NLS.bind(Messages.Checkpoints_restored,
                        new Object[] { TIME.format(checkpoint.createdAt()), r.changed(), r.deleted(), TIME.format(r.undo().createdAt()) });
            } catch (StorageException | RuntimeException e) {
                ILog.of(CheckpointsDialog.class).log(Status.warning(e.getMessage(), e));
                text = NLS.bind(Messages.Checkpoints_failed, e.getMessage());
            }
            restored.run();
            String shown = text;
            if (!shell.isDisposed()) {
                shell.getDisplay().asyncExec(() -> {
                    if (!shell.isDisposed()) {
                        reload();
                        result.setText(shown);
                        result.getParent().layout(true);
                    }
                });
            }
            return Status.OK_STATUS;
        });
        job.setUser(true);
        job.schedule();
    }
}
