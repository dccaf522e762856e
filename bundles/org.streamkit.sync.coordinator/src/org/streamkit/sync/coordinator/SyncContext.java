package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

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
    /** The remote tiers whose program is on air now (OBS streaming or recording). */
    final Set<String> onAir = ConcurrentHashMap.newKeySet();
    /** The user's "work offline": no delivery, no pull, no remote read. */
    volatile boolean offline;
    volatile boolean closed;
    private final Object[] locks = new Object[128];
    private final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    /**
     * The durable local tiers seen before, each with whether it missed a write since it last held what the
     * others hold (kept in the store too, so a tier that was away when a write happened is backfilled when
     * it joins, in this run or a later one).
     */
    private final Map<String, Boolean> locals = new ConcurrentHashMap<>();
    /** How many writes each durable local tier missed in this run: a backfill counts only if none came meanwhile. */
    private final Map<String, Long> misses = new ConcurrentHashMap<>();
    /** Open until the local tiers were compared after a run that did not stop cleanly (open at once otherwise). */
    private final java.util.concurrent.CountDownLatch repaired = new java.util.concurrent.CountDownLatch(1);
    /** The durable local tiers known to hold every write the others hold: a listing reads the first of them alone. */
    private final Set<String> inStep = ConcurrentHashMap.newKeySet();

    SyncContext(CoordinatorStore store, Timer timer, Executor background, Settings settings, EventSink events) {
        this.store = store;
        this.timer = timer;
        this.background = background;
        this.settings = settings;
        this.events = events;
        this.offline = store.workOffline();
        this.locals.putAll(store.localTiers());
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /** @return the lock that orders every change of one config on this device */
    Object lockOf(ConfigKey key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    /** Work done while holding the locks of several configs. */
    interface Locked<T> {
        T run() throws StorageException;
    }

    /**
     * Runs {@code work} holding the locks of every key given, taken in one order (their index), so two
     * batches never wait for each other. Everything else holds one config's lock at a time.
     */
    <T> T withLocks(java.util.Collection<ConfigKey> keys, Locked<T> work) throws StorageException {
        java.util.BitSet which = new java.util.BitSet(locks.length);
        for (ConfigKey key : keys) {
            which.set(Math.floorMod(key.hashCode(), locks.length));
        }
        return withLocks(which.stream().toArray(), 0, work);
    }

    private <T> T withLocks(int[] indexes, int from, Locked<T> work) throws StorageException {
        if (from == indexes.length) {
            return work.run();
        }
        synchronized (locks[indexes[from]]) {
            return withLocks(indexes, from + 1, work);
        }
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

    /** @return whether versions from elsewhere wait before they go to this remote tier: it is on air */
    boolean holding(String remote) {
        return settings.holdWhileLive() && onAir.contains(remote);
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

    /** The local tiers are consistent: after a crash, they were compared and repaired. */
    void repaired() {
        repaired.countDown();
    }

    /**
     * Waits, bounded, until the local tiers are consistent, so that after a crash no edit is acknowledged
     * while a backup still lacks the last writes of the run that crashed. After the bound, edits go ahead
     * (and nothing waits again): the tiers are compared as they join, and what they lack is repaired then.
     *
     * @return whether they are consistent
     */
    boolean awaitRepaired(Duration limit) {
        try {
            if (repaired.await(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        repaired.countDown();
        return false;
    }

    /** @return whether a durable local tier was seen before and has missed no write since it last held everything */
    boolean holdsEverything(String local) {
        return Boolean.FALSE.equals(locals.get(local));
    }

    /** @return the writes a durable local tier missed in this run so far (to compare after a backfill) */
    long missesOf(String local) {
        return misses.getOrDefault(local, 0L);
    }

    /**
     * Notes the durable local tiers that did not store a write (gone, or failed): they leave the listing's
     * fast path and are backfilled when they join again.
     *
     * @param tried  the durable local tiers it was given to
     * @param stored those that stored it
     */
    void storedBy(Set<String> tried, Set<String> stored) {
        for (String local : locals.keySet()) {
            if (!stored.contains(local)) {
                missedBy(local);
            }
        }
        for (String local : tried) {
            if (!stored.contains(local) && !locals.containsKey(local)) {
                missedBy(local); // a tier still joining: its backfill then does not count
            }
        }
    }

    private synchronized void missedBy(String local) {
        misses.merge(local, 1L, Long::sum);
        inStep.remove(local);
        if (!Boolean.TRUE.equals(locals.put(local, true))) {
            try {
                store.localTier(local, true);
            } catch (RuntimeException e) { // the state store is closing: the next start compares every tier anyway
                LoggerFactory.getLogger(SyncContext.class).debug("Could not note that {} missed a write: {}", local, e.toString());
            }
        }
    }

    /**
     * A durable local tier holds everything the others hold: after a backfill, unless it missed a write
     * while that ran, or when it joined with nothing to catch up on.
     *
     * @param missesBefore {@link #missesOf} when the backfill started
     * @return whether it counts as in step now
     */
    synchronized boolean caughtUp(String local, long missesBefore) {
        if (missesOf(local) != missesBefore) {
            return false;
        }
        if (!Boolean.FALSE.equals(locals.put(local, false))) {
            store.localTier(local, false);
        }
        inStep.add(local);
        return true;
    }

    /** A durable local tier left the chain: listings no longer rely on it. */
    void left(String local) {
        inStep.remove(local);
    }

    /**
     * @return the first available durable local tier, when every available durable local tier is in step
     *         (so that one holds everything the local tiers hold), else null
     */
    Coordinator.Tier soleSource() {
        Coordinator.Tier first = null;
        for (Coordinator.Tier t : tiers.availableLocals()) {
            if (!t.durable()) {
                continue;
            }
            if (!inStep.contains(t.name())) {
                return null;
            }
            if (first == null) {
                first = t;
            }
        }
        return first;
    }
}
