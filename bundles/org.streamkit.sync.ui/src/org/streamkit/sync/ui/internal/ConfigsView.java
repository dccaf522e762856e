package org.streamkit.sync.ui.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;

/**
 * The "Streamkit Configs" view: a table of what the highest-ranked storage tier holds. It follows the
 * tiers as they come and go (bundle start/stop) and reads them in a background job, never on the UI
 * thread.
 */
public final class ConfigsView extends ViewPart {

    /** The view's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.configsView"; //$NON-NLS-1$

    private ServiceTracker<StorageTier, StorageTier> tiers;
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
        tiers = new ServiceTracker<>(context, StorageTier.class, null) {
            @Override
            public StorageTier addingService(ServiceReference<StorageTier> reference) {
                StorageTier tier = super.addingService(reference);
                refresh();
                return tier;
            }

            @Override
            public void removedService(ServiceReference<StorageTier> reference, StorageTier service) {
                super.removedService(reference, service);
                refresh();
            }
        };
        tiers.open();
        refresh();
    }

    /** Reads the highest-ranked tier again in the background and shows the result. */
    public void refresh() {
        if (tiers == null) {
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
        readJob = job;
        job.schedule(50);
    }

    private IStatus read(IProgressMonitor monitor) {
        Optional<ServiceReference<StorageTier>> top = highestRanked();
        if (top.isEmpty()) {
            show(List.of(), Messages.ConfigsView_noTier);
            return Status.OK_STATUS;
        }
        StorageTier tier = tiers.getService(top.get());
        if (tier == null) {
            return Status.OK_STATUS; // went away meanwhile; its removal schedules another read
        }
        Object ranking = top.get().getProperty(StorageTier.RANKING);
        try {
            List<ConfigRow> rows = new ArrayList<>();
            var types = tier.listTypes();
            SubMonitor progress = SubMonitor.convert(monitor, types.size());
            for (String type : types) {
                for (ConfigKey key : tier.listKeys(type)) {
                    if (monitor.isCanceled()) {
                        return Status.CANCEL_STATUS;
                    }
                    tier.get(key).filter(d -> !d.deleted()).map(ConfigRow::of).ifPresent(rows::add);
                }
                progress.worked(1);
            }
            String text = rows.isEmpty() ? NLS.bind(Messages.ConfigsView_empty, tier.name(), ranking)
                    : NLS.bind(Messages.ConfigsView_showing, new Object[] { rows.size(), tier.name(), ranking });
            show(rows, text);
        } catch (StorageException | RuntimeException e) {
            show(List.of(), NLS.bind(Messages.ConfigsView_readFailed, tier.name(), e.getMessage()));
            return Status.warning(NLS.bind(Messages.ConfigsView_readFailed, tier.name(), e.getMessage()), e);
        }
        return Status.OK_STATUS;
    }

    private Optional<ServiceReference<StorageTier>> highestRanked() {
        ServiceReference<StorageTier>[] refs = tiers.getServiceReferences();
        if (refs == null) {
            return Optional.empty();
        }
        ServiceReference<StorageTier> best = null;
        for (ServiceReference<StorageTier> ref : refs) {
            // compareTo orders by ranking, then by service id (older first): the greatest is the one to use.
            if (best == null || ref.compareTo(best) > 0) {
                best = ref;
            }
        }
        return Optional.ofNullable(best);
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
        if (tiers != null) {
            tiers.close();
            tiers = null;
        }
        Job job = readJob;
        if (job != null) {
            job.cancel();
        }
        super.dispose();
    }
}
