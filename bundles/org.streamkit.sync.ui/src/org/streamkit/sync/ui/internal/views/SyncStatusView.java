package org.streamkit.sync.ui.internal.views;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

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
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.resource.LocalResourceManager;
import org.eclipse.jface.resource.ResourceLocator;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnViewerToolTipSupport;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.IElementComparer;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.ISharedImages;
import org.eclipse.ui.IWorkbenchActionConstants;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.actions.ActionFactory;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.SyncMetrics;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The "Streamkit Sync Status" view: each tier with its health, what waits for it and its last error in
 * words; the coordinator's counters and acknowledgement latency; and every change waiting in the outbox,
 * with Retry Now and Discard (confirmed). Its tool bar also has Sync Now and the Work Offline toggle
 * ({@link SyncCoordinator#workOffline}). It follows the coordinator's events and reads the status again
 * every few seconds while open (tier health changes without events); all reads and actions run in jobs.
 */
public final class SyncStatusView extends CoordinatorView {

    /** The view's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.syncStatusView"; //$NON-NLS-1$
    public static final String ACTION_RETRY = ID + ".retry"; //$NON-NLS-1$
    public static final String ACTION_DISCARD = ID + ".discard"; //$NON-NLS-1$
    public static final String ACTION_WORK_OFFLINE = ID + ".workOffline"; //$NON-NLS-1$
    public static final String ACTION_SYNC_NOW = ID + ".syncNow"; //$NON-NLS-1$
    public static final String ACTION_REFRESH = ID + ".refresh"; //$NON-NLS-1$
    public static final String ACTION_AUDIT = ID + ".audit"; //$NON-NLS-1$
    public static final String ACTION_APPLY = ID + ".apply"; //$NON-NLS-1$
    public static final String ACTION_CREATE_CHECKPOINT = ID + ".createCheckpoint"; //$NON-NLS-1$
    public static final String ACTION_RESTORE_CHECKPOINT = ID + ".restoreCheckpoint"; //$NON-NLS-1$

    /** The least height of each table, in pixels: its header and about four rows. */
    private static final int TABLE_MIN_HEIGHT = 110;
    /** How often the status is read again while nothing else asks for it. */
    private static final int AUTO_REFRESH_MS = 5000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());
    private static final Color BANNER_BACKGROUND = new Color(0xff, 0xf4, 0xce);
    private static final Color BANNER_FOREGROUND = new Color(0x3b, 0x2f, 0x00);

    private Composite root;
    private Composite banner;
    private Label status;
    private Label metrics;
    private Label outboxTitle;
    private TableViewer tiers;
    private TableViewer outbox;
    private LocalResourceManager resources;
    private final Map<String, Image> images = new HashMap<>();
    private final Runnable autoRefresh = this::refresh;
    private List<TierStatus> tierRows = List.of();
    private List<OutboxRow> outboxRows = List.of();
    private boolean workingOffline;
    private Action retryAction;
    private Action discardAction;
    private Action offlineAction;
    private Action syncNowAction;
    private Action refreshAction;
    private Action auditAction;
    private Action applyAction;
    private Action createCheckpointAction;
    private Action restoreCheckpointAction;
    private volatile Job auditJob;
    private volatile AuditReport lastAudit;

    @Override
    public void createPartControl(Composite parent) {
        root = parent;
        resources = new LocalResourceManager(JFaceResources.getResources(), parent);
        GridLayoutFactory.fillDefaults().margins(4, 4).spacing(0, 4).applyTo(parent);

        banner = new Composite(parent, SWT.NONE);
        banner.setBackground(BANNER_BACKGROUND);
        banner.setBackgroundMode(SWT.INHERIT_FORCE);
        GridLayoutFactory.fillDefaults().numColumns(2).margins(6, 4).applyTo(banner);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(banner);
        Label bannerIcon = new Label(banner, SWT.NONE);
        bannerIcon.setImage(JFaceResources.getImage(Dialog.DLG_IMG_MESSAGE_WARNING));
        Label bannerText = new Label(banner, SWT.WRAP);
        bannerText.setText(Messages.Status_offlineBanner);
        bannerText.setForeground(BANNER_FOREGROUND);
        GridDataFactory.fillDefaults().grab(true, false).hint(200, SWT.DEFAULT).applyTo(bannerText);
        // The workbench's CSS styling resets composites' backgrounds: paint the banner's own colour over it.
        banner.addPaintListener(e -> {
            e.gc.setBackground(BANNER_BACKGROUND);
            e.gc.fillRectangle(banner.getClientArea());
        });
        setVisible(banner, false);

        status = new Label(parent, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(200, SWT.DEFAULT).applyTo(status);

        SashForm sash = new SashForm(parent, SWT.VERTICAL);
        // However short the view, each table keeps room for its header and a few rows (the view scrolls no
        // further: what does not fit is cut at the bottom, never a table squeezed to nothing).
        GridDataFactory.fillDefaults().grab(true, true).minSize(SWT.DEFAULT, 2 * TABLE_MIN_HEIGHT + 60).applyTo(sash);
        Composite top = new Composite(sash, SWT.NONE);
        GridLayoutFactory.fillDefaults().spacing(0, 4).applyTo(top);
        tiers = table(top, SWT.SINGLE);
        tierColumns();
        metrics = new Label(top, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(200, SWT.DEFAULT).applyTo(metrics);

        Composite bottom = new Composite(sash, SWT.NONE);
        GridLayoutFactory.fillDefaults().spacing(0, 4).applyTo(bottom);
        outboxTitle = new Label(bottom, SWT.NONE);
        outboxTitle.setFont(JFaceResources.getFontRegistry().getBold(JFaceResources.DEFAULT_FONT));
        outboxTitle.setText(NLS.bind(Messages.Status_outboxTitle, 0));
        GridDataFactory.fillDefaults().grab(true, false).applyTo(outboxTitle);
        outbox = table(bottom, SWT.MULTI);
        outbox.setComparer(new SameWrite());
        outboxColumns();
        sash.setWeights(45, 55);

        createActions();
        IToolBarManager toolBar = getViewSite().getActionBars().getToolBarManager();
        toolBar.add(retryAction);
        toolBar.add(applyAction);
        toolBar.add(discardAction);
        toolBar.add(new Separator());
        toolBar.add(offlineAction);
        toolBar.add(syncNowAction);
        toolBar.add(refreshAction);
        getViewSite().getActionBars().getMenuManager().add(auditAction);
        getViewSite().getActionBars().getMenuManager().add(new Separator());
        getViewSite().getActionBars().getMenuManager().add(createCheckpointAction);
        getViewSite().getActionBars().getMenuManager().add(restoreCheckpointAction);
        getViewSite().getActionBars().setGlobalActionHandler(ActionFactory.REFRESH.getId(), refreshAction);
        getViewSite().getActionBars().updateActionBars();

        MenuManager menu = new MenuManager();
        menu.setRemoveAllWhenShown(true);
        menu.addMenuListener(this::fillContextMenu);
        outbox.getControl().setMenu(menu.createContextMenu(outbox.getControl()));
        getSite().registerContextMenu(menu, outbox);
        getSite().setSelectionProvider(outbox);
        outbox.addSelectionChangedListener(e -> updateActions());
        updateActions();

        follow(Messages.Status_readJob, SyncEvents.TOPIC_STATE, SyncEvents.TOPIC_CHANGED);
    }

    private static TableViewer table(Composite parent, int selection) {
        Composite holder = new Composite(parent, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).minSize(SWT.DEFAULT, TABLE_MIN_HEIGHT).applyTo(holder);
        holder.setLayout(new TableColumnLayout());
        TableViewer viewer = new TableViewer(holder, SWT.BORDER | SWT.FULL_SELECTION | selection | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTable().setHeaderVisible(true);
        viewer.getTable().setLinesVisible(true);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        ColumnViewerToolTipSupport.enableFor(viewer);
        return viewer;
    }

    /** Adds a column to a table whose parent is laid out by a {@link TableColumnLayout}. */
    static <T> void column(TableViewer viewer, String title, int weight, Class<T> type, Function<T, String> text,
            Function<T, Image> image) {
        TableViewerColumn column = new TableViewerColumn(viewer, SWT.LEFT);
        column.getColumn().setText(title);
        ((TableColumnLayout) viewer.getTable().getParent().getLayout()).setColumnData(column.getColumn(),
                new ColumnWeightData(weight, 50, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply(type.cast(element));
            }

            @Override
            public Image getImage(Object element) {
                return image.apply(type.cast(element));
            }

            @Override
            public String getToolTipText(Object element) {
                return text.apply(type.cast(element));
            }
        });
    }

    private void tierColumns() {
        column(tiers, Messages.Status_columnTier, 12, TierStatus.class, TierStatus::name, this::healthImage);
        column(tiers, Messages.Status_columnKind, 10, TierStatus.class,
                t -> StorageTier.KIND_REMOTE.equals(t.kind()) ? Messages.Status_remote : Messages.Status_local, t -> null);
        column(tiers, Messages.Status_columnRanking, 7, TierStatus.class, t -> Integer.toString(t.ranking()), t -> null);
        column(tiers, Messages.Status_columnHealth, 26, TierStatus.class, SyncStatusView::health, t -> null);
        column(tiers, Messages.Status_columnWaiting, 8, TierStatus.class, t -> Integer.toString(t.pending()), t -> null);
        column(tiers, Messages.Status_columnFailed, 7, TierStatus.class, t -> Integer.toString(t.failed()), t -> null);
        column(tiers, Messages.Status_columnReads, 7, TierStatus.class, t -> Long.toString(t.reads()), t -> null);
        column(tiers, Messages.Status_columnLastError, 23, TierStatus.class,
                t -> t.lastError().isEmpty() ? Messages.Status_noError : t.lastError(), t -> null);
    }

    private void outboxColumns() {
        column(outbox, Messages.Status_columnConfig, 22, OutboxRow.class, r -> r.write().key().toString(), this::stateImage);
        column(outbox, Messages.Status_columnTier, 11, OutboxRow.class, r -> r.write().tier(), r -> null);
        column(outbox, Messages.Status_columnState, 12, OutboxRow.class,
                r -> r.heldWhileLive() ? Messages.Status_stateHeld : stateText(r.state()), r -> null);
        column(outbox, Messages.Status_columnAttempts, 8, OutboxRow.class, r -> Integer.toString(r.write().attempts()),
                r -> null);
        column(outbox, Messages.Status_columnSince, 15, OutboxRow.class, r -> TIME.format(r.write().enqueuedAt()), r -> null);
        column(outbox, Messages.Status_columnNext, 15, OutboxRow.class, SyncStatusView::next, r -> null);
        column(outbox, Messages.Status_columnLastError, 17, OutboxRow.class,
                r -> r.write().lastError().isEmpty() ? Messages.Status_noError : r.write().lastError(), r -> null);
    }

    /** @return a tier's health in words: up, or degraded or down with the tier's own reason */
    static String health(TierStatus tier) {
        TierHealth health = tier.health();
        if (!tier.present()) {
            return NLS.bind(Messages.Status_absent, health.reason());
        }
        return switch (health.status()) {
            case UP -> Messages.Status_up;
            case DEGRADED -> NLS.bind(Messages.Status_degraded, health.reason());
            case DOWN -> NLS.bind(Messages.Status_down, health.reason());
        };
    }

    static String stateText(SyncState state) {
        return switch (state) {
            case PENDING -> Messages.Status_statePending;
            case OFFLINE -> Messages.Status_stateOffline;
            case FAILED -> Messages.Status_stateFailed;
            case CONFLICT -> Messages.Status_stateConflict;
            case SYNCED -> Messages.Sync_synced;
        };
    }

    private static String next(OutboxRow row) {
        return switch (row.state()) {
            case FAILED -> Messages.Status_nextWhenRetried;
            case CONFLICT -> Messages.Status_nextWhenResolved;
            default -> row.heldWhileLive() ? Messages.Status_nextWhenOffAir : TIME.format(row.write().nextAttempt());
        };
    }

    /** @return the coordinator's counters and latency in one line */
    static String metricsText(SyncMetrics m) {
        return NLS.bind(Messages.Status_metrics, new Object[] { m.deliveries(), m.deliveryErrors(),
                Math.round(m.successRate() * 100), m.conflicts(), format(m.ackLatencyP50Ms()), format(m.ackLatencyP99Ms()),
                m.outboxDepth() });
    }

    private static String format(double millis) {
        return String.format(Locale.ROOT, "%,.0f", millis); //$NON-NLS-1$
    }

    private Image healthImage(TierStatus tier) {
        String icon = !tier.present() ? "state-offline" : switch (tier.health().status()) { //$NON-NLS-1$
            case UP -> "state-synced"; //$NON-NLS-1$
            case DEGRADED -> "state-pending"; //$NON-NLS-1$
            case DOWN -> "state-failed"; //$NON-NLS-1$
        };
        return image(icon);
    }

    private Image stateImage(OutboxRow row) {
        return image("state-" + row.state().name().toLowerCase(Locale.ROOT)); //$NON-NLS-1$
    }

    private Image image(String icon) {
        return images.computeIfAbsent(icon, name -> ResourceLocator
                .imageDescriptorFromBundle(SyncStatusView.class, "icons/" + name + ".png").map(resources::create) //$NON-NLS-1$ //$NON-NLS-2$
                .orElse(null));
    }

    private void createActions() {
        ISharedImages images = PlatformUI.getWorkbench().getSharedImages();
        retryAction = ViewActions.create(ACTION_RETRY, Messages.Status_retry, Messages.Status_retryTooltip, IAction.AS_PUSH_BUTTON,
                icon("state-pending"), this::retry); //$NON-NLS-1$
        discardAction = ViewActions.create(ACTION_DISCARD, Messages.Status_discard, Messages.Status_discardTooltip,
                IAction.AS_PUSH_BUTTON, images.getImageDescriptor(ISharedImages.IMG_TOOL_DELETE), this::discard);
        discardAction.setDisabledImageDescriptor(images.getImageDescriptor(ISharedImages.IMG_TOOL_DELETE_DISABLED));
        offlineAction = ViewActions.create(ACTION_WORK_OFFLINE, Messages.Status_workOffline, Messages.Status_workOfflineTooltip,
                IAction.AS_CHECK_BOX, icon("state-offline"), this::toggleOffline); //$NON-NLS-1$
        syncNowAction = ViewActions.create(ACTION_SYNC_NOW, Messages.ConfigsView_syncNow, Messages.ConfigsView_syncNowTooltip,
                IAction.AS_PUSH_BUTTON, icon("state-synced"), this::syncNow); //$NON-NLS-1$
        refreshAction = ViewActions.create(ACTION_REFRESH, Messages.ConfigsView_refresh, Messages.Status_refreshTooltip,
                IAction.AS_PUSH_BUTTON, images.getImageDescriptor(ISharedImages.IMG_TOOL_REDO), this::refresh);
        auditAction = ViewActions.create(ACTION_AUDIT, Messages.Status_audit, Messages.Status_auditTooltip, IAction.AS_PUSH_BUTTON,
                images.getImageDescriptor(ISharedImages.IMG_OBJS_INFO_TSK), this::audit);
        applyAction = ViewActions.create(ACTION_APPLY, Messages.Status_apply, Messages.Status_applyTooltip, IAction.AS_PUSH_BUTTON,
                icon("state-synced"), this::applyHeld); //$NON-NLS-1$
        createCheckpointAction = ViewActions.create(ACTION_CREATE_CHECKPOINT, Messages.Status_createCheckpoint,
                Messages.Status_createCheckpointTooltip, IAction.AS_PUSH_BUTTON, null, this::createCheckpoint);
        restoreCheckpointAction = ViewActions.create(ACTION_RESTORE_CHECKPOINT, Messages.Status_restoreCheckpoint,
                Messages.Status_restoreCheckpointTooltip, IAction.AS_PUSH_BUTTON, null, this::openCheckpoints);
    }

    private static ImageDescriptor icon(String name) {
        return ResourceLocator.imageDescriptorFromBundle(SyncStatusView.class, "icons/" + name + ".png").orElse(null); //$NON-NLS-1$ //$NON-NLS-2$
    }

    private void fillContextMenu(IMenuManager menu) {
        menu.add(retryAction);
        menu.add(applyAction);
        menu.add(discardAction);
        menu.add(new Separator());
        menu.add(refreshAction);
        menu.add(auditAction);
        menu.add(new Separator(IWorkbenchActionConstants.MB_ADDITIONS));
    }

    private void updateActions() {
        List<OutboxRow> selected = selected();
        retryAction.setEnabled(!selected.isEmpty() && selected.stream().noneMatch(r -> r.state() == SyncState.CONFLICT));
        discardAction.setEnabled(!selected.isEmpty());
        applyAction.setEnabled(outboxRows.stream().anyMatch(OutboxRow::heldWhileLive));
        offlineAction.setChecked(workingOffline);
    }

    /** @return one of the view's actions by id */
    public IAction action(String id) {
        return ViewActions.find(id, retryAction, discardAction, offlineAction, syncNowAction, refreshAction, auditAction, applyAction,
                createCheckpointAction, restoreCheckpointAction);
    }

    // ------------------------------------------------------------------------------------------ reading

    @Override
    protected IStatus read(IProgressMonitor monitor) {
        SyncCoordinator coordinator = coordinator();
        if (coordinator == null) {
            show(new Snapshot(List.of(), List.of(), null, false), Messages.ConfigsView_noTier);
            return Status.OK_STATUS;
        }
        try {
            SyncStatus sync = coordinator.status();
            List<PendingWrite> writes = coordinator.outbox();
            List<Conflict> conflicts = coordinator.conflicts();
            boolean offline = coordinator.workingOffline();
            List<PendingWrite> held = coordinator.heldWhileLive();
            List<OutboxRow> rows = OutboxRow.of(sync, writes, conflicts, held);
            String remotes = sync.tiers().stream().filter(t -> StorageTier.KIND_REMOTE.equals(t.kind()))
                    .map(TierStatus::name).collect(Collectors.joining(", ")); //$NON-NLS-1$
            String text;
            if (remotes.isEmpty()) {
                text = Messages.Status_noRemote;
            } else if (offline) {
                text = NLS.bind(Messages.Status_summaryOffline, remotes);
            } else {
                text = rows.isEmpty() ? NLS.bind(Messages.Status_summarySynced, remotes)
                        : NLS.bind(Messages.Status_summaryWaiting, rows.size(), remotes);
            }
            if (!held.isEmpty()) {
                text = NLS.bind(Messages.Status_held, text, held.size());
            }
            show(new Snapshot(sync.tiers(), rows, sync.metrics(), offline), text);
            return Status.OK_STATUS;
        } catch (RuntimeException e) {
            show(new Snapshot(List.of(), List.of(), null, false), NLS.bind(Messages.Status_readFailed, e.getMessage()));
            return Status.warning(NLS.bind(Messages.Status_readFailed, e.getMessage()), e);
        }
    }

    private record Snapshot(List<TierStatus> tiers, List<OutboxRow> outbox, SyncMetrics metrics, boolean offline) {
    }

    private void show(Snapshot snapshot, String text) {
        ui(() -> {
            tierRows = snapshot.tiers();
            outboxRows = snapshot.outbox();
            workingOffline = snapshot.offline();
            tiers.setInput(tierRows);
            outbox.setInput(outboxRows);
            status.setText(text);
            metrics.setText(snapshot.metrics() == null ? "" : metricsText(snapshot.metrics())); //$NON-NLS-1$
            outboxTitle.setText(NLS.bind(Messages.Status_outboxTitle, outboxRows.size()));
            setVisible(banner, workingOffline);
            root.layout(true, true);
            updateActions();
            shown();
            Display display = root.getDisplay();
            display.timerExec(-1, autoRefresh);
            display.timerExec(AUTO_REFRESH_MS, autoRefresh);
        });
    }

    private static void setVisible(Composite control, boolean visible) {
        control.setVisible(visible);
        ((GridData) control.getLayoutData()).exclude = !visible;
    }

    // ------------------------------------------------------------------------------------------ actions

    private List<OutboxRow> selected() {
        List<OutboxRow> selected = new ArrayList<>();
        for (Object element : outbox.getStructuredSelection()) {
            if (element instanceof OutboxRow row) {
                selected.add(row);
            }
        }
        return selected;
    }

    private void retry() {
        List<OutboxRow> selected = selected().stream().filter(r -> r.state() != SyncState.CONFLICT).toList();
        run(Messages.Status_retryJob, selected, (coordinator, row) -> coordinator.retry(row.write().key(), row.write().tier()));
    }

    private void discard() {
        List<OutboxRow> selected = selected();
        if (selected.isEmpty()) {
            return;
        }
        String question = selected.size() == 1
                ? NLS.bind(Messages.Status_discardOne, selected.get(0).write().key(), selected.get(0).write().tier())
                : NLS.bind(Messages.Status_discardMany, selected.size(), selected.stream().limit(10)
                        .map(r -> NLS.bind(Messages.Status_discardLine, r.write().key(), r.write().tier()))
                        .collect(Collectors.joining("\n"))); //$NON-NLS-1$
        MessageDialog confirm = new MessageDialog(getSite().getShell(), Messages.Status_discardTitle, null, question,
                MessageDialog.CONFIRM, 0, Messages.Status_discardButton, IDialogConstants.CANCEL_LABEL);
        if (confirm.open() != 0) {
            return;
        }
        run(Messages.Status_discardJob, selected,
                (coordinator, row) -> coordinator.discard(row.write().key(), row.write().tier()));
    }

    /** Apply Now: the selected held changes, or every held change when none of them is selected. */
    private void applyHeld() {
        List<OutboxRow> held = selected().stream().filter(OutboxRow::heldWhileLive).toList();
        if (held.isEmpty()) {
            Job job = Job.create(Messages.Status_applyJob, monitor -> {
                SyncCoordinator coordinator = coordinator();
                if (coordinator != null) {
                    coordinator.applyHeld(null);
                }
                refresh();
                return Status.OK_STATUS;
            });
            job.schedule();
            return;
        }
        run(Messages.Status_applyJob, held, (coordinator, row) -> coordinator.applyHeld(row.write().key()));
    }

    private void createCheckpoint() {
        Job job = Job.create(Messages.Status_createCheckpoint.replace("&", ""), monitor -> { //$NON-NLS-1$ //$NON-NLS-2$
            SyncCoordinator coordinator = coordinator();
            if (coordinator == null) {
                return Status.error(Messages.ConfigsView_noTier);
            }
            try {
                org.streamkit.sync.api.Checkpoint taken = coordinator.createCheckpoint(org.streamkit.sync.api.Checkpoint.MANUAL);
                return Status.info(NLS.bind(Messages.Status_checkpointCreated, taken.configs(), taken.name()));
            } catch (StorageException | RuntimeException e) {
                return Status.error(NLS.bind(Messages.Status_actionFailed, Messages.Status_createCheckpoint.replace("&", ""), //$NON-NLS-1$ //$NON-NLS-2$
                        e.getMessage()), e);
            }
        });
        job.setUser(true);
        job.schedule();
    }

    private void openCheckpoints() {
        new CheckpointsDialog(getSite().getShell(), this::coordinator, this::refresh).open();
    }

    private interface RowAction {
        void apply(SyncCoordinator coordinator, OutboxRow row) throws StorageException;
    }

    private void run(String name, List<OutboxRow> rows, RowAction action) {
        if (rows.isEmpty()) {
            return;
        }
        Job job = Job.create(name, monitor -> {
            SubMonitor progress = SubMonitor.convert(monitor, name, rows.size());
            SyncCoordinator coordinator = coordinator();
            try {
                if (coordinator == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                for (OutboxRow row : rows) {
                    action.apply(coordinator, row);
                    progress.worked(1);
                }
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                ILog.of(SyncStatusView.class).log(Status.warning(NLS.bind(Messages.Status_actionFailed, name, e.getMessage()), e));
                ui(() -> MessageDialog.openError(getSite().getShell(), name,
                        NLS.bind(Messages.Status_actionFailed, name, e.getMessage())));
                return Status.OK_STATUS;
            } finally {
                refresh();
            }
        });
        job.schedule();
    }

    private void toggleOffline() {
        boolean on = offlineAction.isChecked();
        Job job = Job.create(on ? Messages.Status_goingOffline : Messages.Status_goingOnline, monitor -> {
            SyncCoordinator coordinator = coordinator();
            if (coordinator != null) {
                coordinator.workOffline(on);
            }
            refresh();
            return Status.OK_STATUS;
        });
        job.schedule();
    }


    /** Audits the local tiers in a job; the result is shown, and a repair runs in a job of its own. */
    private void audit() {
        auditJob(Messages.Audit_job, false);
    }

    private void auditJob(String name, boolean repair) {
        Job job = Job.create(name, monitor -> {
            SubMonitor.convert(monitor, name, IProgressMonitor.UNKNOWN);
            SyncCoordinator coordinator = coordinator();
            if (coordinator == null) {
                return Status.error(Messages.ConfigsView_noTier);
            }
            try {
                AuditReport report = coordinator.audit(repair);
                lastAudit = report;
                if (repair) {
                    refresh();
                    return Status.info(NLS.bind(Messages.Audit_repaired,
                            new Object[] { report.repaired(), report.differences().size(), report.checked() }));
                }
                ui(() -> showAudit(report));
                return Status.OK_STATUS;
            } catch (RuntimeException e) {
                return Status.error(NLS.bind(Messages.Audit_failed, e.getMessage()), e);
            }
        });
        job.setUser(true);
        auditJob = job;
        job.schedule();
    }

    private void showAudit(AuditReport report) {
        AuditDialog dialog = new AuditDialog(getSite().getShell(), report);
        if (dialog.open() == AuditDialog.REPAIR && dialog.offersRepair()) {
            auditJob(Messages.Audit_repairJob, true);
        }
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the job of the last audit or repair, or null */
    public Job auditJob() {
        return auditJob;
    }

    /** @return what the last audit or repair found, or null */
    public AuditReport lastAudit() {
        return lastAudit;
    }

    /** @return the tiers shown (UI thread) */
    public List<TierStatus> tierRows() {
        return tierRows;
    }

    /** @return the waiting changes shown (UI thread) */
    public List<OutboxRow> outboxRows() {
        return outboxRows;
    }

    /** Selects waiting changes in the table, as a click would. */
    public void select(List<OutboxRow> rows) {
        outbox.setSelection(new StructuredSelection(rows), true);
    }

    public TableViewer tiersViewer() {
        return tiers;
    }

    public TableViewer outboxViewer() {
        return outbox;
    }

    /** @return the line above the tables */
    public String statusText() {
        return status.getText();
    }

    /** @return the counters line under the tiers */
    public String metricsText() {
        return metrics.getText();
    }

    /** @return whether the "working offline" banner shows */
    public boolean offlineBannerShown() {
        return banner.getVisible();
    }

    @Override
    protected Control control() {
        return root;
    }

    @Override
    public void setFocus() {
        outbox.getControl().setFocus();
    }

    @Override
    public void dispose() {
        if (root != null && !root.isDisposed()) {
            root.getDisplay().timerExec(-1, autoRefresh);
        }
        super.dispose();
    }

    /** A row stays the same row across refreshes: a waiting change is its config and tier. */
    private static final class SameWrite implements IElementComparer {

        @Override
        public boolean equals(Object a, Object b) {
            if (a instanceof OutboxRow x && b instanceof OutboxRow y) {
                return x.write().key().equals(y.write().key()) && x.write().tier().equals(y.write().tier());
            }
            return a == b || a != null && a.equals(b);
        }

        @Override
        public int hashCode(Object element) {
            return element instanceof OutboxRow r ? r.write().key().hashCode() * 31 + r.write().tier().hashCode()
                    : element.hashCode();
        }
    }
}
