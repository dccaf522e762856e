package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.streamkit.sync.api.ConfigKey;

/**
 * What the parts of the coordinator share: its durable store, the tier chain, time, the background
 * executor, settings, events, metrics, the per-config locks, and the switches (work offline, closed).
 * It also remembers which remote tiers failed their last call, so that the first success after a failure
 * (the remote is back) sends what waited for it at once.
 */
final class SyncContext {

    final CoordinatorStore store;
    final TierChain tiers = new TierChain();
    final Timer timer;
    final Executor background;
    final Settings settings;
    final EventSink events;
    final Metrics metrics = new Metrics();
    /** The user's "work offline": no delivery, no pull, no remote read. */
    volatile boolean offline;
    volatile boolean closed;
    private final Object[] locks = new Object[128];
    private final Set<String> unreachable = ConcurrentHashMap.newKeySet();

    SyncContext(CoordinatorStore store, Timer timer, Executor background, Settings settings, EventSink events) {
        this.store = store;
        this.timer = timer;
        this.background = background;
        this.settings = settings;
        this.events = events;
        this.offline = store.workOffline();
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /** @return the lock that orders every change of one config on this device */
    Object lockOf(ConfigKey key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    /** @return the remote tiers writes are queued for: every one ever seen (and not turned off) */
    Set<String> remoteNames() {
        Set<String> names = new TreeSet<>(store.knownRemotes());
        for (Coordinator.Tier t : tiers.remotes()) {
            names.add(t.name());
        }
        return names;
    }

    /** @return whether writes to this remote tier can go now: it is registered and up, and the user is online */
    boolean reachable(String remote) {
        return !offline && tiers.remote(remote).filter(Coordinator.Tier::available).isPresent();
    }

    Duration debounce(String remote) {
        return tiers.remote(remote).map(Coordinator.Tier::debounce).orElse(Duration.ofSeconds(1));
    }

    /** A call to the remote failed for a reason of the remote's (unreachable, unreadable). */
    void failedOn(String remote) {
        unreachable.add(remote);
    }

    /** @return whether the remote answered after a failure: it is back */
    boolean answeredBy(String remote) {
        return unreachable.remove(remote);
    }
}
