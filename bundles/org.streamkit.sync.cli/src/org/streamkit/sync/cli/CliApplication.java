package org.streamkit.sync.cli;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;
import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.support.StateLocations;

/**
 * The headless Streamkit application ({@code org.streamkit.sync.cli.app}): runs one command against the
 * sync coordinator of the workspace given with {@code -data}, and returns its exit code.
 */
public final class CliApplication implements IApplication {

    @Override
    public Object start(IApplicationContext context) throws Exception {
        String[] args = (String[]) context.getArguments().getOrDefault(IApplicationContext.APPLICATION_ARGS, new String[0]);
        BundleContext bundleContext = FrameworkUtil.getBundle(CliApplication.class).getBundleContext();
        ServiceTracker<SyncCoordinator, SyncCoordinator> tracker = new ServiceTracker<>(bundleContext, SyncCoordinator.class, null);
        tracker.open();
        try {
            Cli cli = new Cli(() -> {
                try {
                    SyncCoordinator c = tracker.waitForService(TimeUnit.SECONDS.toMillis(30));
                    if (c == null) {
                        throw new IllegalStateException("the sync coordinator did not start within 30 s");
                    }
                    return c;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
            }, System.out, System.err, System.in, serverFolder(bundleContext));
            return cli.run(args);
        } finally {
            tracker.close();
        }
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
