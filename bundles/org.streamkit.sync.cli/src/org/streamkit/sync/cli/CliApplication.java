package org.streamkit.sync.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;
import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * The headless Streamkit application ({@code org.streamkit.sync.cli.app}): runs one command against the
 * sync coordinator of the workspace given with {@code -data}, and returns its exit code. It holds the
 * workspace while it runs (Eclipse's workspace lock), and says so at once when another process holds it.
 */
public final class CliApplication implements IApplication {

    /** Runtime options of Secure Storage that the launcher passes and a command must not see. */
    private static final Set<String> RUNTIME_OPTIONS = Set.of("-eclipse.keyring", "-eclipse.password");
    /** System property: the workspace's command socket, for a one-off command to remove when it is stale. */
    static final String STALE_CHANNEL = "streamkit.channel.stale";

    @Override
    public Object start(IApplicationContext context) throws Exception {
        String[] args = commandArguments((String[]) context.getArguments().getOrDefault(IApplicationContext.APPLICATION_ARGS,
                new String[0]));
        BundleContext bundleContext = FrameworkUtil.getBundle(CliApplication.class).getBundleContext();
        String command = args.length == 0 ? "help" : args[0];
        try (CliServices services = new CliServices(bundleContext)) {
            Location workspace = command.equals("help") || command.equals("--help") ? null : services.instanceArea();
            if (workspace != null && !hold(workspace)) {
                System.err.println("streamkit: " + command + ": the workspace " + where(workspace) + " is in use by another"
                        + " Streamkit process that takes no commands (a workbench or daemon started by ./streamkit takes them;"
                        + " this one was started otherwise, or is a command still running). Wait for it to end, or stop it.");
                return Cli.FAILURE;
            }
            if (workspace != null) {
                removeStaleChannel();
            }
            try {
                if (command.equals("daemon")) {
                    return daemon(services, args, workspace);
                }
                return services.cli(System.out, System.err, System.in).run(args);
            } finally {
                if (workspace != null) {
                    workspace.release();
                }
            }
        }
    }

    /** @return whether this process holds the workspace now (false: another process does) */
    private static boolean hold(Location workspace) {
        try {
            return workspace.lock();
        } catch (IOException | IllegalStateException e) {
            return true; // a workspace that cannot be locked (read-only, or no lock file): nothing to wait for
        }
    }

    /**
     * Removes the command socket of this workspace that an instance killed without closing it left behind
     * (the launcher names it in {@value #STALE_CHANNEL}): this process holds the workspace, so no instance
     * takes its commands, and the next command then starts without first trying to forward.
     */
    private static void removeStaleChannel() {
        String stale = System.getProperty(STALE_CHANNEL, "");
        if (!stale.isBlank()) {
            try {
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(stale));
            } catch (IOException | RuntimeException e) {
                // it stays; the next command tries it and runs headless, as this one did
            }
        }
    }

    private static String where(Location workspace) {
        return workspace.getURL() == null ? "" : workspace.getURL().getPath();
    }

    /**
     * {@code daemon}: keeps this workspace syncing without a screen (pulls on start, live events, periodic
     * sync, the outbox), and takes the commands {@code ./streamkit} forwards to it, until stopped.
     */
    private static int daemon(CliServices services, String[] args, Location workspace) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("streamkit: usage: streamkit daemon");
            return Cli.USAGE;
        }
        services.coordinator();
        String channel = System.getProperty(CommandChannelComponent.SOCKET, "");
        System.out.println("Streamkit daemon on " + (workspace == null ? "this workspace" : where(workspace)) + ": syncing"
                + (channel.isBlank() ? "" : "; ./streamkit commands on this workspace are run by it") + ". Stop it with Ctrl+C.");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
        return Cli.OK;
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

    @Override
    public void stop() {
        // a command ends by itself; "server" ends with the process
    }
}
