package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;
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
        for (Coordinator.Tier t : sync.tiers.availableLocals()) {
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
            ConfigDocument previous = current(key);
            ConfigDocument queued = sync.store.pending(key).orElse(null);
            if (queued != null && queued.isNewerThan(previous)) {
                previous = queued;
            }
            if (previous != null && !version.isNewerThan(previous)) {
                return false;
            }
            clock.observe(version.updatedAt());
            record(version.withRemoteVersion(null), previous);
            return true;
        }
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

    /** Stamps, records and writes an edit. Called under the key's lock. */
    private ConfigDocument save(ConfigKey key, ObjectNode body, ConfigDocument previous) throws StorageException {
        Instant stamp = clock.stampAfter(previous == null ? null : previous.updatedAt());
        Instant created = previous == null || previous.deleted() ? stamp : previous.createdAt();
        ConfigDocument document = body == null
                ? (previous == null ? ConfigDocument.tombstone(key, created, stamp) : previous.withRemoteVersion(null).asTombstone(stamp))
                : ConfigDocument.of(key, body, created, stamp);
        return record(document, previous);
    }

    /** Records a version of this device in the outbox and history, then writes it to the local tiers. */
    private ConfigDocument record(ConfigDocument document, ConfigDocument previous) throws StorageException {
        ConfigKey key = document.key();
        Instant now = sync.timer.now();
        Map<String, Duration> debounces = new LinkedHashMap<>();
        for (String remote : sync.remoteNames()) {
            debounces.put(remote, sync.debounce(remote));
        }
        sync.store.recordWrite(document, previous, debounces, now, sync.settings.historyDepth(), clock.last());
        store(document);
        sync.events.changed(key, document.deleted());
        for (String remote : debounces.keySet()) {
            sync.events.state(key, remote, sync.reachable(remote) ? SyncState.PENDING : SyncState.OFFLINE, "");
        }
        debounces.values().stream().min(Duration::compareTo).ifPresent(d -> delivery.schedule(now.plus(d)));
        return document;
    }

    /**
     * Writes a version into every local tier, as it is (without a remote's version tag).
     *
     * @throws StorageException when no durable local tier stored it: the version is not safe on this device
     */
    void store(ConfigDocument document) throws StorageException {
        ConfigDocument local = document.remoteVersion() == null ? document : document.withRemoteVersion(null);
        int durable = 0;
        StorageException last = null;
        // A local tier that joins while this write runs gets it too: the tier joins the chain before its
        // backfill lists what the other tiers hold, so it either sees this write there or is in the chain here.
        java.util.Set<Coordinator.Tier> written = new java.util.HashSet<>();
        boolean more = true;
        while (more) {
            more = false;
            for (Coordinator.Tier t : sync.tiers.all()) {
                if (t.remote() || !written.add(t)) {
                    continue;
                }
                more = true;
                try {
                    t.tier().put(local);
                    if (t.durable()) {
                        durable++;
                    }
                } catch (StorageException e) {
                    last = e;
                    LOG.warn("Tier {} did not store {}: {}", t.name(), document.key(), e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("Tier {} failed storing {}: {}", t.name(), document.key(), e.toString());
                }
            }
        }
        if (durable == 0) {
            throw new StorageException("No durable local tier (Xodus or the file backup) stored " + document.key()
                    + (last == null ? "; none is running. Start the Streamkit tier bundles." : ": " + last.getMessage()), true, last);
        }
    }

    /** Waits, bounded, for a durable local tier: an edit is acknowledged only once one holds it. */
    void requireReady(ConfigKey key) throws StorageException {
        if (!sync.tiers.awaitReady(sync.settings.readyWait())) {
            throw new StorageException("No durable local tier (Xodus or the file backup) is running, so " + key
                    + " was not saved. Start the Streamkit tier bundles.", true);
        }
    }
}
