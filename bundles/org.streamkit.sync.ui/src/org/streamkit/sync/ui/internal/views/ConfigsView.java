package org.streamkit.sync.ui.internal.views;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.eclipse.core.commands.ExecutionException;
import org.eclipse.core.commands.operations.IUndoableOperation;
import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IAction;
import org.eclipse.jface.action.IMenuManager;
import org.eclipse.jface.action.IToolBarManager;
import org.eclipse.jface.action.MenuManager;
import org.eclipse.jface.action.Separator;
import org.eclipse.jface.dialogs.ErrorDialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.ResourceLocator;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.window.Window;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.IActionBars;
import org.eclipse.ui.ISharedImages;
import org.eclipse.ui.IWorkbenchActionConstants;
import org.eclipse.ui.IWorkbenchCommandConstants;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.actions.ActionFactory;
import org.eclipse.ui.operations.UndoRedoActionGroup;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.editor.ConfigEditor;
import org.streamkit.sync.ui.internal.editor.ConfigEditorInput;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The "Streamkit Configs" view: every live config in a tree grouped by type, with where each stands with
 * the remote tiers, as the {@link SyncCoordinator} reports it. It follows the coordinator as it comes and
 * goes and refreshes when the coordinator posts a change or a sync state (EventAdmin). Its actions: New,
 * Duplicate, Delete (confirmed, undoable through the workbench's Undo), Refresh, Sync Now, and Open
 * (double-click) in the config editor. Reads, writes and syncs run in jobs, never on the UI thread.
 */
public final class ConfigsView extends CoordinatorView {

    /** The view's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.configsView"; //$NON-NLS-1$
    /** Ids of the view's actions, in its tool bar and context menu. */
    public static final String ACTION_NEW = ID + ".new"; //$NON-NLS-1$
    public static final String ACTION_DUPLICATE = ID + ".duplicate"; //$NON-NLS-1$
    public static final String ACTION_DELETE = ID + ".delete"; //$NON-NLS-1$
    public static final String ACTION_REFRESH = ID + ".refresh"; //$NON-NLS-1$
    public static final String ACTION_SYNC_NOW = ID + ".syncNow"; //$NON-NLS-1$
    public static final String ACTION_OPEN = ID + ".open"; //$NON-NLS-1$
    public static final String ACTION_MACHINE_ONLY = ID + ".machineOnly"; //$NON-NLS-1$

    /** Types offered in the New dialog even before any config of them exists. */
    private static final Set<String> USUAL_TYPES = Set.of("text-cyclers", "swaps", "layouts", "notes"); //$NON-NLS-1$

    private ConfigTree tree;
    private Label status;
    private UndoRedoActionGroup undoRedo;
    private Action openAction;
    private Action newAction;
    private Action duplicateAction;
    private Action deleteAction;
    private Action refreshAction;
    private Action syncNowAction;
    private Action machineOnlyAction;
    private volatile Set<ConfigKey> machineOnly = Set.of();
    private ConfigKey selectWhenShown;
    private volatile boolean loaded;

    @Override
    public void createPartControl(Composite parent) {
        GridLayoutFactory.fillDefaults().margins(4, 4).applyTo(parent);
        status = new Label(parent, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(status);
        tree = new ConfigTree(parent);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(tree.control());

        createActions();
        IActionBars bars = getViewSite().getActionBars();
        IToolBarManager toolBar = bars.getToolBarManager();
        toolBar.add(newAction);
        toolBar.add(duplicateAction);
        toolBar.add(deleteAction);
        toolBar.add(new Separator());
        toolBar.add(syncNowAction);
        toolBar.add(refreshAction);
        bars.setGlobalActionHandler(ActionFactory.DELETE.getId(), deleteAction);
        bars.setGlobalActionHandler(ActionFactory.REFRESH.getId(), refreshAction);
        undoRedo = new UndoRedoActionGroup(getSite(), ConfigOperations.CONTEXT, true);
        undoRedo.fillActionBars(bars);
        bars.updateActionBars();

        MenuManager menu = new MenuManager();
        menu.setRemoveAllWhenShown(true);
        menu.addMenuListener(this::fillContextMenu);
        tree.viewer().getControl().setMenu(menu.createContextMenu(tree.viewer().getControl()));
        getSite().registerContextMenu(menu, tree.viewer());
        getSite().setSelectionProvider(tree.viewer());
        tree.viewer().addSelectionChangedListener(e -> updateActions());
        tree.viewer().addOpenListener(e -> {
            if (((IStructuredSelection) e.getSelection()).getFirstElement() instanceof TypeNode node) {
                tree.viewer().setExpandedState(node, !tree.viewer().getExpandedState(node));
            } else {
                open();
            }
        });
        updateActions();

        follow(Messages.ConfigsView_readJob, SyncEvents.TOPIC_CHANGED, SyncEvents.TOPIC_STATE);
    }

    private void createActions() {
        ISharedImages images = PlatformUI.getWorkbench().getSharedImages();
        openAction = ViewActions.create(ACTION_OPEN, Messages.ConfigsView_open, Messages.ConfigsView_openTooltip, null, this::open);
        newAction = ViewActions.create(ACTION_NEW, Messages.ConfigsView_new, Messages.ConfigsView_newTooltip,
                images.getImageDescriptor(ISharedImages.IMG_OBJ_ADD), this::newConfig);
        duplicateAction = ViewActions.create(ACTION_DUPLICATE, Messages.ConfigsView_duplicate, Messages.ConfigsView_duplicateTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_COPY), this::duplicate);
        deleteAction = ViewActions.create(ACTION_DELETE, Messages.ConfigsView_delete, Messages.ConfigsView_deleteTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_DELETE), this::delete);
        deleteAction.setDisabledImageDescriptor(images.getImageDescriptor(ISharedImages.IMG_TOOL_DELETE_DISABLED));
        deleteAction.setActionDefinitionId(IWorkbenchCommandConstants.EDIT_DELETE);
        refreshAction = ViewActions.create(ACTION_REFRESH, Messages.ConfigsView_refresh, Messages.ConfigsView_refreshTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_REDO), this::refresh);
        refreshAction.setActionDefinitionId(IWorkbenchCommandConstants.FILE_REFRESH);
        syncNowAction = ViewActions.create(ACTION_SYNC_NOW, Messages.ConfigsView_syncNow, Messages.ConfigsView_syncNowTooltip,
                ResourceLocator.imageDescriptorFromBundle(ConfigsView.class, "icons/state-synced.png").orElse(null), //$NON-NLS-1$
                this::syncNow);
        machineOnlyAction = ViewActions.create(ACTION_MACHINE_ONLY, Messages.ConfigsView_machineOnly,
                Messages.ConfigsView_machineOnlyTooltip, IAction.AS_CHECK_BOX, null, this::toggleMachineOnly);
    }

    private void fillContextMenu(IMenuManager menu) {
        menu.add(openAction);
        menu.add(new Separator());
        menu.add(newAction);
        menu.add(duplicateAction);
        menu.add(deleteAction);
        menu.add(new Separator());
        menu.add(machineOnlyAction);
        menu.add(syncNowAction);
        menu.add(refreshAction);
        menu.add(new Separator(IWorkbenchActionConstants.MB_ADDITIONS));
    }

    private void updateActions() {
        int selected = tree.selectedKeys().size();
        openAction.setEnabled(selected > 0);
        duplicateAction.setEnabled(selected == 1);
        deleteAction.setEnabled(selected > 0);
        machineOnlyAction.setEnabled(selected == 1);
        machineOnlyAction.setChecked(selected == 1 && machineOnly.contains(tree.selectedKeys().get(0)));
    }

    /** @return one of the view's actions by its id ({@link #ACTION_NEW} and the others) */
    public IAction action(String id) {
        return ViewActions.find(id, openAction, newAction, duplicateAction, deleteAction, refreshAction, syncNowAction,
                machineOnlyAction);
    }

    /** This Machine Only: keeps the selected config here (or lets it sync again), in a job. */
    private void toggleMachineOnly() {
        List<ConfigKey> selected = tree.selectedKeys();
        if (selected.size() != 1) {
            return;
        }
        ConfigKey key = selected.get(0);
        boolean only = !machineOnly.contains(key);
        Job job = Job.create(Messages.ConfigsView_machineOnly.replace("&", ""), monitor -> { //$NON-NLS-1$ //$NON-NLS-2$
            SyncCoordinator coordinator = coordinator();
            if (coordinator == null) {
                return Status.error(Messages.ConfigsView_noTier);
            }
            try {
                coordinator.machineOnly(key, only);
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                return Status.error(e.getMessage(), e);
            } finally {
                refresh();
            }
        });
        job.schedule();
    }

    // ------------------------------------------------------------------------------------------ reading

    @Override
    protected IStatus read(IProgressMonitor monitor) {
        SyncCoordinator coordinator = coordinator();
        if (coordinator == null) {
            show(List.of(), Messages.ConfigsView_noTier);
            return Status.OK_STATUS;
        }
        try {
            Set<String> types = coordinator.types();
            SubMonitor progress = SubMonitor.convert(monitor, types.size() + 1);
            SyncStatus sync = coordinator.status();
            SyncStates states = SyncStates.of(sync, coordinator.outbox(), coordinator.conflicts());
            Set<ConfigKey> kept = coordinator.machineOnly();
            machineOnly = kept;
            progress.worked(1);
            List<ConfigRow> rows = new ArrayList<>();
            for (String type : types) {
                if (monitor.isCanceled()) {
                    return Status.CANCEL_STATUS;
                }
                for (ConfigDocument document : coordinator.list(type)) {
                    rows.add(ConfigRow.of(document, kept.contains(document.key()) ? ConfigSync.MACHINE_ONLY : states.of(document.key())));
                }
                progress.worked(1);
            }
            String tiers = sync.tiers().stream().filter(TierStatus::present)
                    .map(t -> t.name() + " (" + t.ranking() + ")").collect(Collectors.joining(", ")); //$NON-NLS-1$ //$NON-NLS-2$
            String text = rows.isEmpty() ? NLS.bind(Messages.ConfigsView_empty, tiers)
                    : NLS.bind(Messages.ConfigsView_showing, rows.size(), tiers);
            long waiting = states.waiting();
            if (waiting > 0) {
                text = NLS.bind(Messages.ConfigsView_waiting, text, waiting);
            }
            int held = coordinator.heldWhileLive().size();
            if (held > 0) {
                text = NLS.bind(Messages.ConfigsView_held, text, held);
            }
            show(rows, text);
        } catch (StorageException | RuntimeException e) {
            show(List.of(), NLS.bind(Messages.ConfigsView_readFailed, e.getMessage()));
            return Status.warning(NLS.bind(Messages.ConfigsView_readFailed, e.getMessage()), e);
        }
        return Status.OK_STATUS;
    }

    private void show(List<ConfigRow> rows, String text) {
        ui(() -> {
            tree.setRows(rows);
            status.setText(text);
            status.getParent().layout(true);
            if (selectWhenShown != null && rows.stream().anyMatch(r -> r.key().equals(selectWhenShown))) {
                tree.select(selectWhenShown);
                selectWhenShown = null;
            }
            updateActions();
            loaded = true;
            shown();
        });
    }

    // ------------------------------------------------------------------------------------------ actions

    private void open() {
        for (ConfigKey key : tree.selectedKeys()) {
            openEditor(key);
        }
    }

    /** Opens a config in the config editor (or brings its editor to the front). */
    public ConfigEditor openEditor(ConfigKey key) {
        try {
            return (ConfigEditor) getSite().getPage().openEditor(new ConfigEditorInput(key), ConfigEditor.ID, true);
        } catch (PartInitException e) {
            ErrorDialog.openError(getSite().getShell(), Messages.ConfigsView_openFailed, null, e.getStatus());
            return null;
        }
    }

    private Set<String> knownTypes() {
        Set<String> types = new TreeSet<>(USUAL_TYPES);
        tree.rows().forEach(r -> types.add(r.key().type()));
        return types;
    }

    private boolean shown(ConfigKey key) {
        return tree.rows().stream().anyMatch(r -> r.key().equals(key));
    }

    private String selectedType() {
        Object first = tree.viewer().getStructuredSelection().getFirstElement();
        if (first instanceof TypeNode node) {
            return node.type();
        }
        return first instanceof ConfigRow row ? row.key().type() : ""; //$NON-NLS-1$
    }

    private void newConfig() {
        NewConfigDialog dialog = new NewConfigDialog(getSite().getShell(), Messages.NewConfig_title,
                Messages.NewConfig_message, knownTypes(), selectedType(), "", "", this::shown); //$NON-NLS-1$ //$NON-NLS-2$
        if (dialog.open() != Window.OK) {
            return;
        }
        ConfigKey key = dialog.key();
        ObjectNode body = ConfigJson.newObject();
        if (!dialog.name().isEmpty()) {
            body.put("name", dialog.name()); //$NON-NLS-1$
        }
        execute(new ConfigOperations.Create(NLS.bind(Messages.Operations_new, key), this::coordinator, key, body),
                () -> created(key));
    }

    private void duplicate() {
        List<ConfigRow> selected = tree.selectedRows();
        if (selected.size() != 1) {
            return;
        }
        ConfigRow source = selected.get(0);
        String name = source.name().isEmpty() ? "" : NLS.bind(Messages.ConfigsView_copyName, source.name()); //$NON-NLS-1$
        NewConfigDialog dialog = new NewConfigDialog(getSite().getShell(), Messages.Duplicate_title,
                NLS.bind(Messages.Duplicate_message, source.key()), knownTypes(), source.key().type(),
                freeId(source.key()), name, this::shown);
        if (dialog.open() != Window.OK) {
            return;
        }
        ConfigKey key = dialog.key();
        String newName = dialog.name();
        // The source's body is read in the job, off the UI thread, just before the copy is saved.
        Job job = Job.create(NLS.bind(Messages.Operations_duplicate, key), monitor -> {
            SyncCoordinator coordinator = coordinator();
            try {
                if (coordinator == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                ConfigDocument original = coordinator.get(source.key())
                        .orElseThrow(() -> new StorageException(NLS.bind(Messages.Duplicate_gone, source.key()), false));
                ObjectNode body = original.body();
                if (!newName.isEmpty() || body.has("name")) { //$NON-NLS-1$
                    body.put("name", newName); //$NON-NLS-1$
                }
                run(new ConfigOperations.Create(NLS.bind(Messages.Operations_duplicate, key), this::coordinator, key, body),
                        monitor, () -> created(key));
            } catch (StorageException e) {
                ui(() -> MessageDialog.openError(getSite().getShell(), Messages.Duplicate_title, e.getMessage()));
            }
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    private String freeId(ConfigKey key) {
        String base = key.id().length() > ConfigKey.MAX_ID_LENGTH - 8 ? key.id().substring(0, ConfigKey.MAX_ID_LENGTH - 8)
                : key.id();
        String id = base + "-copy"; //$NON-NLS-1$
        for (int i = 2; shown(new ConfigKey(key.type(), id)); i++) {
            id = base + "-copy-" + i; //$NON-NLS-1$
        }
        return id;
    }

    private void created(ConfigKey key) {
        selectWhenShown = key;
        refresh();
        openEditor(key);
    }

    private void delete() {
        List<ConfigKey> keys = tree.selectedKeys();
        if (keys.isEmpty()) {
            return;
        }
        String question = keys.size() == 1 ? NLS.bind(Messages.Delete_one, keys.get(0))
                : NLS.bind(Messages.Delete_many, keys.size(),
                        keys.stream().limit(10).map(ConfigKey::toString).collect(Collectors.joining("\n"))); //$NON-NLS-1$
        MessageDialog confirm = new MessageDialog(getSite().getShell(), Messages.Delete_title, null, question,
                MessageDialog.CONFIRM, 0, Messages.Delete_button, IDialogConstants.CANCEL_LABEL);
        if (confirm.open() != 0) {
            return;
        }
        String label = keys.size() == 1 ? NLS.bind(Messages.Operations_delete, keys.get(0))
                : NLS.bind(Messages.Operations_deleteMany, keys.size());
        execute(new ConfigOperations.Delete(label, this::coordinator, keys), this::refresh);
    }


    /** Runs an operation through the workbench's history in a job; then, on the UI thread, {@code done}. */
    private void execute(IUndoableOperation operation, Runnable done) {
        Job job = Job.create(operation.getLabel(), monitor -> {
            run(operation, monitor, done);
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    private void run(IUndoableOperation operation, IProgressMonitor monitor, Runnable done) {
        IStatus result;
        try {
            result = PlatformUI.getWorkbench().getOperationSupport().getOperationHistory().execute(operation, monitor,
                    null);
        } catch (ExecutionException e) {
            result = Status.error(e.getMessage(), e);
        }
        if (result.isOK()) {
            ui(done);
        } else {
            IStatus failure = result;
            ILog.of(ConfigsView.class).log(failure);
            ui(() -> ErrorDialog.openError(getSite().getShell(), operation.getLabel(), null, failure));
        }
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return every config row read last, before the filter (UI thread) */
    public List<ConfigRow> rows() {
        return tree.rows();
    }

    /** @return the tree (UI thread) */
    public ConfigTree tree() {
        return tree;
    }

    /** @return the status line shown above the tree (UI thread) */
    public String statusText() {
        return status.getText();
    }

    /** @return whether a read has completed since the view opened */
    public boolean loaded() {
        return loaded;
    }

    @Override
    protected Control control() {
        return tree == null ? null : tree.control();
    }

    @Override
    public void setFocus() {
        tree.viewer().getControl().setFocus();
    }

    @Override
    public void dispose() {
        if (undoRedo != null) {
            undoRedo.dispose();
        }
        super.dispose();
    }
}
