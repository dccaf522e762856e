package org.streamkit.sync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.support.StateLocations;

/**
 * What a command runs against in this process: the sync coordinator, Configuration Admin and Secure
 * Storage, found as services when a command first needs them. Shared by a headless run and by the commands
 * a running instance takes over its channel.
 */
final class CliServices implements AutoCloseable {

    private final BundleContext context;
    private final ServiceTracker<SyncCoordinator, SyncCoordinator> coordinator;
    private final ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admin;
    private final Path serverFolder;

    CliServices(BundleContext context) throws InvalidSyntaxException {
        this.context = context;
        this.coordinator = new ServiceTracker<>(context, SyncCoordinator.class, null);
        this.admin = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        coordinator.open();
        admin.open();
        this.serverFolder = serverFolder(context);
    }

    /** @return a command line that prints to {@code out} and {@code err} and reads {@code in} */
    Cli cli(PrintStream out, PrintStream err, InputStream in) {
        Supplier<RemoteSettings> settings = () -> new RemoteSettings(await(admin, "Configuration Admin"), secureStorage());
        return new Cli(() -> await(coordinator, "the sync coordinator"), settings, () -> configuredRemotes(settings.get()), out, err,
                in, serverFolder);
    }

    /** @return the sync coordinator, once it runs */
    SyncCoordinator coordinator() {
        return await(coordinator, "the sync coordinator");
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
    private Set<String> configuredRemotes(RemoteSettings settings) {
        Set<String> remotes = new TreeSet<>();
        try {
            Map<String, Object> cloud = settings.read(RemoteSettings.CLOUD_PID);
            if (!String.valueOf(cloud.getOrDefault("url", "")).isBlank() && RemoteSettings.enabled(cloud)) {
                remotes.add("cloud");
            }
            if (installed("org.streamkit.sync.tier.obs") && RemoteSettings.enabled(settings.read(RemoteSettings.OBS_PID))) {
                remotes.add("obs");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the settings could not be read: " + e.getMessage(), e);
        }
        return remotes;
    }

    private boolean installed(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return true;
            }
        }
        return false;
    }

    /** @return the instance area (the workspace), or null when there is none */
    Location instanceArea() throws InvalidSyntaxException {
        ServiceTracker<Location, Location> instance = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + Location.class.getName() + ")(type=osgi.instance.area))"), null);
        instance.open();
        try {
            return instance.getService();
        } finally {
            instance.close();
        }
    }

    /** {@code <workspace>/.metadata/.plugins/org.streamkit.sync.cli/server}: the local server's data. */
    private Path serverFolder(BundleContext bundleContext) throws InvalidSyntaxException {
        return StateLocations.of(instanceArea(), bundleContext, "server");
    }

    @Override
    public void close() {
        admin.close();
        coordinator.close();
    }
}
