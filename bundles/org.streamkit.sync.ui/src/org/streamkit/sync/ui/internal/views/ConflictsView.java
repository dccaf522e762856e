package org.streamkit.sync.ui.internal.views;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.eclipse.compare.CompareUI;
import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IAction;
import org.eclipse.jface.action.IMenuManager;
import org.eclipse.jface.action.IToolBarManager;
import org.eclipse.jface.action.MenuManager;
import org.eclipse.jface.action.Separator;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.resource.ResourceLocator;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.IElementComparer;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.ISharedImages;
import org.eclipse.ui.IWorkbenchActionConstants;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.actions.ActionFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.compare.ConflictCompareInput;

/**
 * The "Streamkit Conflicts" view: every open conflict (policy "ask") — a config changed on this device
 * and on a remote tier independently — as the {@link SyncCoordinator} reports it, live. Opening one
 * compares both versions in the compare editor ({@link ConflictCompareInput}), where it is resolved; Keep
 * Mine and Take Theirs resolve the selected conflicts right from the list. Reads and resolutions run in
 * jobs.
 */
public final class ConflictsView extends CoordinatorView {

    /** The view's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.conflictsView"; //$NON-NLS-1$
    public static final String ACTION_COMPARE = ID + ".compare"; //$NON-NLS-1$
    public static final String ACTION_KEEP_MINE = ID + ".keepMine"; //$NON-NLS-1$
    public static final String ACTION_TAKE_THEIRS = ID + ".takeTheirs"; //$NON-NLS-1$
    public static final String ACTION_REFRESH = ID + ".refresh"; //$NON-NLS-1$

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter TODAY = DateTimeFormatter.ofPattern("HH:mm:ss") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());

    private Label status;
    private TableViewer viewer;
    private List<Conflict> conflicts = List.of();
    private Action compareAction;
    private Action keepMineAction;
    private Action takeTheirsAction;
    private Action refreshAction;

    @Override
    public void createPartControl(Composite parent) {
        GridLayoutFactory.fillDefaults().margins(4, 4).applyTo(parent);
        status = new Label(parent, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(200, SWT.DEFAULT).applyTo(status);
        Composite holder = new Composite(parent, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(holder);
        TableColumnLayout layout = new TableColumnLayout();
        holder.setLayout(layout);
        viewer = new TableViewer(holder, SWT.BORDER | SWT.FULL_SELECTION | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTable().setHeaderVisible(true);
        viewer.getTable().setLinesVisible(true);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        viewer.setComparer(new SameConflict());
        column(layout, Messages.Conflicts_columnConfig, 22, c -> c.key().toString());
        column(layout, Messages.Conflicts_columnName, 16, c -> ConfigRow.nameOf(c.mine().deleted() ? c.theirs() : c.mine()));
        column(layout, Messages.Conflicts_columnTier, 16, Conflict::tier);
        column(layout, Messages.Conflicts_columnMine, 16, c -> when(c.mine()));
        column(layout, Messages.Conflicts_columnTheirs, 16, c -> when(c.theirs()));
        column(layout, Messages.Conflicts_columnDetected, 14, c -> time(c.detectedAt()));

        createActions();
        IToolBarManager toolBar = getViewSite().getActionBars().getToolBarManager();
        toolBar.add(compareAction);
        toolBar.add(keepMineAction);
        toolBar.add(takeTheirsAction);
        toolBar.add(new Separator());
        toolBar.add(refreshAction);
        getViewSite().getActionBars().setGlobalActionHandler(ActionFactory.REFRESH.getId(), refreshAction);
        getViewSite().getActionBars().updateActionBars();

        MenuManager menu = new MenuManager();
        menu.setRemoveAllWhenShown(true);
        menu.addMenuListener(this::fillContextMenu);
        viewer.getControl().setMenu(menu.createContextMenu(viewer.getControl()));
        getSite().registerContextMenu(menu, viewer);
        getSite().setSelectionProvider(viewer);
        viewer.addSelectionChangedListener(e -> updateActions());
        viewer.addOpenListener(e -> compare());
        updateActions();

        follow(Messages.Conflicts_readJob, SyncEvents.TOPIC_STATE, SyncEvents.TOPIC_CHANGED);
    }

    private void column(TableColumnLayout layout, String title, int weight, Function<Conflict, String> text) {
        TableViewerColumn column = new TableViewerColumn(viewer, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 60, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((Conflict) element);
            }
        });
    }

    /** @return a time, short: only the time of day when it is today */
    private static String time(java.time.Instant instant) {
        boolean today = instant.atZone(ZoneId.systemDefault()).toLocalDate().equals(java.time.LocalDate.now());
        return today ? TODAY.format(instant) : TIME.format(instant);
    }

    private static String when(ConfigDocument document) {
        String time = time(document.updatedAt());
        return document.deleted() ? NLS.bind(Messages.Conflicts_deleted, time) : time;
    }

