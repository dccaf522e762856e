package org.streamkit.sync.ui.internal;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.SyncCoordinator;

/**
 * A part's link to the {@link SyncCoordinator} service: follows it as it comes and goes, and receives
 * the coordinator's EventAdmin events on the given topics. Events and service changes arrive on other
 * threads; the callbacks hand their work on to jobs or the display.
 */
public final class CoordinatorLink implements AutoCloseable {

    private final ServiceTracker<SyncCoordinator, SyncCoordinator> tracker;
    private final ServiceRegistration<EventHandler> events;

    public CoordinatorLink(String[] topics, EventHandler handler, Runnable serviceChanged) {
        BundleContext context = FrameworkUtil.getBundle(CoordinatorLink.class).getBundleContext();
        tracker = new ServiceTracker<>(context, SyncCoordinator.class, null) {
            @Override
            public SyncCoordinator addingService(ServiceReference<SyncCoordinator> reference) {
                SyncCoordinator coordinator = super.addingService(reference);
                serviceChanged.run();
                return coordinator;
            }

            @Override
            public void removedService(ServiceReference<SyncCoordinator> reference, SyncCoordinator service) {
                super.removedService(reference, service);
                serviceChanged.run();
            }
        };
        tracker.open();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(EventConstants.EVENT_TOPIC, topics);
        events = context.registerService(EventHandler.class, handler, properties);
    }

    /** @return the coordinator now, or null when none is running */
    public SyncCoordinator get() {
        return tracker.getService();
    }

    /** @return the coordinator, waiting for it at most this long; null when none came */
    public SyncCoordinator await(long millis) throws InterruptedException {
        return tracker.waitForService(millis);
    }

    @Override
    public void close() {
        try {
            events.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping: the framework has unregistered it
        }
        tracker.close();
    }
}
