package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * This device's edits and the local tiers: it owns the {@link HybridClock}, stamps every edit (puts,
 * deletes, restores, conflict resolutions, imports) after the version it replaces, records it in the
 * outbox and history, and writes it to every local tier, all under the config's lock. It also stores the
 * versions pulls bring, and says what the local tiers hold now.
 */
final class LocalWriter {

    private static final Logger LOG = LoggerFactory.getLogger(LocalWriter.class);

    private final SyncContext sync;
    private final HybridClock clock;
    private Delivery delivery;

    LocalWriter(SyncContext sync) {
        this.sync = sync;
        this.clock = new HybridClock(sync.timer::now, sync.store.lastClock(), sync.store.deviceTag());
    }

    void deliveringWith(Delivery outbox) {
        this.delivery = outbox;
    }

    HybridClock clock() {
        return clock;
    }

    /** @return the newest version the local tiers hold (the first available local tier that has it), or null */
    ConfigDocument current(ConfigKey key) {
        return current(key, sync.tiers.availableLocals(), null);
    }

    /**
     * @param locals the available local tiers, highest first
     * @param sole   a durable tier that holds every write the others hold (its "none" is the answer), or null
     */
    private ConfigDocument current(ConfigKey key, List<Coordinator.Tier> locals, Coordinator.Tier sole) {
        for (Coordinator.Tier t : locals) {
            try {
                Optional<ConfigDocument> found = t.tier().get(key);
                if (found.isPresent()) {
                    return found.get();
                }
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Local tier {} failed reading {}: {}", t.name(), key, e.toString());
                continue;
            }
            if (t == sole) {
                return null;
            }
        }
        return null;
    }

    /**
     * @return this device's version of a config: what the local tiers hold, or the version the outbox
     *         recorded for it when that is newer (a write interrupted between its record and the local tiers, by
     *         a crash or a failed tier), which is then written to the local tiers first, so the device never
     *         sends a version it does not hold; null when there is none
     */
    ConfigDocument ownVersion(ConfigKey key) throws StorageException {
        synchronized (sync.lockOf(key)) {
            ConfigDocument local = current(key);
            ConfigDocument recorded = sync.store.pending(key).orElse(null);
            if (recorded == null || !recorded.isNewerThan(local)) {
                return local;
            }
            LOG.info("{}: completing a write that was recorded but did not reach the local tiers", key);
            store(recorded);
            sync.events.changed(key, recorded.deleted());
            return recorded;
        }
    }

    /** Saves an edit of this device; nothing changes when the body is the one already there. */
    ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException {
        if (body == null) {
            throw new ConfigValidationException("Config body is missing; it must be a JSON object such as {}");
        }
        ConfigDocument proposed = ConfigDocument.of(key, body, Instant.EPOCH, Instant.EPOCH); // refuses an invalid body first
        requireReady(key);
        synchronized (sync.lockOf(key)) {
            ConfigDocument previous = current(key);
            if (previous != null && !previous.deleted() && previous.sameBody(proposed)) {
                return previous; // nothing changed: no new version, no remote write
            }
            return save(key, body, previous);
        }
    }

    /** Deletes a config: a tombstone, stamped and queued like an edit. */
    ConfigDocument delete(ConfigKey key) throws StorageException {
        requireReady(key);
        synchronized (sync.lockOf(key)) {
            ConfigDocument previous = current(key);
            if (previous != null && previous.deleted()) {
                return previous;
            }
            return save(key, null, previous);
        }
    }

    /**
     * Takes a version made elsewhere with its own stamp, when it is newer than this device's.
     *
     * @return whether it was taken
     */
    boolean importVersion(ConfigDocument version) throws StorageException {
        ConfigKey key = version.key();
        requireReady(key);
        synchronized (sync.lockOf(key)) {
            ConfigDocument previous = latest(key, sync.tiers.availableLocals(), null);
            if (previous != null && !version.isNewerThan(previous)) {
                return false;
            }
            clock.observe(version.updatedAt());
            record(version.withRemoteVersion(null), previous);
            return true;
        }
    }

