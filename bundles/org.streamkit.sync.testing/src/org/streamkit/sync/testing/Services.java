package org.streamkit.sync.testing;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.StorageTier;

/** Gets services the way users' code does: from the registry, through a tracker, with a time limit. */
public final class Services {

    /** How long a test waits for a service to appear before it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Services() {
    }

    /** @return the bundle context of the test bundle that calls */
    public static BundleContext context(Class<?> caller) {
        var bundle = FrameworkUtil.getBundle(caller);
        if (bundle == null) {
            throw new IllegalStateException(caller.getName() + " is not running inside an OSGi framework");
        }
        if (bundle.getBundleContext() == null) {
            try {
                bundle.start();
            } catch (org.osgi.framework.BundleException e) {
                throw new IllegalStateException("Could not start " + bundle.getSymbolicName(), e);
            }
        }
        return bundle.getBundleContext();
    }

    /**
     * Waits for a service matching an LDAP filter.
     *
     * @throws AssertionError when none appears within {@link #TIMEOUT}
     */
    public static <T> T await(Class<?> caller, Class<T> type, String filter) {
        BundleContext context = context(caller);
        String full = filter == null ? "(objectClass=" + type.getName() + ")"
                : "(&(objectClass=" + type.getName() + ")" + filter + ")";
        ServiceTracker<T, T> tracker;
        try {
            tracker = new ServiceTracker<>(context, context.createFilter(full), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        tracker.open();
        try {
            T service = tracker.waitForService(TIMEOUT.toMillis());
            if (service == null) {
                throw new AssertionError("No service " + full + " appeared within " + TIMEOUT.toSeconds() + " s");
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + full, e);
        } finally {
            // The service object stays valid while its bundle runs; the tracker is no longer needed.
            tracker.close();
        }
    }

    /** Waits for the storage tier registered under a name. */
    public static StorageTier tier(Class<?> caller, String name) {
        return await(caller, StorageTier.class, "(" + StorageTier.TIER_NAME + "=" + name + ")");
    }

    /** @return every registered storage tier reference, highest {@code service.ranking} first */
    public static List<ServiceReference<StorageTier>> tierReferences(Class<?> caller) {
        try {
            var refs = context(caller).getServiceReferences(StorageTier.class, null);
            return refs.stream().sorted(Comparator.<ServiceReference<StorageTier>>naturalOrder().reversed()).toList();
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the ranking property of a reference, 0 when absent (as OSGi treats it) */
    public static int ranking(ServiceReference<?> reference) {
        return reference.getProperty(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }
}