    private void createActions() {
        ISharedImages images = PlatformUI.getWorkbench().getSharedImages();
        compareAction = ViewActions.create(ACTION_COMPARE, Messages.Conflicts_compare, Messages.Conflicts_compareTooltip,
                ResourceLocator.imageDescriptorFromBundle(ConflictsView.class, "icons/state-conflict.png").orElse(null), //$NON-NLS-1$
                this::compare);
        keepMineAction = ViewActions.create(ACTION_KEEP_MINE, Messages.Conflicts_keepMine, Messages.Conflicts_keepMineTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_BACK), () -> resolveSelected(true));
        takeTheirsAction = ViewActions.create(ACTION_TAKE_THEIRS, Messages.Conflicts_takeTheirs, Messages.Conflicts_takeTheirsTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_FORWARD), () -> resolveSelected(false));
        refreshAction = ViewActions.create(ACTION_REFRESH, Messages.ConfigsView_refresh, Messages.Conflicts_refreshTooltip,
                images.getImageDescriptor(ISharedImages.IMG_TOOL_REDO), this::refresh);
    }

    private void fillContextMenu(IMenuManager menu) {
        menu.add(compareAction);
        menu.add(new Separator());
        menu.add(keepMineAction);
        menu.add(takeTheirsAction);
        menu.add(new Separator());
        menu.add(refreshAction);
        menu.add(new Separator(IWorkbenchActionConstants.MB_ADDITIONS));
    }

    private void updateActions() {
        int selected = selected().size();
        compareAction.setEnabled(selected == 1);
        keepMineAction.setEnabled(selected > 0);
        takeTheirsAction.setEnabled(selected > 0);
    }

    /** @return one of the view's actions by id */
    public IAction action(String id) {
        return ViewActions.find(id, compareAction, keepMineAction, takeTheirsAction, refreshAction);
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
            List<Conflict> open = coordinator.conflicts();
            show(open, open.isEmpty() ? Messages.Conflicts_none : NLS.bind(Messages.Conflicts_count, open.size()));
        } catch (RuntimeException e) {
            show(List.of(), NLS.bind(Messages.Conflicts_readFailed, e.getMessage()));
            return Status.warning(NLS.bind(Messages.Conflicts_readFailed, e.getMessage()), e);
        }
        return Status.OK_STATUS;
    }

    private void show(List<Conflict> open, String text) {
        ui(() -> {
            conflicts = List.copyOf(open);
            viewer.setInput(conflicts);
            status.setText(text);
            status.getParent().layout(true);
            updateActions();
            shown();
        });
    }

    // ------------------------------------------------------------------------------------------ actions

    private List<Conflict> selected() {
        List<Conflict> selected = new ArrayList<>();
        for (Object element : viewer.getStructuredSelection()) {
            if (element instanceof Conflict conflict) {
                selected.add(conflict);
            }
        }
        return selected;
    }

    private void compare() {
        List<Conflict> selected = selected();
        if (selected.size() == 1) {
            openCompare(selected.get(0));
        }
    }

    /**
     * Opens a conflict in the compare editor (or brings its editor to the front). The config's history is
     * read first, in a job, for the version both sides started from.
     */
    public void openCompare(Conflict conflict) {
        IWorkbenchPage page = getSite().getPage();
        Job job = Job.create(NLS.bind(Messages.Conflicts_openJob, conflict.key()), monitor -> {
            SyncCoordinator coordinator = coordinator();
            List<ConfigDocument> history = coordinator == null ? List.of() : coordinator.history(conflict.key());
            ConfigDocument base = ConflictCompareInput.baseOf(conflict, history);
            ui(() -> CompareUI.openCompareEditorOnPage(new ConflictCompareInput(conflict, base, this::coordinator), page));
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    private void resolveSelected(boolean mine) {
        List<Conflict> selected = selected();
        if (selected.isEmpty()) {
            return;
        }
        Job job = Job.create(mine ? Messages.Conflicts_keepMineJob : Messages.Conflicts_takeTheirsJob, monitor -> {
            SyncCoordinator coordinator = coordinator();
            try {
                if (coordinator == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                for (Conflict conflict : selected) {
                    ConfigDocument chosen = mine ? conflict.mine() : conflict.theirs();
                    coordinator.resolve(conflict.key(), chosen.deleted() ? null : chosen.body(),
                            mine ? ConflictCompareInput.MINE : ConflictCompareInput.THEIRS);
                }
            } catch (StorageException | RuntimeException e) {
                ILog.of(ConflictsView.class).log(Status.warning(NLS.bind(Messages.Compare_resolveFailed, e.getMessage()), e));
                ui(() -> MessageDialog.openError(getSite().getShell(), Messages.Conflicts_resolveFailedTitle,
                        NLS.bind(Messages.Compare_resolveFailed, e.getMessage())));
            } finally {
                refresh();
            }
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the open conflicts shown (UI thread) */
    public List<Conflict> conflicts() {
        return conflicts;
    }

    public TableViewer viewer() {
        return viewer;
    }

    /** @return the line above the table (UI thread) */
    public String statusText() {
        return status.getText();
    }

    @Override
    protected Control control() {
        return viewer == null ? null : viewer.getControl();
    }

    @Override
    public void setFocus() {
        viewer.getControl().setFocus();
    }

    /** A row stays the same row across refreshes: a conflict is its config, tier and detection time. */
    private static final class SameConflict implements IElementComparer {

        @Override
        public boolean equals(Object a, Object b) {
            if (a instanceof Conflict x && b instanceof Conflict y) {
                return x.key().equals(y.key()) && x.tier().equals(y.tier()) && x.detectedAt().equals(y.detectedAt());
            }
            return a == b || a != null && a.equals(b);
        }

        @Override
        public int hashCode(Object element) {
            return element instanceof Conflict c ? c.key().hashCode() * 31 + c.tier().hashCode() : element.hashCode();
        }
    }
}
