package org.streamkit.sync.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;
import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.support.StateLocations;

/**
 * The headless Streamkit application ({@code org.streamkit.sync.cli.app}): runs one command against the
 * sync coordinator of the workspace given with {@code -data}, and returns its exit code.
 */
public final class CliApplication implements IApplication {

    /** Runtime options of Secure Storage that the launcher passes and a command must not see. */
    private static final Set<String> RUNTIME_OPTIONS = Set.of("-eclipse.keyring", "-eclipse.password");

    @Override
    public Object start(IApplicationContext context) throws Exception {
        String[] args = commandArguments((String[]) context.getArguments().getOrDefault(IApplicationContext.APPLICATION_ARGS,
                new String[0]));
        BundleContext bundleContext = FrameworkUtil.getBundle(CliApplication.class).getBundleContext();
        ServiceTracker<SyncCoordinator, SyncCoordinator> tracker = new ServiceTracker<>(bundleContext, SyncCoordinator.class, null);
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admin = new ServiceTracker<>(bundleContext, ConfigurationAdmin.class, null);
        tracker.open();
        admin.open();
        try {
            Supplier<RemoteSettings> settings = () -> new RemoteSettings(await(admin, "Configuration Admin"), secureStorage());
            Cli cli = new Cli(() -> await(tracker, "the sync coordinator"), settings,
                    () -> configuredRemotes(bundleContext, settings.get()), System.out, System.err, System.in,
                    serverFolder(bundleContext));
            return cli.run(args);
        } finally {
            admin.close();
            tracker.close();
        }
    }

    /** @return the arguments without the Secure Storage runtime options (and their values) */
    static String[] commandArguments(String[] all) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            if (RUNTIME_OPTIONS.contains(all[i])) {
                i++; // and its value
            } else {
                out.add(all[i]);
            }
        }
        return out.toArray(String[]::new);
    }

    private static <T> T await(ServiceTracker<T, T> tracker, String what) {
        try {
            T service = tracker.waitForService(TimeUnit.SECONDS.toMillis(30));
            if (service == null) {
                throw new IllegalStateException(what + " did not start within 30 s");
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static ISecurePreferences secureStorage() {
        try {
            return SecurePreferencesFactory.getDefault();
        } catch (RuntimeException e) {
            return null; // said when a secret is needed
        }
    }

    /** @return the remote tiers the settings turn on: the cloud once it has a URL, OBS when its tier is installed */
    private static Set<String> configuredRemotes(BundleContext context, RemoteSettings settings) {
        Set<String> remotes = new TreeSet<>();
        try {
            Map<String, Object> cloud = settings.read(RemoteSettings.CLOUD_PID);
            if (!String.valueOf(cloud.getOrDefault("url", "")).isBlank() && RemoteSettings.enabled(cloud)) {
                remotes.add("cloud");
            }
            if (installed(context, "org.streamkit.sync.tier.obs") && RemoteSettings.enabled(settings.read(RemoteSettings.OBS_PID))) {
                remotes.add("obs");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the settings could not be read: " + e.getMessage(), e);
        }
        return remotes;
    }

    private static boolean installed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return true;
            }
        }
        return false;
    }

    /** {@code <workspace>/.metadata/.plugins/org.streamkit.sync.cli/server}: the local server's data. */
    private static Path serverFolder(BundleContext context) throws InvalidSyntaxException {
        ServiceTracker<Location, Location> instance = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + Location.class.getName() + ")(type=osgi.instance.area))"), null);
        instance.open();
        try {
            return StateLocations.of(instance.getService(), context, "server");
        } finally {
            instance.close();
        }
    }

    @Override
    public void stop() {
        // a command ends by itself; "server" ends with the process
    }
}
