package org.streamkit.sync.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.tier.memory.MemoryStore;

/** One device for tests: a coordinator over two in-memory local tiers and any remote tiers, on a manual timer. */
final class Device implements AutoCloseable {

    final MemoryStore cache;
    final MemoryStore primary;
    final Coordinator coordinator;
    final List<String> events = new ArrayList<>();
    private final CoordinatorStore store;

    Device(Path stateFolder, Timer timer, Settings settings, FakeRemote... remotes) throws StorageException {
        this(stateFolder, timer, settings, new MemoryStore("memory"), new MemoryStore("xodus"), remotes);
    }

    Device(Path stateFolder, Timer timer, Settings settings, MemoryStore cache, MemoryStore primary, FakeRemote... remotes)
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
        coordinator.addTier(new Coordinator.Tier(cache, "memory", 500, 1, false, Duration.ZERO));
        coordinator.addTier(new Coordinator.Tier(primary, "xodus", 400, 2, false, Duration.ZERO));
        int ranking = 200;
        for (FakeRemote remote : remotes) {
            coordinator.addTier(remote.asTier(ranking--, Duration.ofSeconds(1)));
        }
    }

    static Settings settings() {
        return new Settings(false, 20, Duration.ZERO, true, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    @Override
    public void close() {
        coordinator.close();
        store.close();
    }
}
