package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.ConflictException;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.TierStatus;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The coordinator's logic, free of OSGi so tests can build it with their own tiers, clock and executor.
 * <ul>
 * <li><b>Reads</b> ask the tiers in rank order and take the first answer; the local tiers above the one
 * that answered are refilled in the background.</li>
 * <li><b>Writes</b> are stamped by a {@link HybridClock}, recorded in the {@link CoordinatorStore} (the
 * replaced version into history, one outbox entry per remote tier) and then written to every local tier,
 * all before they return. A crash between the two leaves an outbox entry whose delivery re-sends the
 * previous version, which is harmless.</li>
 * <li><b>Delivery</b> sends each due outbox entry's current local state to its tier; rapid edits of one
 * config become one remote write. It reads the remote's copy first and never replaces a newer one. Failures retry with exponential backoff and jitter, honour
 * {@code Retry-After}, and park as failed when retrying cannot help.</li>
 * <li><b>Pulls</b> read what changed on a remote tier after its stored cursor and merge each config
 * last-write-wins; a config changed on both sides is a conflict, resolved automatically (the loser goes
 * to history) or left open (policy "ask"). Nothing missing from a remote is ever deleted locally.</li>
 * <li><b>Work offline</b>, when the user turns it on, stops delivery, pulls and remote reads until it is
 * turned off; the outbox keeps everything meanwhile.</li>
 * </ul>
 */
