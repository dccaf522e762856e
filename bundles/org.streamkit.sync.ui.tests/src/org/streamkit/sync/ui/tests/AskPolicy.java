package org.streamkit.sync.ui.tests;

import java.util.Hashtable;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.testing.Services;

/**
 * Sets the coordinator's conflict policy to "ask" through Configuration Admin, as a user's configuration
 * does (PID {@value #PID}), and puts the default back afterwards. The coordinator component restarts on
 * each change over the same sync state, so each step waits for the coordinator of the new configuration.
 */
final class AskPolicy implements AutoCloseable {

    static final String PID = "org.streamkit.sync.coordinator";

    private final ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admins;
    private final Configuration configuration;

    private AskPolicy(Class<?> caller) throws Exception {
        // Held open while in use: Configuration Admin is a service factory, its objects die with the use.
        admins = new ServiceTracker<>(Services.context(caller), ConfigurationAdmin.class, null);
        admins.open();
        ConfigurationAdmin admin = admins.waitForService(Services.TIMEOUT.toMillis());
        if (admin == null) {
            throw new AssertionError("Configuration Admin is not running");
        }
        configuration = admin.getConfiguration(PID, "?");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("conflictPolicy", "ask");
        configuration.update(properties);
    }

    /** Sets the policy to "ask". @return the policy, to close when done */
    static AskPolicy set(Class<?> caller) throws Exception {
        return new AskPolicy(caller);
    }

    /** @return the coordinator that runs with the "ask" policy */
    static SyncCoordinator coordinator(Class<?> caller) {
        return Services.await(caller, SyncCoordinator.class, "(conflictPolicy=ask)");
    }

    @Override
    public void close() throws Exception {
        try {
            configuration.delete();
        } finally {
            admins.close();
        }
    }
}
