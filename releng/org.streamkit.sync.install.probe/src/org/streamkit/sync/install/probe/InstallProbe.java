package org.streamkit.sync.install.probe;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.eclipse.e4.ui.model.application.ui.basic.MPart;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IStartup;
import org.eclipse.ui.IViewPart;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.TierHealth;

/**
 * Test-only probe for the update-site install test: inside a plain workbench that received the Streamkit
 * features from the update site through the p2 director, it looks at what a user would get. It waits for
 * the storage tiers and asks each for its health, saves one config through the coordinator, opens the
 * Streamkit Configs view and reads what the view shows, records the state of every bundle, writes all of
 * it to a properties file, and closes the workbench.
 * <p>
 * It does nothing unless the system property {@value #REPORT} names the report file, so installing it
 * anywhere else is harmless. It is in no feature and on no update site that users see.
 */
public final class InstallProbe implements IStartup {

    /** System property: the file the report is written to. */
    public static final String REPORT = "streamkit.install.probe.report";
    /** System property: the tier names (comma separated) to wait for before looking further. */
    public static final String TIERS = "streamkit.install.probe.tiers";
    /** The Streamkit Configs view, as declared by org.streamkit.sync.ui. */
    public static final String VIEW_ID = "org.streamkit.sync.ui.configsView";
    private static final String PREFERENCES_ID = "org.streamkit.sync.ui.preferences";
    private static final String EXPORT_ID = "org.streamkit.sync.ui.exportConfigs";
    private static final String IMPORT_ID = "org.streamkit.sync.ui.importConfigs";

    /** The config the probe saves and then looks for in the view. */
    public static final ConfigKey KEY = new ConfigKey("notes", "installed-from-site");
    public static final String NAME = "Installed from the update site";

    /** Each wait's limit; three of them stay well inside the test's limit for the whole workbench run. */
    private static final long WAIT_MS = 30_000;

    private final Properties report = new Properties();

