package org.streamkit.sync.ui.tests;

import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.support.ForwardingStorageTier;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.TestRemote;

/**
 * A remote tier for the UI tests, registered as an OSGi service like the cloud tier: the shared
 * {@link TestRemote} (an in-memory server with the local server's semantics) behind a link that can be cut,
 * refusing for good the configs whose id is on its list. Its debounce is a minute, so a change stays pending
 * until Sync Now sends it. Once registered it stays for the rest of the test run (the coordinator remembers
 * every remote it has seen).
 */
final class TestRemoteTier extends ForwardingStorageTier {

    static final String NAME = "ui-test-remote";

    private static TestRemoteTier installed;

    private final TestRemote remote = new TestRemote(NAME);
    private final AtomicReference<HeldListing> held = new AtomicReference<>();

    /** A listing that waits on its way until released (at most a minute): a slow link, at a chosen moment. */
    static final class HeldListing {
        private final String type;
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);

        private HeldListing(String type) {
            this.type = type;
        }

        /** @return whether a listing is waiting in it */
        boolean waiting() {
            return entered.getCount() == 0;
        }

        void release() {
            release.countDown();
        }
    }

    private TestRemoteTier() {
    }

    /** @return the tier, registered with the coordinator on the first call */
    static synchronized TestRemoteTier install(Class<?> caller) {
        if (installed == null) {
            installed = new TestRemoteTier();
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(StorageTier.RANKING, 150);
            properties.put(StorageTier.TIER_NAME, NAME);
            properties.put(StorageTier.TIER_KIND, StorageTier.KIND_REMOTE);
            properties.put(StorageTier.DEBOUNCE_MS, 60_000L);
            Services.context(caller).registerService(StorageTier.class, installed, properties);
        }
        return installed;
    }

    void reachable(boolean now) {
        remote.partition(!now);
    }

    void refuse(String id) {
        remote.refuse(id);
    }

    /** @return what the server holds for a key (no link needed: this is the server's own view) */
    Optional<ConfigDocument> stored(ConfigKey key) {
        return remote.server().stored(key);
    }

    /** @return a hold that the next listing of a type's keys waits in */
    HeldListing holdNextListing(String type) {
        HeldListing hold = new HeldListing(type);
        held.set(hold);
        return hold;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        HeldListing hold = held.get();
        if (hold != null && hold.type.equals(type) && held.compareAndSet(hold, null)) {
            hold.entered.countDown();
            try {
                hold.release.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return super.listKeys(type);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected StorageTier delegate() {
        return remote;
    }
}
