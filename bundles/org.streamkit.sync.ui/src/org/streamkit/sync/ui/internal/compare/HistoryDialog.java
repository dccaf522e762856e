package org.streamkit.sync.ui.internal.compare;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.text.Document;
import org.eclipse.jface.text.source.SourceViewer;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.osgi.service.event.Event;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.ui.internal.CoordinatorLink;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.editor.JsonColours;
import org.streamkit.sync.ui.internal.views.ConfigRow;

/**
 * The History of one config: its current version, the earlier versions the coordinator kept and the
 * versions that lost a conflict, newest first, with the selected version's JSON beside them. Restore makes
 * the selected version the newest (the current one goes to the history in turn, so a restore can itself be
 * undone from here). It follows changes to the config while open; reads and restores run in jobs.
 */
public final class HistoryDialog extends Dialog {

    /** The id of the Restore button. */
    public static final int RESTORE_ID = IDialogConstants.CLIENT_ID + 1;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());

    private final ConfigKey key;
    private CoordinatorLink link;
    private Label message;
    private TableViewer table;
    private final Document preview = new Document();
    private List<HistoryEntry> entries = List.of();
    private volatile long loads;
    private volatile boolean busy;
    /** What the last restore did, shown above the versions until the next one. */
    private String notice = ""; //$NON-NLS-1$

    public HistoryDialog(Shell parent, ConfigKey key) {
        super(parent);
        this.key = key;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(NLS.bind(Messages.History_shell, key));
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Point getInitialSize() {
        return new Point(1000, 600);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        message = new Label(area, SWT.WRAP);
        message.setText(NLS.bind(Messages.History_loading, key));
        GridDataFactory.fillDefaults().grab(true, false).hint(400, SWT.DEFAULT).applyTo(message);

        SashForm sash = new SashForm(area, SWT.HORIZONTAL);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(sash);
        Composite holder = new Composite(sash, SWT.NONE);
        TableColumnLayout layout = new TableColumnLayout();
        holder.setLayout(layout);
        table = new TableViewer(holder, SWT.BORDER | SWT.FULL_SELECTION | SWT.SINGLE | SWT.V_SCROLL);
        table.getTable().setHeaderVisible(true);
        table.getTable().setLinesVisible(true);
        table.setContentProvider(ArrayContentProvider.getInstance());
        column(layout, Messages.History_columnWhen, 28, e -> TIME.format(e.document().updatedAt()));
        column(layout, Messages.History_columnVersion, 44, HistoryDialog::describe);
        column(layout, Messages.History_columnName, 28,
                e -> e.document().deleted() ? Messages.History_deleted : ConfigRow.nameOf(e.document()));
        table.addSelectionChangedListener(e -> selectionChanged());
        table.addOpenListener(e -> restoreSelected());

        SourceViewer viewer = new SourceViewer(sash, null, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.configure(new JsonColours());
        viewer.setEditable(false);
        viewer.getTextWidget().setFont(JFaceResources.getTextFont());
        viewer.setDocument(preview);
        sash.setWeights(55, 45);

        link = new CoordinatorLink(new String[] { SyncEvents.TOPIC_CHANGED }, this::changed, this::load);
        load();
        return area;
    }

    private void column(TableColumnLayout layout, String title, int weight, Function<HistoryEntry, String> text) {
        TableViewerColumn column = new TableViewerColumn(table, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 60, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((HistoryEntry) element);
            }
        });
    }

    /** @return what a version is, in words */
    static String describe(HistoryEntry entry) {
        return switch (entry.kind()) {
            case CURRENT -> entry.document().deleted() ? Messages.History_currentDeleted : Messages.History_current;
            case EARLIER -> entry.tier().isEmpty() ? Messages.History_earlier
                    : NLS.bind(Messages.History_replacedInConflict, entry.tier(), resolution(entry));
            case LOST -> NLS.bind(Messages.History_lost, entry.tier(), resolution(entry));
        };
    }

    private static String resolution(HistoryEntry entry) {
        return switch (entry.resolution()) {
            case ConflictCompareInput.MINE -> Messages.History_keptMine;
            case ConflictCompareInput.THEIRS -> NLS.bind(Messages.History_tookTheirs, entry.tier());
            case ConflictCompareInput.MERGED -> Messages.History_merged;
            default -> Messages.History_lastWriteWon;
        };
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, RESTORE_ID, Messages.History_restore, false).setEnabled(false);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CLOSE_LABEL, true);
    }

    @Override
    protected void buttonPressed(int buttonId) {
        if (buttonId == RESTORE_ID) {
            restoreSelected();
        } else {
            super.buttonPressed(buttonId);
        }
    }

    private Optional<HistoryEntry> selected() {
        return table.getStructuredSelection().getFirstElement() instanceof HistoryEntry entry ? Optional.of(entry)
                : Optional.empty();
    }

    private void selectionChanged() {
        Optional<HistoryEntry> entry = selected();
        preview.set(entry.map(e -> JsonSide.text(e.document())).orElse("")); //$NON-NLS-1$
        Button restore = getButton(RESTORE_ID);
        if (restore != null) {
            restore.setEnabled(!busy && entry.map(HistoryEntry::restorable).orElse(false));
        }
    }

    // ------------------------------------------------------------------------------------------ reading, restoring

    private void changed(Event event) {
        if (key.type().equals(event.getProperty(SyncEvents.TYPE)) && key.id().equals(event.getProperty(SyncEvents.ID))) {
            load();
        }
    }

    private void load() {
        CoordinatorLink current = link;
        if (current == null) {
            return;
        }
        Job job = Job.create(NLS.bind(Messages.History_readJob, key), monitor -> {
            SyncCoordinator coordinator = current.get();
            if (coordinator == null) {
                ui(() -> message.setText(Messages.ConfigsView_noTier));
                return Status.OK_STATUS;
            }
            try {
                List<HistoryEntry> read = HistoryEntry.of(coordinator.getIncludingDeleted(key).orElse(null),
                        coordinator.history(key), coordinator.conflictLog(key));
                ui(() -> show(read));
            } catch (StorageException | RuntimeException e) {
                ui(() -> message.setText(NLS.bind(Messages.History_readFailed, e.getMessage())));
            }
            return Status.OK_STATUS;
        });
        job.setSystem(true);
        job.schedule();
    }

    private void show(List<HistoryEntry> read) {
        Object before = table.getStructuredSelection().getFirstElement();
        entries = read;
        table.setInput(entries);
        long earlier = read.stream().filter(HistoryEntry::restorable).count();
        String summary = earlier == 0 ? NLS.bind(Messages.History_none, key) : NLS.bind(Messages.History_some, key, earlier);
        message.setText(notice.isEmpty() ? summary : notice + ' ' + summary);
        HistoryEntry select = before instanceof HistoryEntry b ? read.stream()
                .filter(e -> e.document().updatedAt().equals(b.document().updatedAt()) && e.kind() == b.kind()).findFirst()
                .orElse(null) : null;
        if (select == null && !read.isEmpty()) {
            select = read.get(0);
        }
        if (select != null) {
            table.setSelection(new StructuredSelection(select), true);
        }
        selectionChanged();
        message.getParent().layout(true);
        loads++;
    }

    private void restoreSelected() {
        Optional<HistoryEntry> entry = selected().filter(HistoryEntry::restorable);
        CoordinatorLink current = link;
        if (entry.isEmpty() || current == null || busy) {
            return;
        }
        busy = true;
        selectionChanged();
        ConfigDocument version = entry.get().document();
        String when = TIME.format(version.updatedAt());
        Job job = Job.create(NLS.bind(Messages.History_restoreJob, key), monitor -> {
            SyncCoordinator coordinator = current.get();
            String result;
            try {
                if (coordinator == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                if (entry.get().kind() == HistoryEntry.Kind.EARLIER) {
                    coordinator.restore(key, version.updatedAt());
                } else if (version.deleted()) {
                    coordinator.delete(key); // a losing version kept only in the conflict log
                } else {
                    coordinator.put(key, version.body());
                }
                result = NLS.bind(Messages.History_restored, when);
            } catch (StorageException | RuntimeException e) {
                ILog.of(HistoryDialog.class).log(Status.warning(NLS.bind(Messages.History_restoreFailed, e.getMessage()), e));
                result = NLS.bind(Messages.History_restoreFailed, e.getMessage());
            }
            String text = result;
            ui(() -> {
                busy = false;
                notice = text;
                message.setText(text);
                load();
            });
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    private void ui(Runnable runnable) {
        Shell shell = getShell();
        Display display = shell == null || shell.isDisposed() ? null : shell.getDisplay();
        if (display != null) {
            display.asyncExec(() -> {
                if (getShell() != null && !getShell().isDisposed()) {
                    runnable.run();
                }
            });
        }
    }

    @Override
    public boolean close() {
        CoordinatorLink current = link;
        link = null;
        if (current != null) {
            current.close();
        }
        return super.close();
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the versions shown, newest first (UI thread) */
    public List<HistoryEntry> entries() {
        return entries;
    }

    /** @return whether a restore is under way (Restore is disabled meanwhile) */
    public boolean restoring() {
        return busy;
    }

    /** @return how many reads have been shown */
    public long loads() {
        return loads;
    }

    /** Selects a version in the table. */
    public void select(HistoryEntry entry) {
        table.setSelection(new StructuredSelection(entry), true);
    }

    /** @return the line above the table */
    public String messageText() {
        return message.getText();
    }

    /** @return the JSON shown for the selected version */
    public String previewText() {
        return preview.get();
    }

    /** @return the config whose history this is */
    public ConfigKey key() {
        return key;
    }
}