    @Override
    public void earlyStartup() {
        String target = System.getProperty(REPORT);
        if (target == null || target.isBlank()) {
            return;
        }
        BundleContext context = FrameworkUtil.getBundle(InstallProbe.class).getBundleContext();
        IWorkbench workbench = PlatformUI.getWorkbench();
        try {
            step("tiers", () -> tiers(context));
            step("coordinator", () -> saveThroughCoordinator(context));
            step("view", () -> openView(workbench));
            step("bundles", () -> bundles(context));
        } finally {
            step("report", () -> write(Path.of(target)));
            workbench.getDisplay().asyncExec(workbench::close);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs one step; a failure is recorded and the next step still runs. */
    private void step(String name, Step step) {
        try {
            step.run();
        } catch (Throwable e) { // everything goes into the report, which the test prints on failure
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            // The top of the trace says what failed; the workbench's own frames below it do not.
            report.setProperty("error." + name, trace.toString().lines().limit(12).collect(Collectors.joining("\n")));
        }
    }

    /** Waits until the expected tiers are registered (or the time is up) and records every tier. */
    private void tiers(BundleContext context) throws InvalidSyntaxException, InterruptedException {
        Set<String> expected = Set.copyOf(split(System.getProperty(TIERS, "")));
        waitUntil(() -> tierNames(context).containsAll(expected));
        List<ServiceReference<StorageTier>> tiers = new ArrayList<>(
                context.getServiceReferences(StorageTier.class, null));
        tiers.sort(Comparator.reverseOrder()); // highest service.ranking first
        List<String> names = new ArrayList<>();
        for (ServiceReference<StorageTier> tier : tiers) {
            String name = String.valueOf(tier.getProperty(StorageTier.TIER_NAME));
            names.add(name);
            report.setProperty("tier." + name + ".ranking", String.valueOf(tier.getProperty(StorageTier.RANKING)));
            report.setProperty("tier." + name + ".kind", String.valueOf(tier.getProperty(StorageTier.TIER_KIND)));
            report.setProperty("tier." + name + ".bundle", tier.getBundle().getSymbolicName());
            StorageTier service = context.getService(tier);
            if (service != null) {
                try {
                    TierHealth health = service.health();
                    report.setProperty("tier." + name + ".health", health.status().name());
                    report.setProperty("tier." + name + ".reason", health.reason());
                } finally {
                    context.ungetService(tier);
                }
            }
        }
        report.setProperty("tiers", String.join(",", names));
    }

    private static Set<String> tierNames(BundleContext context) {
        try {
            return context.getServiceReferences(StorageTier.class, null).stream()
                    .map(r -> String.valueOf(r.getProperty(StorageTier.TIER_NAME))).collect(Collectors.toSet());
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Saves {@link #KEY} through the coordinator, as the view or the command line would, and reads it back. */
    private void saveThroughCoordinator(BundleContext context) throws Exception {
        ServiceTracker<SyncCoordinator, SyncCoordinator> tracker = new ServiceTracker<>(context,
                SyncCoordinator.class, null);
        tracker.open();
        try {
            SyncCoordinator coordinator = tracker.waitForService(WAIT_MS);
            report.setProperty("coordinator", coordinator == null ? "missing" : "present");
            if (coordinator == null) {
                return;
            }
            coordinator.put(KEY, ConfigJson.newObject().put("name", NAME));
            ConfigDocument read = coordinator.get(KEY).orElse(null);
            report.setProperty("coordinator.readBack",
                    read == null ? "nothing" : read.body().path("name").asText("no name"));
        } finally {
            tracker.close();
        }
    }

    /** Opens the view the way Window > Show View does and waits until it shows the saved config. */
    private void openView(IWorkbench workbench) throws Exception {
        Display display = workbench.getDisplay();
        AtomicReference<Composite> content = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        display.syncExec(() -> {
            try {
                IWorkbenchWindow window = workbench.getActiveWorkbenchWindow() != null
                        ? workbench.getActiveWorkbenchWindow()
                        : workbench.getWorkbenchWindows()[0];
                IWorkbenchPage page = window.getActivePage();
                IViewPart view = page.showView(VIEW_ID);
                report.setProperty("view.class", view.getClass().getName());
                report.setProperty("view.title", view.getTitle());
                report.setProperty("view.bundle", FrameworkUtil.getBundle(view.getClass()) == null ? "none"
                        : FrameworkUtil.getBundle(view.getClass()).getSymbolicName());
                MPart part = view.getSite().getService(MPart.class);
                boolean own = part != null && part.getWidget() instanceof Composite;
                report.setProperty("view.scope", own ? "part" : "window");
                content.set(own ? (Composite) part.getWidget() : window.getShell());
                // The preference page and the backup wizards, where Window > Preferences and File > Export
                // and Import look for them.
                var preferences = workbench.getPreferenceManager().find(PREFERENCES_ID);
                report.setProperty("preferences.page", preferences == null ? "missing" : preferences.getLabelText());
                var export = workbench.getExportWizardRegistry().findWizard(EXPORT_ID);
                report.setProperty("wizard.export", export == null ? "missing" : export.getLabel());
                var importing = workbench.getImportWizardRegistry().findWizard(IMPORT_ID);
                report.setProperty("wizard.import", importing == null ? "missing" : importing.getLabel());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        AtomicReference<List<String>> rows = new AtomicReference<>(List.of());
        AtomicReference<String> status = new AtomicReference<>("");
        waitUntil(() -> {
            display.syncExec(() -> {
                rows.set(tableRows(content.get()));
                status.set(firstLabel(content.get()));
            });
            return rows.get().contains(KEY.toString()) && status.get().contains("tiers:");
        });
        report.setProperty("view.rows", String.join(",", rows.get()));
        report.setProperty("view.status", status.get());
    }

    /**
     * @return "type/id" of every config row under the control: the view's tree groups configs under a node
     *         per type ("notes (3)"), with the id in the second column; a table has type and id columns
     */
    private static List<String> tableRows(Control control) {
        List<String> rows = new ArrayList<>();
        if (control instanceof Table table) {
            for (TableItem item : table.getItems()) {
                rows.add(item.getText(0) + "/" + item.getText(1));
            }
        } else if (control instanceof Tree tree) {
            for (TreeItem typeNode : tree.getItems()) {
                String type = typeNode.getText(0).replaceFirst(" \\(.*$", "");
                for (TreeItem config : typeNode.getItems()) {
                    rows.add(type + "/" + config.getText(1));
                }
            }
        } else if (control instanceof Composite composite) {
            for (Control child : composite.getChildren()) {
                rows.addAll(tableRows(child));
            }
        }
        return rows;
    }

    /** @return the text of the first non-empty label under the control (the view's status line) */
    private static String firstLabel(Control control) {
        if (control instanceof Label label && !label.getText().isEmpty()) {
            return label.getText();
        }
        if (control instanceof Composite composite) {
            for (Control child : composite.getChildren()) {
                String text = firstLabel(child);
                if (!text.isEmpty()) {
                    return text;
                }
            }
        }
        return "";
    }

    /** Records every bundle's state; for a bundle that did not resolve, why. */
    private void bundles(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            String name = bundle.getSymbolicName();
            report.setProperty("bundle." + name, state(bundle.getState()));
            if (bundle.getState() == Bundle.INSTALLED) {
                try {
                    bundle.start(Bundle.START_TRANSIENT); // fails with the resolver's reason
                } catch (BundleException | RuntimeException e) {
                    report.setProperty("bundle." + name + ".error", String.valueOf(e.getMessage()));
                }
            }
        }
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> String.valueOf(state);
        };
    }

    /** Writes the report whole (a temporary file renamed), so a reader never sees half of it. */
    private void write(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, "probe", ".tmp");
        try (OutputStream out = Files.newOutputStream(temporary)) {
            report.store(out, "Streamkit Sync install probe");
        }
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static List<String> split(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
