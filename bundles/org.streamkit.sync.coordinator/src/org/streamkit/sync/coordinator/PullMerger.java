package org.streamkit.sync.coordinator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncState;

/**
 * Pulls and merges. A pull reads what changed on a remote tier after its stored cursor, merges each version
 * into the local tiers and moves the cursor past a page only once every version of it is stored on a
 * durable local tier. A read from the beginning (the first time, or after the remote lost its history) also
 * queues what this device holds and the remote lacks. A merge is last write wins by the edits' own stamps
 * (see {@link ConfigDocument#VERSION_ORDER}); a config changed on both sides is a conflict, resolved
 * automatically (the loser to history) or left open (policy "ask"). A version taken from one remote is
 * queued for every other remote. Nothing missing from a remote is ever deleted locally.
 */
final class PullMerger {

    private static final Logger LOG = LoggerFactory.getLogger(PullMerger.class);
    private static final int PAGE = 200;

    private final SyncContext sync;
    private final LocalWriter writer;
    private final Delivery delivery;
    private final InFlight inFlight;
    private final ReadPath reads;
    /** Per tier: a pull runs, and whether another was asked for meanwhile (it then runs once more). */
    private final Map<String, AtomicBoolean> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> again = new ConcurrentHashMap<>();

    PullMerger(SyncContext sync, LocalWriter writer, Delivery delivery, InFlight inFlight, ReadPath reads) {
        this.sync = sync;
        this.writer = writer;
        this.delivery = delivery;
        this.inFlight = inFlight;
        this.reads = reads;
    }

    /**
     * Pulls from one remote tier until it has nothing more. One pull of a tier runs at a time; one asked for
     * while it runs runs once more after it, so no notification is lost.
     *
     * @return whether the pull (and any it ran again) read the remote to its end
     */
    boolean pull(Coordinator.Tier tier) {
        if (sync.offline || sync.closed || !sync.tiers.ready()) {
            return false; // a coordinator that becomes ready pulls every remote
        }
        AtomicBoolean busy = running.computeIfAbsent(tier.name(), n -> new AtomicBoolean());
        AtomicBoolean more = again.computeIfAbsent(tier.name(), n -> new AtomicBoolean());
        more.set(true);
        boolean complete = true;
        while (more.get() && busy.compareAndSet(false, true)) {
            try {
                while (more.getAndSet(false) && !sync.closed) {
                    complete = pullOnce(tier);
                }
            } finally {
                busy.set(false);
            }
        }
        return complete;
    }