    /**
     * Takes versions made elsewhere, as {@link #importVersion} takes each (but a version with this device's
     * content, the same body or both deleted, is not taken: nothing would change), holding all their locks,
     * with one record and one write per tier for the whole batch.
     *
     * @return the keys whose version was taken, in the order given
     */
    List<ConfigKey> importVersions(List<ConfigDocument> versions) throws StorageException {
        if (versions.isEmpty()) {
            return List.of();
        }
        Map<ConfigKey, ConfigDocument> newest = new LinkedHashMap<>();
        for (ConfigDocument v : versions) {
            newest.merge(v.key(), v, (a, b) -> b.isNewerThan(a) ? b : a);
        }
        requireReady(versions.get(0).key());
        Set<ConfigKey> taken = new HashSet<>();
        sync.withLocks(newest.keySet(), () -> {
            List<ConfigDocument[]> writes = new ArrayList<>();
            List<Coordinator.Tier> locals = sync.tiers.availableLocals();
            Coordinator.Tier sole = sync.soleSource();
            for (ConfigDocument version : newest.values()) {
                ConfigDocument previous = latest(version.key(), locals, sole);
                if (previous == null || !version.sameContent(previous) && version.isNewerThan(previous)) {
                    clock.observe(version.updatedAt());
                    writes.add(new ConfigDocument[] { version.withRemoteVersion(null), previous });
                }
            }
            recordAll(writes);
            writes.forEach(w -> taken.add(w[0].key()));
            return null;
        });
        List<ConfigKey> order = new ArrayList<>(taken.size());
        for (ConfigKey key : newest.keySet()) {
            if (taken.contains(key)) {
                order.add(key);
            }
        }
        return order;
    }

    /**
     * Saves a new version whatever the one before was (a restore, a conflict's resolution): it always wins on
     * every tier.
     *
     * @param body the new body, or null for a tombstone
     */
    ConfigDocument saveNewVersion(ConfigKey key, ObjectNode body) throws StorageException {
        requireReady(key);
        synchronized (sync.lockOf(key)) {
            return save(key, body, current(key));
        }
    }

    /**
     * Saves new versions of several configs, as {@link #saveNewVersion} saves one, holding all their locks,
     * with one record and one write per tier for the whole batch. A config whose body is already the one
     * given (or that is already deleted, for a delete) gets no new version.
     *
     * @param bodies each config's new body, or null for a delete
     * @return the keys that got a new version
     */
    List<ConfigKey> saveNewVersions(Map<ConfigKey, ObjectNode> bodies) throws StorageException {
        if (bodies.isEmpty()) {
            return List.of();
        }
        Map<ConfigKey, ConfigDocument> proposed = new LinkedHashMap<>();
        for (Map.Entry<ConfigKey, ObjectNode> b : bodies.entrySet()) {
            // Refuses an invalid body before anything is written; null stands for a delete.
            proposed.put(b.getKey(), b.getValue() == null ? null : ConfigDocument.of(b.getKey(), b.getValue(), Instant.EPOCH, Instant.EPOCH));
        }
        requireReady(bodies.keySet().iterator().next());
        return sync.withLocks(bodies.keySet(), () -> {
            List<ConfigDocument[]> writes = new ArrayList<>();
            List<Coordinator.Tier> locals = sync.tiers.availableLocals();
            Coordinator.Tier sole = sync.soleSource();
            for (Map.Entry<ConfigKey, ConfigDocument> p : proposed.entrySet()) {
                ConfigDocument previous = latest(p.getKey(), locals, sole);
                ConfigDocument next = p.getValue();
                if (next == null ? previous == null || previous.deleted()
                        : previous != null && !previous.deleted() && previous.sameBody(next)) {
                    continue;
                }
                writes.add(new ConfigDocument[] { stamped(p.getKey(), bodies.get(p.getKey()), previous), previous });
            }
            recordAll(writes);
            List<ConfigKey> saved = new ArrayList<>(writes.size());
            for (ConfigDocument[] w : writes) {
                saved.add(w[0].key());
            }
            return saved;
        });
    }

    /** Stamps, records and writes an edit. Called under the key's lock. */
    private ConfigDocument save(ConfigKey key, ObjectNode body, ConfigDocument previous) throws StorageException {
        return record(stamped(key, body, previous), previous);
    }

    /** @return a new version of this device after {@code previous} (null: none): {@code body}, or a tombstone for null */
    private ConfigDocument stamped(ConfigKey key, ObjectNode body, ConfigDocument previous) {
        Instant stamp = clock.stampAfter(previous == null ? null : previous.updatedAt());
        Instant created = previous == null || previous.deleted() ? stamp : previous.createdAt();
        return body == null
                ? (previous == null ? ConfigDocument.tombstone(key, created, stamp) : previous.withRemoteVersion(null).asTombstone(stamp))
                : ConfigDocument.of(key, body, created, stamp);
    }

    /**
     * @return this device's newest version of a config: what the local tiers hold, or what the outbox waits to
     *         send when that is newer (a write a crash kept from the local tiers); null when there is none
     */
    private ConfigDocument latest(ConfigKey key, List<Coordinator.Tier> locals, Coordinator.Tier sole) {
        ConfigDocument previous = current(key, locals, sole);
        ConfigDocument queued = sync.store.pending(key).orElse(null);
        return queued != null && queued.isNewerThan(previous) ? queued : previous;
    }

