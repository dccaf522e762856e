package org.streamkit.sync.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.testing.TestRemote;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * One device for tests: a coordinator over a memory cache and a durable in-memory primary tier, and any
 * remote tiers, on a manual timer.
 */
final class Device implements AutoCloseable {

    final MemoryStore cache;
    final MemoryStore primary;
    final Coordinator coordinator;
    final List<String> events = new ArrayList<>();
    private final CoordinatorStore store;

    Device(Path stateFolder, Timer timer, Settings settings, TestRemote... remotes) throws StorageException {
        this(stateFolder, timer, settings, new MemoryStore("memory"), new MemoryStore("xodus"), remotes);
    }

    Device(Path stateFolder, Timer timer, Settings settings, MemoryStore cache, MemoryStore primary, TestRemote... remotes)
            throws StorageException {
        this.cache = cache;
        this.primary = primary;
        this.store = new CoordinatorStore(stateFolder);
        EventSink sink = new EventSink() {
            @Override
            public synchronized void state(org.streamkit.sync.api.ConfigKey key, String tier,
                    org.streamkit.sync.api.SyncState state, String message) {
                events.add(key + " " + tier + " " + state);
            }

            @Override
            public synchronized void changed(org.streamkit.sync.api.ConfigKey key, boolean deleted) {
                events.add(key + " changed" + (deleted ? " (deleted)" : ""));
            }
        };
        coordinator = new Coordinator(store, timer, Runnable::run, settings, sink);
        coordinator.addTier(Coordinator.Tier.cache(cache, "memory", 500, 1));
        coordinator.addTier(new Coordinator.Tier(primary, "xodus", 400, 2, false, Duration.ZERO));
        int ranking = 200;
        for (TestRemote remote : remotes) {
            coordinator.addTier(tier(remote, ranking--, Duration.ofSeconds(1)));
        }
    }

    static Coordinator.Tier tier(TestRemote remote, int ranking, Duration debounce) {
        return new Coordinator.Tier(remote, remote.name(), ranking, System.identityHashCode(remote), true, debounce);
    }

    /** @return what this device's local tiers hold, read directly */
    LocalCopies local() {
        return new LocalCopies("device", List.of(cache, primary));
    }

    static Settings settings() {
        return new Settings(false, 20, Duration.ZERO, true, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ZERO);
    }

    @Override
    public void close() {
        coordinator.close();
        store.close();
    }
}