public final class Coordinator implements SyncCoordinator, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final int PAGE = 200;

    /** One registered tier, with the properties the coordinator orders and routes by. */
    public record Tier(StorageTier tier, String name, int ranking, long serviceId, boolean remote, Duration debounce) {

        static final Comparator<Tier> ORDER = Comparator.comparingInt(Tier::ranking).reversed()
                .thenComparingLong(Tier::serviceId);

        boolean available() {
            try {
                return tier.health().available();
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    private final CoordinatorStore store;
    private final Timer timer;
    private final Executor background;
    private final Settings settings;
    private final EventSink events;
    private final HybridClock clock;
    private final Metrics metrics = new Metrics();
    private final Object[] locks = new Object[128];
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean drainRequested = new AtomicBoolean();
    private final AtomicBoolean drainAllRequested = new AtomicBoolean();
    private volatile Tier[] tiers = new Tier[0];
    private volatile boolean closed;
    /** The user's "work offline": no delivery, no pull, no remote read. */
    private volatile boolean offline;
    private Instant nextDrain = Instant.MAX;

    private boolean ownsStore;

    /**
     * A coordinator with its own sync state in {@code stateFolder}, closed with it (for tools, tests and
     * benchmarks; the product's component manages its store itself).
     */
    public static Coordinator open(java.nio.file.Path stateFolder, Timer timer, Executor background, Settings settings,
            EventSink events) throws StorageException {
        Coordinator coordinator = new Coordinator(new CoordinatorStore(stateFolder), timer, background, settings, events);
        coordinator.ownsStore = true;
        return coordinator;
    }

    Coordinator(CoordinatorStore store, Timer timer, Executor background, Settings settings, EventSink events) {
        this.store = store;
        this.timer = timer;
        this.background = background;
        this.settings = settings;
        this.events = events;
        this.clock = new HybridClock(() -> timer.now().toEpochMilli(), store.lastClock());
        this.offline = store.workOffline();
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        if (!settings.periodicSync().isZero()) {
            timer.schedule(this::periodicSync, settings.periodicSync());
        }
        scheduleDrain(timer.now());
    }

    // ---------------------------------------------------------------- tiers come and go

    /** Adds a tier to the chains; a local tier is backfilled, a remote one pulled, in the background. */
    public void addTier(Tier tier) {
        synchronized (this) {
            List<Tier> next = new ArrayList<>(List.of(tiers));
            next.add(tier);
            next.sort(Tier.ORDER);
            tiers = next.toArray(Tier[]::new);
        }
        LOG.info("Tier {} joined (ranking {}, {})", tier.name(), tier.ranking(), tier.remote() ? "remote" : "local");
        if (tier.remote()) {
            store.addKnownRemote(tier.name());
            background.execute(() -> {
                if (settings.pullOnStart()) {
                    pull(tier);
                }
                scheduleDrain(timer.now());
            });
        } else {
            background.execute(() -> backfill(tier));
        }
    }

    /**
     * A remote tier the user turned off (registered with {@link StorageTier#ENABLED} false): it is left
     * out of the chains and forgotten, with the writes that waited for it, so no config shows it as
     * offline. Turned on again, it is read from the beginning and sent what it lacks.
     */
    public void turnedOff(String name) {
        synchronized (this) {
            tiers = List.of(tiers).stream().filter(t -> !(t.remote() && t.name().equals(name))).toArray(Tier[]::new);
        }
        List<ConfigKey> dropped = store.forgetRemote(name);
        LOG.info("Tier {} is turned off: {} writes that waited for it are dropped", name, dropped.size());
        for (ConfigKey key : dropped) {
            events.state(key, name, SyncState.SYNCED, "turned off");
        }
    }

    /** Removes a tier; its pending writes stay in the outbox until it returns. */
    public void removeTier(StorageTier tier) {
        synchronized (this) {
            tiers = List.of(tiers).stream().filter(t -> t.tier() != tier).toArray(Tier[]::new);
        }
    }

    List<Tier> tiers() {
        return List.of(tiers);
    }

    private Optional<Tier> remote(String name) {
        for (Tier t : tiers) {
            if (t.remote() && t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        return getIncludingDeleted(key).filter(d -> !d.deleted());
    }

    @Override
    public Optional<ConfigDocument> getIncludingDeleted(ConfigKey key) throws StorageException {
        Tier[] chain = tiers;
        StorageException last = null;
        for (int i = 0; i < chain.length; i++) {
            Tier t = chain[i];
            if (t.remote() && offline) {
                continue;
            }
            Optional<ConfigDocument> found;
            try {
                found = t.tier().get(key);
            } catch (StorageException e) {
                last = e;
                continue;
            } catch (RuntimeException e) {
                LOG.warn("Tier {} failed reading {}: {}", t.name(), key, e.toString());
                continue;
            }
            if (found.isPresent()) {
                metrics.readAnsweredBy(t.name());
                if (i > 0) {
                    ConfigDocument document = found.get();
                    int answeredAt = i;
                    background.execute(() -> refill(document, chain, answeredAt));
                }
                return found;
            }
        }
        metrics.readMisses.increment();
        if (last != null && chain.length > 0 && noLocalAvailable(chain)) {
            throw last;
        }
        return Optional.empty();
    }

    private static boolean noLocalAvailable(Tier[] chain) {
        for (Tier t : chain) {
            if (!t.remote() && t.available()) {
                return false;
            }
        }
        return true;
    }

    /** Writes a document found lower in the chain into the local tiers above it, unless they hold newer. */
    private void refill(ConfigDocument document, Tier[] chain, int answeredAt) {
        synchronized (lockOf(document.key())) {
            for (int i = 0; i < answeredAt; i++) {
                Tier t = chain[i];
                if (t.remote()) {
                    continue;
                }
                try {
                    Optional<ConfigDocument> current = t.tier().get(document.key());
                    if (current.isEmpty() || Lww.winner(current.get(), document) == document && !Lww.same(current.get(), document)) {
                        t.tier().put(document);
                    }
                } catch (StorageException | RuntimeException e) {
                    LOG.debug("Refill of {} into {} failed: {}", document.key(), t.name(), e.toString());
                }
            }
        }
    }

    /** @return the newest copy the local tiers hold (the first available local tier that has it) */
    private ConfigDocument currentLocal(ConfigKey key) {
        for (Tier t : tiers) {
            if (t.remote()) {
                continue;
            }
            try {
                Optional<ConfigDocument> found = t.tier().get(key);
                if (found.isPresent()) {
                    return found.get();
                }
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Local tier {} failed reading {}: {}", t.name(), key, e.toString());
            }
        }
        return null;
    }

    @Override
    public List<ConfigDocument> list(String type) throws StorageException {
        ConfigKey.validateType(type);
        Map<ConfigKey, ConfigDocument> merged = local(type);
        addRemoteOnly(type, merged);
        return merged.values().stream().filter(d -> !d.deleted()).toList();
    }

    /** @return what the local tiers hold of a type, tombstones included, the last write of each key */
    private Map<ConfigKey, ConfigDocument> local(String type) throws StorageException {
        Map<ConfigKey, ConfigDocument> merged = new TreeMap<>();
        boolean any = false;
        StorageException last = null;
        for (Tier t : tiers) {
            if (t.remote()) {
                continue;
            }
            try {
                for (ConfigKey key : t.tier().listKeys(type)) {
                    t.tier().get(key).ifPresent(d -> merged.merge(key, d, Lww::winner));
                }
                any = true;
            } catch (StorageException e) {
                last = e;
            }
        }
        if (!any && last != null) {
            throw last;
        }
        return merged;
    }

    /**
     * Adds what a remote tier holds and the local tiers do not (yet), read in parallel. Local copies are
     * not re-read from remotes (pulls keep them current), and an unreachable remote adds nothing: a
     * listing never waits on a failure.
     */
    private void addRemoteOnly(String type, Map<ConfigKey, ConfigDocument> merged) {
        if (offline) {
            return;
        }
        for (Tier t : tiers) {
            if (!t.remote() || !t.available()) {
                continue;
            }
            List<ConfigKey> missing;
            try {
                missing = t.tier().listKeys(type).stream().filter(k -> !merged.containsKey(k)).toList();
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Listing {} on {} failed: {}", type, t.name(), e.toString());
                continue;
            }
            List<java.util.concurrent.CompletableFuture<Optional<ConfigDocument>>> reads = missing.stream()
                    .map(k -> java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return t.tier().get(k);
                        } catch (StorageException e) {
                            return Optional.<ConfigDocument>empty();
                        }
                    }, background)).toList();
            for (var read : reads) {
                try {
                    read.join().ifPresent(d -> merged.merge(d.key(), d, Lww::winner));
                } catch (java.util.concurrent.CompletionException e) {
                    LOG.debug("A read from {} failed: {}", t.name(), e.toString());
                }
            }
        }
    }

    @Override
    public Set<String> types() throws StorageException {
        Set<String> types = new TreeSet<>();
        for (Tier t : tiers) {
            if (!t.remote() && t.available()) {
                try {
                    types.addAll(t.tier().listTypes());
                } catch (StorageException e) {
                    LOG.debug("Tier {} could not list types: {}", t.name(), e.toString());
                }
            }
        }
        return types;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException {
        if (body == null) {
            throw new ConfigValidationException("Config body is missing; it must be a JSON object such as {}");
        }
        synchronized (lockOf(key)) {
            ConfigDocument previous = currentLocal(key);
            Instant now = clock.now();
            Instant created = previous == null || previous.deleted() ? now : previous.createdAt();
            // The remote version (an ETag) travels on, so the next remote write can be conditional.
            ConfigDocument document = ConfigDocument.of(key, body, created, now)
                    .withRemoteVersion(previous == null ? null : previous.remoteVersion());
            if (previous != null && !previous.deleted() && previous.sameBody(document)) {
                return previous; // nothing changed: no new version, no remote write
            }
            return write(document, previous);
        }
    }

    @Override
    public ConfigDocument delete(ConfigKey key) throws StorageException {
        synchronized (lockOf(key)) {
            ConfigDocument previous = currentLocal(key);
            if (previous != null && previous.deleted()) {
                return previous;
            }
            Instant now = clock.now();
            ConfigDocument tombstone = previous == null ? ConfigDocument.tombstone(key, now, now) : previous.asTombstone(now);
            return write(tombstone, previous);
        }
    }

    /** Records the write (history, outbox), then writes every local tier. Called under the key's lock. */
    private ConfigDocument write(ConfigDocument document, ConfigDocument replaced) throws StorageException {
        Instant now = timer.now();
        Map<String, Duration> debounces = new LinkedHashMap<>();
        for (String remote : remoteNames()) {
            debounces.put(remote, debounce(remote));
        }
        store.recordWrite(document, replaced, debounces, now, settings.historyDepth());
        writeLocal(document);
        events.changed(document.key(), document.deleted());
        for (String remote : debounces.keySet()) {
            events.state(document.key(), remote, reachable(remote) ? SyncState.PENDING : SyncState.OFFLINE, "");
        }
        debounces.values().stream().min(Comparator.naturalOrder()).ifPresent(d -> scheduleDrain(now.plus(d)));
        return document;
    }

    private void writeLocal(ConfigDocument document) throws StorageException {
        int written = 0;
        StorageException last = null;
        for (Tier t : tiers) {
            if (t.remote()) {
                continue;
            }
            try {
                t.tier().put(document);
                written++;
            } catch (StorageException e) {
                last = e;
                LOG.warn("Tier {} did not store {}: {}", t.name(), document.key(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("Tier {} failed storing {}: {}", t.name(), document.key(), e.toString());
            }
        }
        if (written == 0) {
            throw last != null ? last
                    : new StorageException("No local storage tier is running, so " + document.key()
                            + " was not saved. Start the Streamkit tier bundles.", true);
        }
    }

    private Set<String> remoteNames() {
        Set<String> names = new TreeSet<>(store.knownRemotes());
        for (Tier t : tiers) {
            if (t.remote()) {
                names.add(t.name());
            }
        }
        return names;
    }

    /** @return whether writes to this remote tier can go now: it is registered and up, and the user is online */
    private boolean reachable(String remote) {
        return !offline && remote(remote).filter(Tier::available).isPresent();
    }

    private Duration debounce(String remote) {
        return remote(remote).map(Tier::debounce).orElse(Duration.ofSeconds(1));
    }

    // ---------------------------------------------------------------- delivery

    private synchronized void scheduleDrain(Instant at) {
        if (closed) {
            return;
        }
        Instant now = timer.now();
        if (at.isBefore(now)) {
            at = now;
        }
        if (at.isBefore(nextDrain)) {
            nextDrain = at;
            timer.schedule(this::drainDue, Duration.between(now, at));
        }
    }

    private void drainDue() {
        synchronized (this) {
            nextDrain = Instant.MAX;
        }
        drain(false);
    }

    /**
     * Delivers every due entry (every entry, when {@code all}); then schedules the next due one. One drain
     * runs at a time; a drain asked for while one runs is not dropped: the running one goes round again.
     */
    void drain(boolean all) {
        if (closed || offline) {
            return;
        }
        if (all) {
            drainAllRequested.set(true);
        }
        drainRequested.set(true);
        while (drainRequested.get() && !closed && draining.compareAndSet(false, true)) {
            Instant next = Instant.MAX;
            try {
                while (drainRequested.getAndSet(false) && !closed) {
                    next = drainPass(drainAllRequested.getAndSet(false));
                }
            } finally {
                draining.set(false);
            }
            if (!next.equals(Instant.MAX)) {
                scheduleDrain(next);
            }
        }
    }

    /** One pass over the outbox. @return when the next entry is due, or {@link Instant#MAX} */
    private Instant drainPass(boolean all) {
        Instant next = Instant.MAX;
        try {
            for (CoordinatorStore.Entry entry : store.outbox()) {
                if (closed || offline) {
                    return Instant.MAX; // turning work offline off drains again
                }
                if (entry.failed() || entry.held()) {
                    continue;
                }
                Optional<Tier> tier = remote(entry.tier());
                if (tier.isEmpty()) {
                    continue; // delivered when the tier returns (addTier schedules a drain)
                }
                if (!all && entry.nextAttempt().isAfter(timer.now())) {
                    next = min(next, entry.nextAttempt());
                    continue;
                }
                Instant retry = deliver(entry, tier.get());
                if (retry != null) {
                    next = min(next, retry);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Outbox delivery stopped early: {}", e.toString(), e);
            next = min(next, timer.now().plus(settings.retryBase()));
        }
        return next;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** Sends one entry. @return when to try it again, or null when it is done (delivered or parked) */
    private Instant deliver(CoordinatorStore.Entry entry, Tier tier) {
        String delivery = tier.name() + '\n' + entry.key();
        delivering.add(delivery);
        try {
            return deliverNow(entry, tier);
        } finally {
            delivering.remove(delivery);
            ConfigDocument skipped = skippedByPull.remove(delivery);
            if (skipped != null) {
                merge(skipped, tier, false); // what a pull left to this delivery is settled now, never dropped
            }
        }
    }

    /** Deliveries under way, as {@code tier + '\n' + key}: a pull leaves those configs to the delivery. */
    private final Set<String> delivering = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** What pulls left alone during a delivery (the newest per config), merged once the delivery ends. */
    private final Map<String, ConfigDocument> skippedByPull = new java.util.concurrent.ConcurrentHashMap<>();

    private Instant deliverNow(CoordinatorStore.Entry entry, Tier tier) {
        ConfigKey key = entry.key();
        // A tier reported down is still tried: only a request can tell that it is back.
        ConfigDocument local = currentLocal(key);
        if (local == null) {
            store.delivered(entry); // nothing local to send (the local tiers lost it): never send an absence
            return null;
        }
        try {
            // Read before write: a remote that already holds a newer version is never overwritten by an
            // older one (a device back from a week offline, a server that stamps writes itself).
            Optional<ConfigDocument> remoteNow = tier.tier().get(key);
            if (remoteNow.isPresent() && Lww.same(remoteNow.get(), local)) {
                store.delivered(entry);
                events.state(key, tier.name(), SyncState.SYNCED, "");
                return null;
            }
            if (remoteNow.isPresent() && Lww.winner(local, remoteNow.get()) == remoteNow.get()) {
                LOG.info("Sync {} → {}: the remote has a newer version; merging instead of sending", key, tier.name());
                merge(remoteNow.get(), tier, true);
                return null;
            }
            // This device's version wins over what was just read there: write it conditional on that version,
            // not on an older one this device saw before (which the remote would refuse again and again).
            ConfigDocument sent = remoteNow.isPresent() && remoteNow.get().remoteVersion() != null
                    ? local.withRemoteVersion(remoteNow.get().remoteVersion()) : local;
            ConfigDocument stored = tier.tier().put(sent);
            metrics.deliveries.incrementAndGet();
            metrics.ackLatency(Duration.between(entry.enqueuedAt(), timer.now()).toMillis());
            metrics.clearError(tier.name());
            Instant now = timer.now();
            boolean removed = store.delivered(entry, now, now.plus(tier.debounce()));
            adoptRemoteStamps(sent, stored, tier);
            LOG.info("Sync {} → {}: delivered ({})", key, tier.name(), local.deleted() ? "delete" : "update");
            if (removed) {
                events.state(key, tier.name(), SyncState.SYNCED, "");
                return null;
            }
            return now.plus(tier.debounce()); // a newer local edit arrived meanwhile: it waits its own debounce
        } catch (ConflictException e) {
            LOG.info("Sync {} → {}: conflict, the remote has a newer version", key, tier.name());
            merge(e.current(), tier, true);
            return null;
        } catch (StorageException e) {
            metrics.error(tier.name(), e.getMessage());
            if (!e.retryable()) {
                LOG.warn("Sync {} → {}: failed for good: {}", key, tier.name(), e.getMessage());
                store.update(entry.failedAttempt(e.getMessage(), timer.now(), true));
                events.state(key, tier.name(), SyncState.FAILED, e.getMessage());
                return null;
            }
            LOG.info("Sync {} → {}: failed, will retry: {}", key, tier.name(), e.getMessage());
            events.state(key, tier.name(), reachable(tier.name()) ? SyncState.PENDING : SyncState.OFFLINE, e.getMessage());
            return retryLater(entry, tier, e.getMessage(), e.retryAfter().orElse(null));
        } catch (RuntimeException e) {
            metrics.error(tier.name(), e.toString());
            LOG.warn("Sync {} → {}: unexpected failure, will retry", key, tier.name(), e);
            return retryLater(entry, tier, e.toString(), null);
        }
    }

    private Instant retryLater(CoordinatorStore.Entry entry, Tier tier, String error, Duration retryAfter) {
        Duration delay = retryAfter != null ? retryAfter : backoff(entry.attempts() + 1);
        Instant next = timer.now().plus(delay);
        store.update(entry.failedAttempt(error, next, false));
        return next;
    }

    /** Exponential backoff with equal jitter: half the delay fixed, half random. */
    Duration backoff(int attempt) {
        long base = settings.retryBase().toMillis();
        long max = settings.retryMax().toMillis();
        long delay = Math.min(max, base << Math.min(attempt - 1, 30));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /** A remote that stamps its own times (a server): its stamps become the local ones, once. */
    private void adoptRemoteStamps(ConfigDocument sent, ConfigDocument stored, Tier tier) {
        if (stored == null || Lww.same(sent, stored) && java.util.Objects.equals(sent.remoteVersion(), stored.remoteVersion())) {
            return;
        }
        if (stored.deleted() != sent.deleted() || !stored.deleted() && !stored.sameBody(sent)) {
            // The remote answered with another version than the one sent: a write from elsewhere landed right
            // after this one. It is a remote change like any other, merged (the loser kept in history).
            merge(stored, tier, false);
            return;
        }
        clock.observe(stored.updatedAt());
        synchronized (lockOf(sent.key())) {
            ConfigDocument current = currentLocal(sent.key());
            ConfigDocument adopted = null;
            if (Lww.same(current, sent)) {
                adopted = stored;
            } else if (current != null && Lww.winner(current, stored) == stored) {
                // An edit made here while this version was on its way replaced it, yet the remote stamped this
                // version later than the edit: stamp the edit again, after the remote's stamp, or the echo of
                // its own predecessor would replace it at the next pull. Its outbox entry still delivers it.
                adopted = current.withTimes(current.createdAt(), clock.now()).withRemoteVersion(stored.remoteVersion());
            }
            if (adopted != null) {
                try {
                    writeLocal(adopted);
                } catch (StorageException e) {
                    LOG.debug("Could not adopt the remote stamps of {}: {}", sent.key(), e.getMessage());
                }
            }
        }
    }

    // ---------------------------------------------------------------- pulls and merges

    @Override
    public void syncNow() {
        if (offline) {
            LOG.info("Sync skipped: working offline");
            return;
        }
        for (Tier t : tiers) {
            if (t.remote()) {
                pull(t);
            }
        }
        drain(true);
    }

    private void periodicSync() {
        if (closed) {
            return;
        }
        try {
            syncNow();
        } catch (RuntimeException e) {
            LOG.warn("Periodic sync failed: {}", e.toString(), e);
        } finally {
            if (!closed) {
                timer.schedule(this::periodicSync, settings.periodicSync());
            }
        }
    }

    /**
     * Pulls from one remote tier soon, in the background (a tier reported a change made elsewhere).
     * Notifications that arrive while a pull is waiting join it.
     */
    public void pullSoon(String tierName) {
        if (closed || !pullsWaiting.add(tierName)) {
            return;
        }
        background.execute(() -> {
            pullsWaiting.remove(tierName);
            remote(tierName).ifPresent(this::pull);
        });
    }

    private final Set<String> pullsWaiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Reads what changed on a remote tier since its stored cursor and merges it, page by page. */
    void pull(Tier tier) {
        if (offline) {
            return;
        }
        String cursor = store.cursor(tier.name());
        // Read from the beginning, the pull sees everything the remote holds: what it lacks is sent after.
        Set<ConfigKey> seen = cursor == null ? new HashSet<>() : null;
        int merged = 0;
        try {
            Changes page;
            do {
                page = tier.tier().changedSince(cursor, PAGE);
                for (ConfigDocument remote : page.documents()) {
                    if (seen != null) {
                        seen.add(remote.key());
                    }
                    String delivery = tier.name() + '\n' + remote.key();
                    if (delivering.contains(delivery)) {
                        // This may be the echo of the write under way, stamped by the remote after an edit made
                        // here meanwhile: the delivery's answer settles the config first, then this is merged.
                        skippedByPull.merge(delivery, remote, Lww::winner);
                        if (delivering.contains(delivery)) {
                            continue;
                        }
                        skippedByPull.remove(delivery); // the delivery ended meanwhile: merge it here
                    }
                    merge(remote, tier, false);
                    merged++;
                }
                cursor = page.nextCursor();
                store.saveCursor(tier.name(), cursor);
            } while (page.hasMore() && !closed);
            LOG.info("Sync pull from {}: {} changes merged", tier.name(), merged);
            if (seen != null && !closed) {
                sendMissing(tier, seen);
            }
            retryWaiting(tier);
        } catch (IllegalArgumentException e) {
            LOG.warn("Sync pull from {}: its cursor is no longer valid ({}); reading everything again", tier.name(), e.getMessage());
            store.saveCursor(tier.name(), null);
        } catch (StorageException | RuntimeException e) {
            if (tier.available()) {
                LOG.warn("Sync pull from {} failed after {} changes: {}", tier.name(), merged, e.getMessage());
            } else {
                // A tier that says it is down (OBS not running, no network) is expected to fail: not a warning.
                LOG.info("Sync pull from {} skipped: {}", tier.name(), e.getMessage());
            }
            metrics.error(tier.name(), e.getMessage());
        }
    }

    /**
     * After reading a remote tier from the beginning: the live configs here that it has never held are
     * queued for it. A remote added after configs were made here (a first sign-in, OBS turned on again)
     * gets them all, not only the ones edited later.
     */
    private void sendMissing(Tier tier, Set<ConfigKey> seen) throws StorageException {
        Instant now = timer.now();
        int queued = 0;
        for (String type : types()) {
            for (ConfigDocument mine : local(type).values()) {
                ConfigKey key = mine.key();
                if (mine.deleted() || seen.contains(key)) {
                    continue;
                }
                synchronized (lockOf(key)) {
                    if (store.entry(tier.name(), key).isEmpty()) {
                        store.enqueue(key, mine.updatedAt(), tier.name(), now);
                        events.state(key, tier.name(), reachable(tier.name()) ? SyncState.PENDING : SyncState.OFFLINE, "");
                        queued++;
                    }
                }
            }
        }
        if (queued > 0) {
            LOG.info("Sync to {}: {} configs it has never held are queued", tier.name(), queued);
            scheduleDrain(now);
        }
    }

    /**
     * The tier just answered: writes to it that wait out a backoff after failures (it was away) go now.
     * Parked and held writes stay as they are.
     */
    private void retryWaiting(Tier tier) {
        Instant now = timer.now();
        boolean any = false;
        for (CoordinatorStore.Entry e : store.outbox()) {
            if (e.tier().equals(tier.name()) && e.attempts() > 0 && !e.failed() && !e.held()
                    && e.nextAttempt().isAfter(now)) {
                store.update(e.retryAt(now));
                any = true;
            }
        }
        if (any) {
            scheduleDrain(now);
        }
    }

    /**
     * Merges one version from a remote tier into the local tiers.
     *
     * @param refused whether it came back from a write the remote refused (a conflict by definition)
     */
    void merge(ConfigDocument theirs, Tier tier, boolean refused) {
        ConfigKey key = theirs.key();
        clock.observe(theirs.updatedAt());
        synchronized (lockOf(key)) {
            ConfigDocument mine = currentLocal(key);
            if (mine == null) {
                try {
                    writeLocal(theirs);
                    events.changed(key, theirs.deleted());
                    events.state(key, tier.name(), SyncState.SYNCED, "");
                } catch (StorageException e) {
                    LOG.warn("Could not store {} pulled from {}: {}", key, tier.name(), e.getMessage());
                }
                return;
            }
            Optional<CoordinatorStore.Entry> pending = store.entry(tier.name(), key);
            if (Lww.same(mine, theirs)) {
                pending.ifPresent(store::delivered);
                events.state(key, tier.name(), SyncState.SYNCED, "");
                return;
            }
            // A version this side had before its waiting write (the echo of an earlier write, stamped by the
            // remote) is not a change made elsewhere: the remote is behind, and the waiting write catches it up.
            boolean behind = !refused && pending.isPresent() && store.history(key).stream().anyMatch(h -> Lww.same(h, theirs));
            boolean concurrent = !behind && (refused || pending.isPresent());
            if (concurrent && settings.askOnConflict()) {
                store.saveConflict(new Conflict(key, tier.name(), mine, theirs, timer.now(), ""));
                pending.ifPresent(e -> store.update(e.holding(true)));
                metrics.conflicts.incrementAndGet();
                events.state(key, tier.name(), SyncState.CONFLICT, "Changed here and on " + tier.name());
                LOG.info("Sync {} ← {}: conflict left open for a decision", key, tier.name());
                return;
            }
            ConfigDocument winner = Lww.winner(mine, theirs);
            if (concurrent) {
                metrics.conflicts.incrementAndGet();
                store.saveConflict(new Conflict(key, tier.name(), mine, theirs, timer.now(),
                        winner == theirs ? "auto:theirs" : "auto:mine"));
                LOG.info("Sync {} ← {}: conflict resolved by last write ({} wins)", key, tier.name(),
                        winner == theirs ? tier.name() : "this device");
            }
            if (winner == theirs) {
                store.addHistory(mine, settings.historyDepth());
                try {
                    writeLocal(theirs);
                } catch (StorageException e) {
                    LOG.warn("Could not store {} pulled from {}: {}", key, tier.name(), e.getMessage());
                    return;
                }
                pending.ifPresent(store::delivered);
                // Other remote tiers get the newer version too.
                Instant now = timer.now();
                for (String other : remoteNames()) {
                    if (!other.equals(tier.name())) {
                        store.enqueue(key, theirs.updatedAt(), other, now.plus(debounce(other)));
                        scheduleDrain(now.plus(debounce(other)));
                    }
                }
                events.changed(key, theirs.deleted());
                events.state(key, tier.name(), SyncState.SYNCED, "");
            } else {
                store.addHistory(theirs, settings.historyDepth());
                // The remote is behind: make sure it gets this device's version.
                if (pending.isEmpty()) {
                    store.enqueue(key, mine.updatedAt(), tier.name(), timer.now());
                } else if (pending.get().held() || pending.get().failed()) {
                    store.update(pending.get().holding(false).retryAt(timer.now()));
                }
                scheduleDrain(timer.now());
                events.state(key, tier.name(), SyncState.PENDING, "");
            }
        }
    }

    // ---------------------------------------------------------------- backfill and audit

    /** Brings a local tier that (re)joined up to date from the other local tiers. */
    private void backfill(Tier joined) {
        try {
            AuditReport report = audit(true, joined.name());
            if (report.repaired() > 0) {
                LOG.info("Tier {} backfilled: {} configs", joined.name(), report.repaired());
            }
        } catch (RuntimeException e) {
            LOG.warn("Backfill of tier {} failed: {}", joined.name(), e.toString(), e);
        }
    }

    @Override
    public AuditReport audit(boolean repair) {
        return audit(repair, null);
    }

    private AuditReport audit(boolean repair, String onlyTier) {
        List<Tier> local = new ArrayList<>();
        for (Tier t : tiers) {
            if (!t.remote() && t.available()) {
                local.add(t);
            }
        }
        Set<ConfigKey> keys = new TreeSet<>();
        for (Tier t : local) {
            try {
                for (String type : t.tier().listTypes()) {
                    keys.addAll(t.tier().listKeys(type));
                }
            } catch (StorageException e) {
                LOG.warn("Audit could not list tier {}: {}", t.name(), e.getMessage());
            }
        }
        List<String> differences = new ArrayList<>();
        int repaired = 0;
        for (ConfigKey key : keys) {
            if (closed) {
                break; // stopped: a repair under way ends, it does not go on writing into the tiers
            }
            synchronized (lockOf(key)) {
                Map<Tier, ConfigDocument> copies = new HashMap<>();
                ConfigDocument winner = null;
                for (Tier t : local) {
                    try {
                        ConfigDocument d = t.tier().get(key).orElse(null);
                        copies.put(t, d);
                        winner = Lww.winner(winner, d);
                    } catch (StorageException e) {
                        differences.add(key + " in " + t.name() + ": unreadable (" + e.getMessage() + ")");
                    }
                }
                for (Map.Entry<Tier, ConfigDocument> copy : copies.entrySet()) {
                    Tier t = copy.getKey();
                    if (onlyTier != null && !t.name().equals(onlyTier) || Lww.same(copy.getValue(), winner)) {
                        continue;
                    }
                    differences.add(key + " in " + t.name() + ": "
                            + (copy.getValue() == null ? "missing" : "stale (" + copy.getValue().updatedAt() + ")"));
                    if (repair) {
                        try {
                            t.tier().put(winner);
                            repaired++;
                        } catch (StorageException e) {
                            LOG.warn("Audit could not repair {} in {}: {}", key, t.name(), e.getMessage());
                        }
                    }
                }
            }
        }
        if (!differences.isEmpty()) {
            LOG.info("Audit: {} configs checked, {} differences, {} repaired", keys.size(), differences.size(), repaired);
        }
        return new AuditReport(keys.size(), differences, repaired);
    }

    // ---------------------------------------------------------------- status, outbox, conflicts, history

    @Override
    public SyncStatus status() {
        List<CoordinatorStore.Entry> outbox = store.outbox();
        Map<String, int[]> counts = new HashMap<>();
        for (CoordinatorStore.Entry e : outbox) {
            counts.computeIfAbsent(e.tier(), t -> new int[2])[e.failed() ? 1 : 0]++;
        }
        List<TierStatus> list = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Tier t : tiers) {
            seen.add(t.name());
            int[] c = counts.getOrDefault(t.name(), new int[2]);
            TierHealth health;
            try {
                health = t.tier().health();
            } catch (RuntimeException e) {
                health = TierHealth.down(e.toString());
            }
            list.add(new TierStatus(t.name(), t.ranking(), t.remote() ? StorageTier.KIND_REMOTE : StorageTier.KIND_LOCAL, true,
                    health, c[0], c[1], metrics.readsBy(t.name()), metrics.lastError(t.name())));
        }
        for (String remote : store.knownRemotes()) {
            if (seen.add(remote)) {
                int[] c = counts.getOrDefault(remote, new int[2]);
                list.add(new TierStatus(remote, 0, StorageTier.KIND_REMOTE, false,
                        TierHealth.down("The " + remote + " tier is not installed or not started"), c[0], c[1], 0,
                        metrics.lastError(remote)));
            }
        }
        boolean unreachable = offline || list.stream().filter(s -> s.kind().equals(StorageTier.KIND_REMOTE))
                .noneMatch(s -> s.present() && s.health().available());
        return new SyncStatus(list, metrics.snapshot(outbox.size()), unreachable);
    }

    @Override
    public SyncState state(ConfigKey key, String tier) {
        Optional<CoordinatorStore.Entry> entry = store.entry(tier, key);
        if (entry.isEmpty()) {
            return SyncState.SYNCED;
        }
        if (entry.get().held()) {
            return SyncState.CONFLICT;
        }
        if (entry.get().failed()) {
            return SyncState.FAILED;
        }
        return reachable(tier) ? SyncState.PENDING : SyncState.OFFLINE;
    }

    @Override
    public List<PendingWrite> outbox() {
        return store.outbox().stream().map(CoordinatorStore.Entry::view).toList();
    }

    @Override
    public void retry(ConfigKey key, String tier) {
        store.entry(tier, key).ifPresent(e -> store.update(e.retryAt(timer.now())));
        scheduleDrain(timer.now());
    }

    @Override
    public void discard(ConfigKey key, String tier) {
        store.remove(tier, key);
        events.state(key, tier, SyncState.SYNCED, "Discarded");
        LOG.info("Sync {} → {}: pending write discarded by the user", key, tier);
    }

    @Override
    public void workOffline(boolean on) {
        synchronized (this) {
            if (offline == on) {
                return;
            }
            store.saveWorkOffline(on);
            offline = on;
        }
        LOG.info(on ? "Working offline: nothing is sent to or pulled from remote tiers until it is turned off"
                : "Working online again: pulling and delivering");
        for (CoordinatorStore.Entry e : store.outbox()) {
            if (!e.held() && !e.failed()) {
                events.state(e.key(), e.tier(), reachable(e.tier()) ? SyncState.PENDING : SyncState.OFFLINE,
                        on ? "Working offline" : "");
            }
        }
        if (!on) {
            background.execute(() -> {
                for (Tier t : tiers) {
                    if (t.remote()) {
                        pull(t);
                    }
                }
                drain(false);
            });
        }
    }

    @Override
    public boolean workingOffline() {
        return offline;
    }

    @Override
    public List<Conflict> conflicts() {
        List<Conflict> open = new ArrayList<>(store.conflicts(null).stream().filter(Conflict::open).toList());
        open.sort(Comparator.comparing(Conflict::detectedAt));
        return open;
    }

    @Override
    public List<Conflict> conflictLog(ConfigKey key) {
        return store.conflicts(key);
    }

    @Override
    public ConfigDocument resolve(ConfigKey key, ObjectNode body, String resolution) throws StorageException {
        synchronized (lockOf(key)) {
            List<Conflict> open = store.conflicts(key).stream().filter(Conflict::open).toList();
            // Always a new version, even when it equals this device's: it must win on every tier.
            ConfigDocument previous = currentLocal(key);
            Instant now = clock.now();
            Instant created = previous == null || previous.deleted() ? now : previous.createdAt();
            ConfigDocument saved = write(body == null ? ConfigDocument.tombstone(key, created, now)
                    : ConfigDocument.of(key, body, created, now), previous);
            for (Conflict c : open) {
                store.saveConflict(new Conflict(c.key(), c.tier(), c.mine(), c.theirs(), c.detectedAt(), resolution));
                store.entry(c.tier(), key).ifPresent(e -> store.update(e.holding(false).retryAt(timer.now())));
                events.state(key, c.tier(), SyncState.PENDING, "Resolved: " + resolution);
            }
            scheduleDrain(timer.now());
            return saved;
        }
    }

    @Override
    public List<ConfigDocument> history(ConfigKey key) {
        return store.history(key);
    }

    @Override
    public ConfigDocument restore(ConfigKey key, Instant version) throws StorageException {
        ConfigDocument old = store.history(key).stream().filter(d -> d.updatedAt().equals(version)).findFirst()
                .orElseThrow(() -> new StorageException("No version of " + key + " from " + version + " is in its history", false));
        return old.deleted() ? delete(key) : put(key, old.body());
    }

    // ---------------------------------------------------------------- plumbing

    private Object lockOf(ConfigKey key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    /** Stops scheduling; the store closes too when this coordinator opened it. */
    @Override
    public void close() {
        closed = true;
        if (ownsStore) {
            store.close();
        }
    }
}
