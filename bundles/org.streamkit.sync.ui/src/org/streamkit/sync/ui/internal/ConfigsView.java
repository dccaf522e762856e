package org.streamkit.sync.ui.internal;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.ISharedImages;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.part.ViewPart;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.TierStatus;

/**
 * The "Streamkit Configs" view: a table of every live config, as the {@link SyncCoordinator} reads them
 * from the local tiers. It follows the coordinator as it comes and goes, refreshes when the coordinator
 * reports a change (EventAdmin), and reads in a background job, never on the UI thread.
 */
public final class ConfigsView extends ViewPart {

    /** The view's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.configsView"; //$NON-NLS-1$

    private ServiceTracker<SyncCoordinator, SyncCoordinator> coordinators;
    private ServiceRegistration<EventHandler> changes;
    private ConfigTable table;
    private Label status;
    private Job readJob;
    private volatile boolean loaded;

    @Override
    public void createPartControl(Composite parent) {
        GridLayoutFactory.fillDefaults().margins(4, 4).applyTo(parent);
        status = new Label(parent, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(status);
        table = new ConfigTable(parent);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(table.control());

        Action refresh = new Action(Messages.ConfigsView_refresh) {
            @Override
            public void run() {
                refresh();
            }
        };
        refresh.setToolTipText(Messages.ConfigsView_refreshTooltip);
        refresh.setImageDescriptor(
                PlatformUI.getWorkbench().getSharedImages().getImageDescriptor(ISharedImages.IMG_TOOL_REDO));
        getViewSite().getActionBars().getToolBarManager().add(refresh);

        BundleContext context = FrameworkUtil.getBundle(ConfigsView.class).getBundleContext();
        coordinators = new ServiceTracker<>(context, SyncCoordinator.class, null) {
            @Override
            public SyncCoordinator addingService(ServiceReference<SyncCoordinator> reference) {
                SyncCoordinator coordinator = super.addingService(reference);
                refresh();
                return coordinator;
            }

            @Override
            public void removedService(ServiceReference<SyncCoordinator> reference, SyncCoordinator service) {
                super.removedService(reference, service);
                refresh();
            }
        };
        coordinators.open();
        Hashtable<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SyncEvents.TOPIC_CHANGED);
        changes = context.registerService(EventHandler.class, event -> refresh(), topics);
        refresh();
    }

    /** Reads the configs again in the background and shows them; repeated calls coalesce. */
    public void refresh() {
        if (coordinators == null) {
            return;
        }
        Job previous = readJob;
        if (previous != null) {
            previous.cancel();
        }
        Job job = new Job(Messages.ConfigsView_readJob) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                return read(monitor);
            }
        };
        job.setSystem(true);
        readJob = job;
        job.schedule(100);
    }

    private IStatus read(IProgressMonitor monitor) {
        SyncCoordinator coordinator = coordinators.getService();
        if (coordinator == null) {
            show(List.of(), Messages.ConfigsView_noTier);
            return Status.OK_STATUS;
        }
        try {
            List<ConfigRow> rows = new ArrayList<>();
            Set<String> types = coordinator.types();
            SubMonitor progress = SubMonitor.convert(monitor, types.size());
            for (String type : types) {
                if (monitor.isCanceled()) {
                    return Status.CANCEL_STATUS;
                }
                coordinator.list(type).stream().map(ConfigRow::of).forEach(rows::add);
                progress.worked(1);
            }
            String tiers = coordinator.status().tiers().stream().filter(TierStatus::present)
                    .map(t -> t.name() + " (" + t.ranking() + ")").collect(Collectors.joining(", "));
            String text = rows.isEmpty() ? NLS.bind(Messages.ConfigsView_empty, tiers)
                    : NLS.bind(Messages.ConfigsView_showing, rows.size(), tiers);
            show(rows, text);
        } catch (StorageException | RuntimeException e) {
            show(List.of(), NLS.bind(Messages.ConfigsView_readFailed, e.getMessage()));
            return Status.warning(NLS.bind(Messages.ConfigsView_readFailed, e.getMessage()), e);
        }
        return Status.OK_STATUS;
    }

    private void show(List<ConfigRow> rows, String text) {
        var display = table == null ? null : table.control().getDisplay();
        if (display == null || display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (table.control().isDisposed()) {
                return;
            }
            table.setRows(rows);
            status.setText(text);
            status.getParent().layout(true);
            loaded = true;
        });
    }

    /** @return the rows shown now (UI thread) */
    public List<ConfigRow> rows() {
        return table.rows();
    }

    /** @return the status line shown above the table (UI thread) */
    public String statusText() {
        return status.getText();
    }

    /** @return whether a read has completed since the view opened */
    public boolean loaded() {
        return loaded;
    }

    @Override
    public void setFocus() {
        table.viewer().getControl().setFocus();
    }

    @Override
    public void dispose() {
        if (changes != null) {
            changes.unregister();
            changes = null;
        }
        if (coordinators != null) {
            coordinators.close();
            coordinators = null;
        }
        Job job = readJob;
        if (job != null) {
            job.cancel();
        }
        super.dispose();
    }
}