    /** Records a version of this device in the outbox and history, then writes it to the local tiers. */
    private ConfigDocument record(ConfigDocument document, ConfigDocument previous) throws StorageException {
        List<ConfigDocument[]> one = new ArrayList<>(1);
        one.add(new ConfigDocument[] { document, previous });
        recordAll(one);
        return document;
    }

    /**
     * Records versions (each with the one it replaces) in the outbox and history in one commit, then writes
     * them to the local tiers. Called under the locks of their keys.
     */
    private void recordAll(List<ConfigDocument[]> writes) throws StorageException {
        if (writes.isEmpty()) {
            return;
        }
        Instant now = sync.timer.now();
        Map<String, Duration> debounces = new LinkedHashMap<>();
        for (String remote : sync.remoteNames()) {
            debounces.put(remote, sync.debounce(remote));
        }
        if (writes.size() == 1) {
            sync.store.recordWrite(writes.get(0)[0], writes.get(0)[1], debounces, now, sync.settings.historyDepth(), clock.last());
        } else {
            sync.store.recordWrites(writes, debounces, now, sync.settings.historyDepth(), clock.last());
        }
        List<ConfigDocument> documents = new ArrayList<>(writes.size());
        for (ConfigDocument[] w : writes) {
            documents.add(w[0]);
        }
        storeAll(documents);
        for (ConfigDocument document : documents) {
            ConfigKey key = document.key();
            sync.events.changed(key, document.deleted());
            for (String remote : debounces.keySet()) {
                sync.events.state(key, remote, sync.reachable(remote) ? SyncState.PENDING : SyncState.OFFLINE, "");
            }
        }
        debounces.values().stream().min(Duration::compareTo).ifPresent(d -> delivery.schedule(now.plus(d)));
    }

    /**
     * Writes a version into every local tier, as it is (without a remote's version tag).
     *
     * @throws StorageException when no durable local tier stored it: the version is not safe on this device
     */
    void store(ConfigDocument document) throws StorageException {
        storeAll(List.of(document));
    }

    /**
     * Writes versions into every local tier, as they are, with one {@link StorageTier#putAll} per tier.
     *
     * @throws StorageException when no durable local tier stored them: they are not safe on this device
     */
    void storeAll(List<ConfigDocument> documents) throws StorageException {
        if (documents.isEmpty()) {
            return;
        }
        List<ConfigDocument> local = new ArrayList<>(documents.size());
        for (ConfigDocument d : documents) {
            local.add(d.remoteVersion() == null ? d : d.withRemoteVersion(null));
        }
        String what = documents.size() == 1 ? documents.get(0).key().toString() : documents.size() + " configs";
        Set<String> durable = new HashSet<>();
        Set<String> tried = new HashSet<>();
        StorageException last = null;
        // A local tier that joins while this write runs gets it too: the tier joins the chain before its
        // backfill lists what the other tiers hold, so it either sees this write there or is in the chain here.
        Set<Coordinator.Tier> written = new HashSet<>();
        boolean more = true;
        while (more) {
            more = false;
            for (Coordinator.Tier t : sync.tiers.all()) {
                if (t.remote() || !written.add(t)) {
                    continue;
                }
                more = true;
                if (t.durable()) {
                    tried.add(t.name());
                }
                try {
                    if (local.size() == 1) {
                        t.tier().put(local.get(0));
                    } else {
                        t.tier().putAll(local);
                    }
                    if (t.durable()) {
                        durable.add(t.name());
                    }
                } catch (StorageException e) {
                    last = e;
                    LOG.warn("Tier {} did not store {}: {}", t.name(), what, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("Tier {} failed storing {}: {}", t.name(), what, e.toString());
                }
            }
        }
        sync.storedBy(tried, durable);
        if (durable.isEmpty()) {
            throw new StorageException("No durable local tier (Xodus or the file backup) stored " + what
                    + (last == null ? "; none is running. Start the Streamkit tier bundles." : ": " + last.getMessage()), true, last);
        }
    }

    /** Waits, bounded, for a durable local tier: an edit is acknowledged only once one holds it. */
    void requireReady(ConfigKey key) throws StorageException {
        if (!sync.tiers.awaitReady(sync.settings.readyWait())) {
            throw new StorageException("No durable local tier (Xodus or the file backup) is running, so " + key
                    + " was not saved. Start the Streamkit tier bundles.", true);
        }
        if (!sync.awaitRepaired(sync.settings.readyWait())) {
            LOG.warn("The local tiers are still being compared after an unclean stop; saving {} anyway", key);
        }
    }
}