    /**
     * Pulls as {@link #pull} does and, when a pull of the tier was already running in another thread (which
     * then runs once more for this request), waits until that one has ended too, so what the remote held
     * when this was called is stored here when it returns.
     */
    void pullNow(Coordinator.Tier tier) {
        pull(tier);
        AtomicBoolean busy = running.get(tier.name());
        AtomicBoolean more = again.get(tier.name());
        while (busy != null && (busy.get() || more != null && more.get()) && !sync.closed && !sync.offline && sync.tiers.ready()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!busy.get() && more != null && more.get()) {
                pull(tier); // asked for while the other pull was ending: run it here
            }
        }
    }

    private boolean pullOnce(Coordinator.Tier tier) {
        String cursor = sync.store.cursor(tier.name());
        // Read from the beginning, the pull sees everything the remote holds: what it lacks is sent after.
        Set<ConfigKey> seen = cursor == null ? new HashSet<>() : null;
        int merged = 0;
        try {
            tier.tier().localTypes(reads.localTypes());
            Changes page;
            do {
                page = tier.tier().changedSince(cursor, PAGE);
                if (page.restarted() && seen == null) {
                    LOG.info("Sync pull from {}: it lost the history since this device's last pull; reading it whole"
                            + " and sending what it lacks", tier.name());
                    seen = new HashSet<>();
                }
                if (seen != null) {
                    for (ConfigDocument d : page.documents()) {
                        seen.add(d.key());
                    }
                }
                // A type the tier does not sync, or a config kept on this machine, is not taken from it.
                List<ConfigDocument> routed = page.documents().stream().filter(d -> sync.store.routes(tier.name(), d.key())).toList();
                mergePage(routed, tier); // a failure to store one ends the pull before the cursor moves
                merged += page.documents().size();
                cursor = page.nextCursor();
                sync.store.saveCursor(tier.name(), cursor, writer.clock().last());
            } while (page.hasMore() && !sync.closed);
            LOG.info("Sync pull from {}: {} changes merged", tier.name(), merged);
            sync.metrics.clearError(tier.name());
            if (seen != null && !sync.closed) {
                sendMissing(tier, seen);
            }
            delivery.answered(tier);
            return true;
        } catch (IllegalArgumentException e) {
            LOG.warn("Sync pull from {}: its cursor is no longer valid ({}); reading everything again", tier.name(), e.getMessage());
            sync.store.saveCursor(tier.name(), null, null);
            again.get(tier.name()).set(true);
            return false;
        } catch (StorageException | RuntimeException e) {
            if (tier.available()) {
                LOG.warn("Sync pull from {} stopped after {} changes: {}", tier.name(), merged, e.getMessage());
            } else {
                // A tier that says it is down (OBS not running, no network) is expected to fail: not a warning.
                LOG.info("Sync pull from {} skipped: {}", tier.name(), e.getMessage());
            }
            sync.failedOn(tier.name());
            sync.metrics.error(tier.name(), e.getMessage());
            return false;
        }
    }

    /**
     * After reading a remote tier from the beginning: the live configs here that it does not hold are queued
     * for it. A remote added after configs were made here (a first sign-in, OBS turned on again, a slot reset
     * to empty) gets them all, not only the ones edited later.
     */
    private void sendMissing(Coordinator.Tier tier, Set<ConfigKey> seen) throws StorageException {
        List<ConfigDocument> missing = new ArrayList<>();
        for (ConfigDocument mine : reads.localLive()) {
            if (!seen.contains(mine.key())) {
                missing.add(mine);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Instant now = sync.timer.now();
        int queued = sync.store.enqueueMissing(missing, tier.name(), now);
        for (ConfigDocument d : missing) {
            sync.events.state(d.key(), tier.name(), sync.reachable(tier.name()) ? SyncState.PENDING : SyncState.OFFLINE, "");
        }
        LOG.info("Sync to {}: {} configs it does not hold are queued", tier.name(), queued);
        delivery.schedule(now);
    }

    /**
     * Merges a page of versions from a remote tier, as {@link #merge} merges each, holding all their locks:
     * the versions that simply win here (nothing waits to be sent to that remote for them, and they are newer
     * or new) are stored with one write per tier and recorded in one commit; the others are merged one by one.
     */
    private void mergePage(List<ConfigDocument> page, Coordinator.Tier tier) throws StorageException {
        if (page.size() <= 1) {
            for (ConfigDocument theirs : page) {
                merge(theirs, tier, false);
            }
            return;
        }
        Map<ConfigKey, ConfigDocument> byKey = new LinkedHashMap<>();
        for (ConfigDocument theirs : page) {
            writer.clock().observe(theirs.updatedAt());
            byKey.merge(theirs.key(), theirs, (a, b) -> b.isNewerThan(a) ? b : a);
        }
        sync.withLocks(byKey.keySet(), () -> {
            List<ConfigDocument[]> wins = new ArrayList<>();
            for (ConfigDocument theirs : byKey.values()) {
                ConfigDocument mine = writer.ownVersion(theirs.key());
                boolean waiting = sync.store.entry(tier.name(), theirs.key()).isPresent();
                if (!waiting && (mine == null || !mine.sameVersion(theirs) && theirs.isNewerThan(mine))) {
                    wins.add(new ConfigDocument[] { theirs, mine });
                } else {
                    merge(theirs, tier, false);
                }
            }
            takeAll(wins, tier);
            return null;
        });
    }

    /** @return the other remote tiers, each with when a version taken from {@code from} is due there */
    private Map<String, Instant> othersThan(Coordinator.Tier from, Instant now) {
        Map<String, Instant> others = new LinkedHashMap<>();
        for (String other : sync.remoteNames()) {
            if (!other.equals(from.name())) {
                others.put(other, now.plus(sync.debounce(other)));
            }
        }
        return others;
    }

    /** Stores versions of a remote that win here (nothing waits for that remote for them) and passes them on. */
    private void takeAll(List<ConfigDocument[]> wins, Coordinator.Tier from) throws StorageException {
        if (wins.isEmpty()) {
            return;
        }
        List<ConfigDocument> theirs = new ArrayList<>(wins.size());
        wins.forEach(w -> theirs.add(w[0]));
        Instant now = sync.timer.now();
        Map<String, Instant> others = othersThan(from, now);
        // Recorded first, as a local write is: a crash before the local tiers hold them leaves the versions
        // in the outbox, and the next start completes them.
        sync.store.recordTaken(wins, others, sync.settings.historyDepth());
        writer.storeAll(theirs);
        others.values().stream().min(Instant::compareTo).ifPresent(delivery::schedule);
        for (ConfigDocument d : theirs) {
            for (String other : others.keySet()) {
                sync.events.state(d.key(), other, sync.reachable(other) ? SyncState.PENDING : SyncState.OFFLINE, "");
            }
            sync.events.changed(d.key(), d.deleted());
            sync.events.state(d.key(), from.name(), SyncState.SYNCED, "");
        }
    }

    /**
     * Merges one version from a remote tier into the local tiers.
     *
     * @param refused whether it came back from a write the remote refused (a conflict by definition)
     * @throws StorageException when the version wins but no durable local tier stored it
     */
    void merge(ConfigDocument theirs, Coordinator.Tier tier, boolean refused) throws StorageException {
        ConfigKey key = theirs.key();
        writer.clock().observe(theirs.updatedAt());
        synchronized (sync.lockOf(key)) {
            ConfigDocument mine = writer.ownVersion(key);
            Optional<CoordinatorStore.Entry> pending = sync.store.entry(tier.name(), key);
            if (mine == null) {
                take(theirs, tier, pending);
                return;
            }
            if (mine.sameVersion(theirs)) {
                pending.ifPresent(sync.store::delivered);
                sync.events.state(key, tier.name(), SyncState.SYNCED, "");
                return;
            }
            // A version this side had before its waiting write is not a change made elsewhere: the remote is
            // behind, and the waiting write catches it up.
            boolean behind = !refused && pending.isPresent() && sync.store.history(key).stream().anyMatch(h -> h.sameVersion(theirs));
            boolean concurrent = !behind && (refused || pending.isPresent());
            if (concurrent && sync.settings.askOnConflict()) {
                sync.store.saveConflict(new Conflict(key, tier.name(), mine, theirs, sync.timer.now(), ""));
                pending.ifPresent(e -> sync.store.update(e.holding(true)));
                sync.metrics.conflicts.incrementAndGet();
                sync.events.state(key, tier.name(), SyncState.CONFLICT, "Changed here and on " + tier.name());
                LOG.info("Sync {} ← {}: conflict left open for a decision", key, tier.name());
                return;
            }
            boolean theirsWins = theirs.isNewerThan(mine);
            if (concurrent) {
                sync.metrics.conflicts.incrementAndGet();
                sync.store.saveConflict(new Conflict(key, tier.name(), mine, theirs, sync.timer.now(),
                        theirsWins ? "auto:theirs" : "auto:mine"));
                LOG.info("Sync {} ← {}: conflict resolved by last write ({} wins)", key, tier.name(),
                        theirsWins ? tier.name() : "this device");
            }
            if (theirsWins) {
                sync.store.addHistory(mine, sync.settings.historyDepth());
                take(theirs, tier, pending);
            } else {
                sync.store.addHistory(theirs, sync.settings.historyDepth());
                // The remote is behind: make sure it gets this device's version.
                if (pending.isEmpty()) {
                    sync.store.enqueue(mine, Map.of(tier.name(), sync.timer.now()), false); // this device's version
                } else if (pending.get().held() || pending.get().failed()) {
                    sync.store.update(pending.get().holding(false).retryAt(sync.timer.now()));
                }
                delivery.schedule(sync.timer.now());
                sync.events.state(key, tier.name(), SyncState.PENDING, "");
            }
        }
    }

    /** Stores a remote's version that wins here, ends what waited for that remote, and passes it on. */
    private void take(ConfigDocument theirs, Coordinator.Tier from, Optional<CoordinatorStore.Entry> pending)
            throws StorageException {
        ConfigKey key = theirs.key();
        writer.store(theirs);
        Instant now = sync.timer.now();
        Map<String, Instant> others = othersThan(from, now);
        if (pending.isPresent() && inFlight.sending(from.name(), key)) {
            // An older version of this device is being written there right now and may land over this one:
            // check that remote again once the write is done.
            others.put(from.name(), now);
        } else {
            pending.ifPresent(sync.store::delivered);
        }
        sync.store.enqueue(theirs, others);
        others.values().stream().min(Instant::compareTo).ifPresent(delivery::schedule);
        for (String other : others.keySet()) {
            if (!other.equals(from.name())) {
                sync.events.state(key, other, sync.reachable(other) ? SyncState.PENDING : SyncState.OFFLINE, "");
            }
        }
        sync.events.changed(key, theirs.deleted());
        sync.events.state(key, from.name(), SyncState.SYNCED, "");
    }
}
