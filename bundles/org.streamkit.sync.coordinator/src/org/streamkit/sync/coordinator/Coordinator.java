package org.streamkit.sync.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierHealth;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The coordinator, free of OSGi so tests can build it with their own tiers, clock and executor: a façade
 * over its parts, which share a {@link SyncContext}.
 * <ul>
 * <li>{@link TierChain}: the tiers as they come and go, and readiness (a durable local tier is up);
 * nothing is pulled, delivered or acknowledged before;</li>
 * <li>{@link ReadPath}: reads through the chain, refills, listings;</li>
 * <li>{@link LocalWriter}: this device's edits, stamped by its {@link HybridClock} after the version they
 * replace, recorded in the outbox and history, and written to the local tiers;</li>
 * <li>{@link Delivery}: the durable, debounced outbox;</li>
 * <li>{@link PullMerger}: pulls and last-write-wins merges;</li>
 * <li>{@link InFlight}: what delivery is sending now, which merges consult;</li>
 * <li>{@link Conflicts}: conflicts and history; {@link Audit}: the local tiers compared and repaired;
 * {@link Status}: where the tiers and each config stand.</li>
 * </ul>
 * <b>The ordering rule.</b> Every version carries the stamp of the edit that made it (its
 * {@link ConfigDocument#updatedAt()}), made by the device where it was made and carried unchanged by every
 * tier; a server's own times only order its change feed. The later stamp wins (see
 * {@link ConfigDocument#VERSION_ORDER}), for edits, deletes, imports and resolutions alike.
 */
public final class Coordinator implements SyncCoordinator, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    /** How long after start a cache is filled from the durable tiers. */
    static final Duration CACHE_FILL_DELAY = Duration.ofSeconds(2);
    /** The message of a write held while its tier is on air. */
    static final String HELD = "Held while live";

    /** One registered tier, with the properties the coordinator orders and routes by. */
    public record Tier(StorageTier tier, String name, int ranking, long serviceId, boolean remote, boolean durable,
            Duration debounce, Set<String> types) {

        static final Comparator<Tier> ORDER = Comparator.comparingInt(Tier::ranking).reversed()
                .thenComparingLong(Tier::serviceId);

        /** @param types the config types a remote tier syncs ({@link StorageTier#SYNC_TYPES}), empty for every type */
        public Tier {
            types = Set.copyOf(types);
        }

        /** A tier that syncs every config type. */
        public Tier(StorageTier tier, String name, int ranking, long serviceId, boolean remote, boolean durable,
                Duration debounce) {
            this(tier, name, ranking, serviceId, remote, durable, debounce, Set.of());
        }

        /** A tier; a local one is durable (see {@link StorageTier#DURABLE}). */
        public Tier(StorageTier tier, String name, int ranking, long serviceId, boolean remote, Duration debounce) {
            this(tier, name, ranking, serviceId, remote, !remote, debounce);
        }

        /** @return a local tier whose content does not survive the process (a cache) */
        public static Tier cache(StorageTier tier, String name, int ranking, long serviceId) {
            return new Tier(tier, name, ranking, serviceId, false, false, Duration.ZERO);
        }

        boolean available() {
            try {
                return tier.health().available();
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    private final SyncContext sync;
    private final LocalWriter writer;
    private final ReadPath reads;
    private final Delivery delivery;
    private final PullMerger pulls;
    private final Conflicts conflicts;
    private final Checkpoints checkpoints;
    private final Audit audit;
    private final Status status;
    private final Set<String> pullsWaiting = ConcurrentHashMap.newKeySet();
    /** The local tiers that joined in this run. */
    private final Set<String> joined = ConcurrentHashMap.newKeySet();
    /**
     * After a run that did not stop cleanly: the durable local tiers not yet compared with the others
     * (empty otherwise). The store's running mark is cleared at close only once this is empty.
     */
    private final Set<String> afterCrash = ConcurrentHashMap.newKeySet();
    private boolean ownsStore;

    /**
     * A coordinator with its own sync state in {@code stateFolder}, closed with it (for tools, tests and
     * benchmarks; the product's component manages its store itself).
     */
    public static Coordinator open(Path stateFolder, Timer timer, Executor background, Settings settings,
            EventSink events) throws StorageException {
        Coordinator coordinator = new Coordinator(new CoordinatorStore(stateFolder), timer, background, settings, events);
        coordinator.ownsStore = true;
        return coordinator;
    }

    Coordinator(CoordinatorStore store, Timer timer, Executor background, Settings settings, EventSink events) {
        sync = new SyncContext(store, timer, background, settings, events);
        writer = new LocalWriter(sync);
        InFlight inFlight = new InFlight();
        delivery = new Delivery(sync, writer, inFlight);
        reads = new ReadPath(sync);
        pulls = new PullMerger(sync, writer, delivery, inFlight, reads);
        writer.deliveringWith(delivery);
        delivery.mergingWith(pulls);
        reads.mergingWith(pulls);
        conflicts = new Conflicts(sync, writer, delivery);
        checkpoints = new Checkpoints(sync, writer, reads);
        audit = new Audit(sync);
        status = new Status(sync);
        Set<String> known = store.localTiers().keySet();
        if (store.markRunning() && !known.isEmpty()) {
            afterCrash.addAll(known);
            LOG.info("The last run did not stop cleanly: local tiers are compared and repaired as they join,"
                    + " before the next edit is saved");
        } else {
            sync.repaired();
        }
        if (!settings.periodicSync().isZero()) {
            timer.schedule(this::periodicSync, settings.periodicSync());
        }
        delivery.schedule(timer.now());
    }

    // ---------------------------------------------------------------- tiers come and go

    /**
     * Adds a tier to the chains: a local tier is backfilled; a remote one is pulled and sent what waits for
     * it, in the background, once the coordinator is ready. The local tier that makes the coordinator ready
     * starts that for every remote tier already there.
     */
    public void addTier(Tier tier) {
        if (sync.closed) {
            // A tier restarted while the framework stops (a command that changed its settings is ending).
            LOG.debug("Tier {} not added: the sync coordinator is closed", tier.name());
            return;
        }
        boolean nowReady = sync.tiers.add(tier);
        LOG.info("Tier {} joined (ranking {}, {})", tier.name(), tier.ranking(),
                tier.remote() ? "remote" : tier.durable() ? "local" : "local cache");
        if (tier.remote()) {
            if (sync.store.addKnownRemote(tier.name(), tier.types())) {
                // It syncs types it did not: read it whole, so that it is sent what it lacks of them.
                LOG.info("Tier {} now syncs {}: it is read whole and sent what it lacks", tier.name(), tier.types().isEmpty()
                        ? "every type" : tier.types());
                sync.store.saveCursor(tier.name(), null, null);
            }
            sync.background.execute(() -> start(tier));
        } else {
            boolean again = !joined.add(tier.name());
            if (tier.durable()) {
                long misses = sync.missesOf(tier.name());
                if (needsBackfill(tier)) {
                    sync.background.execute(() -> {
                        // After a run that did not stop cleanly, the other durable tiers may lack its last write too.
                        Set<String> also = afterCrash.isEmpty() ? Set.of() : durableNames();
                        if (audit.backfill(tier, also)) {
                            sync.caughtUp(tier.name(), misses);
                            afterCrash.removeAll(also);
                            afterCrash.remove(tier.name());
                            if (afterCrash.isEmpty()) {
                                sync.repaired();
                            }
                        }
                    });
                } else {
                    sync.caughtUp(tier.name(), misses);
                }
            } else if (again) {
                sync.background.execute(() -> audit.backfill(tier, Set.of())); // a cache that came back during the run
            } else {
                // At start a cache is filled a moment later, in bulk, from the durable tier: a command that runs
                // for a moment never reads the store whole.
                sync.timer.schedule(() -> sync.background.execute(() -> fillCache(tier)), CACHE_FILL_DELAY);
            }
            if (nowReady) {
                LOG.info("Sync coordinator ready: {} holds configs durably", tier.name());
                sync.background.execute(this::completeInterruptedWrites);
                for (Tier remote : sync.tiers.remotes()) {
                    sync.background.execute(() -> start(remote));
                }
            }
        }
    }

    /**
     * @return whether a durable local tier that joins must be compared with the others and repaired: the
     *         last run did not stop cleanly, the tier is new, it missed a write, it is not healthy, or it holds
     *         other config types than another durable tier (a store that was replaced or emptied)
     */
    private boolean needsBackfill(Tier tier) {
        if (afterCrash.contains(tier.name()) || !sync.holdsEverything(tier.name())) {
            return true;
        }
        try {
            if (tier.tier().health().status() != TierHealth.Status.UP) {
                return true;
            }
            Set<String> types = tier.tier().listTypes();
            for (Tier other : sync.tiers.availableLocals()) {
                if (other != tier && other.durable() && !other.tier().listTypes().equals(types)) {
                    return true;
                }
            }
            return false;
        } catch (StorageException | RuntimeException e) {
            return true;
        }
    }

    /**
     * Fills a cache that joined at start with what the durable tiers hold: in bulk, from the first durable
     * tier when every durable tier holds every write, else config by config as a backfill does. A version
     * the cache holds already, or a newer one, stays.
     */
    private void fillCache(Tier cache) {
        if (sync.closed || List.of(sync.tiers.all()).stream().noneMatch(t -> t == cache)) {
            return;
        }
        if (!sync.tiers.ready()) {
            sync.timer.schedule(() -> sync.background.execute(() -> fillCache(cache)), CACHE_FILL_DELAY);
            return;
        }
        Tier source = sync.soleSource();
        if (source == null) {
            audit.backfill(cache, Set.of());
            return;
        }
        int filled = 0;
        try {
            for (String type : source.tier().listTypes()) {
                List<ConfigDocument> all = source.tier().documents(type);
                for (int from = 0; from < all.size() && !sync.closed; from += 1000) {
                    List<ConfigDocument> chunk = all.subList(from, Math.min(all.size(), from + 1000));
                    filled += sync.withLocks(chunk.stream().map(ConfigDocument::key).toList(), () -> {
                        List<ConfigDocument> missing = new java.util.ArrayList<>();
                        for (ConfigDocument d : chunk) {
                            ConfigDocument held = cache.tier().get(d.key()).orElse(null);
                            if (held == null || !Lww.same(held, d) && Lww.winner(held, d) == d) {
                                missing.add(d);
                            }
                        }
                        if (!missing.isEmpty()) {
                            cache.tier().putAll(missing);
                        }
                        return missing.size();
                    });
                }
            }
        } catch (StorageException | RuntimeException e) {
            LOG.warn("The {} cache could not be filled from {}: {}", cache.name(), source.name(), e.toString());
            return;
        }
        LOG.debug("The {} cache was filled from {}: {} configs", cache.name(), source.name(), filled);
    }

    private Set<String> durableNames() {
        Set<String> names = new TreeSet<>();
        for (Tier t : sync.tiers.availableLocals()) {
            if (t.durable()) {
                names.add(t.name());
            }
        }
        return names;
    }

    /**
     * Compares every config's copies in the local tiers and repairs the stale and missing ones, as the
     * audit does: what a long-running instance does once after it started, since it no longer reads every
     * tier whole at start (a backup file damaged by hand is found this way).
     */
    public void verifyLocalTiers() {
        if (sync.closed || !sync.tiers.ready()) {
            return;
        }
        AuditReport report = audit.run(true, null);
        LOG.info("Local tiers verified: {} configs compared, {} differences, {} repaired", report.checked(),
                report.differences().size(), report.repaired());
    }

    /** Writes recorded in the outbox that a crash kept from the local tiers reach them (before they are sent). */
    private void completeInterruptedWrites() {
        Set<ConfigKey> keys = new TreeSet<>();
        for (CoordinatorStore.Entry e : sync.store.outbox()) {
            keys.add(e.key());
        }
        for (ConfigKey key : keys) {
            try {
                writer.ownVersion(key);
            } catch (StorageException | RuntimeException e) {
                LOG.warn("{}: a recorded write could not be completed yet: {}", key, e.getMessage());
            }
        }
    }

    /** A remote tier's first pull and delivery, once the coordinator is ready. */
    private void start(Tier remote) {
        if (!sync.tiers.ready()) {
            return; // the local tier that makes the coordinator ready starts it
        }
        if (sync.settings.pullOnStart()) {
            pulls.pull(remote);
        }
        delivery.schedule(sync.timer.now());
    }

    /**
     * A remote tier the user turned off (registered with {@link StorageTier#ENABLED} false): it is left
     * out of the chains and forgotten, with the writes that waited for it, so no config shows it as
     * offline. Turned on again, it is read from the beginning and sent what it lacks.
     */
    public void turnedOff(String name) {
        sync.tiers.removeIf(t -> t.remote() && t.name().equals(name));
        List<ConfigKey> dropped = sync.store.forgetRemote(name);
        LOG.info("Tier {} is turned off: {} writes that waited for it are dropped", name, dropped.size());
        for (ConfigKey key : dropped) {
            sync.events.state(key, name, SyncState.SYNCED, "turned off");
        }
    }

    /** Removes a tier; its pending writes stay in the outbox until it returns. */
    public void removeTier(StorageTier tier) {
        for (Tier t : sync.tiers.all()) {
            if (t.tier() == tier) {
                sync.left(t.name());
            }
        }
        sync.tiers.removeIf(t -> t.tier() == tier);
    }

    List<Tier> tiers() {
        return List.of(sync.tiers.all());
    }

    /** @return whether a durable local tier is up, so edits are acknowledged and remotes synced */
    public boolean ready() {
        return sync.tiers.ready();
    }

    // ---------------------------------------------------------------- reads and writes

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        return reads.find(key).filter(d -> !d.deleted());
    }

    @Override
    public Optional<ConfigDocument> getIncludingDeleted(ConfigKey key) throws StorageException {
        return reads.find(key);
    }

    @Override
    public List<ConfigDocument> list(String type) throws StorageException {
        return reads.list(type);
    }

    @Override
    public Set<String> types() throws StorageException {
        sync.tiers.awaitReady(sync.settings.readyWait());
        return reads.localTypes();
    }

    @Override
    public ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException {
        return writer.put(key, body);
    }

    @Override
    public ConfigDocument delete(ConfigKey key) throws StorageException {
        return writer.delete(key);
    }

    @Override
    public boolean importVersion(ConfigDocument version) throws StorageException {
        return writer.importVersion(version);
    }

    @Override
    public List<ConfigKey> importVersions(List<ConfigDocument> versions) throws StorageException {
        return writer.importVersions(versions);
    }

    // ---------------------------------------------------------------- sync

    @Override
    public void syncNow() {
        if (sync.offline) {
            LOG.info("Sync skipped: working offline");
            return;
        }
        sync.tiers.awaitReady(sync.settings.readyWait());
        for (Tier t : sync.tiers.remotes()) {
            pulls.pullNow(t); // a pull already under way (on start, on an event) is waited for, not skipped
        }
        delivery.drain(true);
    }

    /** Pulls and delivers what is due, as the periodic timer does: writes waiting out a backoff keep waiting. */
    private void periodicSync() {
        if (sync.closed) {
            return;
        }
        try {
            if (!sync.offline) {
                for (Tier t : sync.tiers.remotes()) {
                    pulls.pull(t);
                }
                delivery.drain(false);
            }
        } catch (RuntimeException e) {
            LOG.warn("Periodic sync failed: {}", e.toString(), e);
        } finally {
            if (!sync.closed) {
                sync.timer.schedule(this::periodicSync, sync.settings.periodicSync());
            }
        }
    }

    /**
     * Pulls from one remote tier soon, in the background (a tier reported a change made elsewhere, or that
     * it is reachable again). Notifications that arrive while a pull is waiting join it.
     */
    public void pullSoon(String tierName) {
        if (sync.closed || !pullsWaiting.add(tierName)) {
            return;
        }
        sync.background.execute(() -> {
            pullsWaiting.remove(tierName);
            sync.tiers.remote(tierName).ifPresent(pulls::pull);
        });
    }

    /** Pulls from one remote tier now. @return whether it was read to its end */
    boolean pull(Tier tier) {
        return pulls.pull(tier);
    }

    /** Delivers the outbox now (every entry, when {@code all}). */
    void drain(boolean all) {
        delivery.drain(all);
    }

    Duration backoff(int attempt) {
        return delivery.backoff(attempt);
    }

    // ---------------------------------------------------------------- status, outbox, conflicts, history

    @Override
    public SyncStatus status() {
        return status.now();
    }

    @Override
    public SyncState state(ConfigKey key, String tier) {
        return status.of(key, tier);
    }

    @Override
    public List<PendingWrite> outbox() {
        return sync.store.outbox().stream().map(CoordinatorStore.Entry::view).toList();
    }

    @Override
    public void retry(ConfigKey key, String tier) {
        sync.store.entry(tier, key).ifPresent(e -> sync.store.update(e.retryAt(sync.timer.now())));
        delivery.schedule(sync.timer.now());
    }

    @Override
    public void discard(ConfigKey key, String tier) {
        sync.store.remove(tier, key);
        sync.events.state(key, tier, SyncState.SYNCED, "Discarded");
        LOG.info("Sync {} → {}: pending write discarded by the user", key, tier);
    }

    @Override
    public void workOffline(boolean on) {
        synchronized (this) {
            if (sync.offline == on) {
                return;
            }
            sync.store.saveWorkOffline(on);
            sync.offline = on;
        }
        LOG.info(on ? "Working offline: nothing is sent to or pulled from remote tiers until it is turned off"
                : "Working online again: pulling and delivering");
        for (CoordinatorStore.Entry e : sync.store.outbox()) {
            if (!e.held() && !e.failed()) {
                sync.events.state(e.key(), e.tier(), sync.reachable(e.tier()) ? SyncState.PENDING : SyncState.OFFLINE,
                        on ? "Working offline" : "");
            }
        }
        if (!on) {
            sync.background.execute(() -> {
                for (Tier t : sync.tiers.remotes()) {
                    pulls.pull(t);
                }
                delivery.drain(false);
            });
        }
    }

    @Override
    public boolean workingOffline() {
        return sync.offline;
    }

    @Override
    public List<Conflict> conflicts() {
        return conflicts.open();
    }

    @Override
    public List<Conflict> conflictLog(ConfigKey key) {
        return conflicts.log(key);
    }

    @Override
    public ConfigDocument resolve(ConfigKey key, ObjectNode body, String resolution) throws StorageException {
        return conflicts.resolve(key, body, resolution);
    }

    @Override
    public List<ConfigDocument> history(ConfigKey key) {
        return conflicts.history(key);
    }

    @Override
    public ConfigDocument restore(ConfigKey key, Instant version) throws StorageException {
        return conflicts.restore(key, version);
    }

    /**
     * A remote tier's program went on air or off air. Going on air takes a checkpoint (in the background);
     * while on air, the versions from elsewhere waiting for that tier are held (when the settings say so);
     * going off air sends them.
     */
    public void onAir(String tier, boolean live) {
        boolean changed = live ? sync.onAir.add(tier) : sync.onAir.remove(tier);
        if (!changed || sync.closed) {
            return;
        }
        if (live) {
            LOG.info("Tier {} is on air{}", tier, sync.settings.holdWhileLive() ? ": changes from elsewhere are held until it is off air" : "");
            sync.background.execute(() -> {
                try {
                    checkpoints.create(Checkpoint.GO_LIVE);
                } catch (StorageException | RuntimeException e) {
                    LOG.warn("The go-live checkpoint could not be taken: {}", e.getMessage());
                }
            });
            for (PendingWrite held : heldWhileLive()) {
                sync.events.state(held.key(), held.tier(), SyncState.PENDING, HELD);
            }
        } else {
            List<PendingWrite> released = sync.store.outbox().stream().filter(e -> e.tier().equals(tier) && e.fromElsewhere())
                    .map(CoordinatorStore.Entry::view).toList();
            LOG.info("Tier {} is off air: {} held changes go out", tier, released.size());
            for (PendingWrite w : released) {
                sync.events.state(w.key(), w.tier(), SyncState.PENDING, "");
            }
            delivery.schedule(sync.timer.now());
        }
    }

    @Override
    public void machineOnly(ConfigKey key, boolean only) throws StorageException {
        synchronized (sync.lockOf(key)) {
            List<String> dropped = sync.store.machineOnly(key, only);
            for (String tier : dropped) {
                sync.events.state(key, tier, SyncState.SYNCED, "This machine only");
            }
            if (!only) {
                ConfigDocument mine = writer.ownVersion(key);
                if (mine != null) {
                    Instant now = sync.timer.now();
                    Map<String, Instant> due = new LinkedHashMap<>();
                    for (String remote : sync.remoteNames()) {
                        due.put(remote, now);
                    }
                    sync.store.enqueue(mine, due, false);
                    delivery.schedule(now);
                }
            }
            sync.events.changed(key, false);
        }
        LOG.info("{} {}", key, only ? "is kept on this machine only" : "syncs again");
    }

    @Override
    public Set<ConfigKey> machineOnly() {
        return sync.store.machineOnly();
    }

    @Override
    public List<PendingWrite> heldWhileLive() {
        return sync.store.outbox().stream().filter(e -> e.fromElsewhere() && sync.holding(e.tier()))
                .map(CoordinatorStore.Entry::view).toList();
    }

    @Override
    public int applyHeld(ConfigKey key) {
        int released = 0;
        for (CoordinatorStore.Entry e : sync.store.outbox()) {
            if (e.fromElsewhere() && sync.holding(e.tier()) && (key == null || e.key().equals(key))) {
                sync.store.update(e.applied());
                sync.events.state(e.key(), e.tier(), SyncState.PENDING, "");
                released++;
            }
        }
        if (released > 0) {
            LOG.info("{} held changes applied while live", released);
            delivery.schedule(sync.timer.now());
        }
        return released;
    }

    @Override
    public Checkpoint createCheckpoint(String reason) throws StorageException {
        return checkpoints.create(reason);
    }

    @Override
    public List<Checkpoint> checkpoints() {
        return checkpoints.list();
    }

    @Override
    public CheckpointRestore restoreCheckpoint(String name) throws StorageException {
        return checkpoints.restore(name);
    }

    @Override
    public AuditReport audit(boolean repair) {
        return audit.run(repair, null);
    }

    /** Stops scheduling; the store closes too when this coordinator opened it. */
    @Override
    public void close() {
        sync.closed = true;
        if (afterCrash.isEmpty()) {
            try {
                sync.store.markStopped();
            } catch (RuntimeException e) {
                LOG.debug("The sync state could not be marked as stopped: {}", e.toString());
            }
        }
        if (ownsStore) {
            sync.store.close();
        }
    }
}
