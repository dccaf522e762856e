package org.streamkit.sync.coordinator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

/**
 * Reads: one config through the tiers in rank order (the first answer wins, a tombstone answers
 * "deleted"), the local tiers above the one that answered refilled in the background; listings merged
 * last write wins across the local tiers, plus what only a reachable remote holds yet. A version that only
 * a remote tier held is merged like a pulled one (so it also reaches the other remotes).
 */
final class ReadPath {

    private static final Logger LOG = LoggerFactory.getLogger(ReadPath.class);

    private final SyncContext sync;
    private PullMerger merger;

    ReadPath(SyncContext sync) {
        this.sync = sync;
    }

    void mergingWith(PullMerger pulls) {
        this.merger = pulls;
    }

    /** @return the config or its tombstone, as the highest tier that knows it has it */
    Optional<ConfigDocument> find(ConfigKey key) throws StorageException {
        sync.tiers.awaitReady(sync.settings.readyWait());
        Coordinator.Tier[] chain = sync.tiers.all();
        StorageException last = null;
        for (int i = 0; i < chain.length; i++) {
            Coordinator.Tier t = chain[i];
            if (t.remote() && (sync.offline || !sync.store.routes(t.name(), key))) {
                continue; // offline, or a config this remote does not sync: it is not read from there
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
                sync.metrics.readAnsweredBy(t.name());
                if (i > 0) {
                    ConfigDocument document = found.get();
                    int answeredAt = i;
                    sync.background.execute(() -> refill(document, chain, answeredAt));
                }
                return found;
            }
        }
        sync.metrics.readMisses.increment();
        if (last != null && chain.length > 0 && sync.tiers.availableLocals().isEmpty()) {
            throw last;
        }
        return Optional.empty();
    }

    /** Writes a version found lower in the chain into the local tiers above it, unless they hold newer. */
    private void refill(ConfigDocument document, Coordinator.Tier[] chain, int answeredAt) {
        Coordinator.Tier answered = chain[answeredAt];
        if (answered.remote()) {
            try {
                merger.merge(document, answered, false); // stored like a pulled version, and passed on
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Refill of {} from {} failed: {}", document.key(), answered.name(), e.toString());
            }
            return;
        }
        synchronized (sync.lockOf(document.key())) {
            for (int i = 0; i < answeredAt; i++) {
                Coordinator.Tier t = chain[i];
                if (t.remote()) {
                    continue;
                }
                try {
                    Optional<ConfigDocument> current = t.tier().get(document.key());
                    if (current.isEmpty() || document.isNewerThan(current.get())) {
                        t.tier().put(document);
                    }
                } catch (StorageException | RuntimeException e) {
                    LOG.debug("Refill of {} into {} failed: {}", document.key(), t.name(), e.toString());
                }
            }
        }
    }

    /** @return the live configs of a type, merged last write wins, with what only a reachable remote holds yet */
    List<ConfigDocument> list(String type) throws StorageException {
        ConfigKey.validateType(type);
        sync.tiers.awaitReady(sync.settings.readyWait());
        Map<ConfigKey, ConfigDocument> merged = local(type);
        addRemoteOnly(type, merged);
        return merged.values().stream().filter(d -> !d.deleted()).toList();
    }

    /**
     * @return what the local tiers hold of a type, tombstones included, the newest version of each key: read
     *         from the first durable local tier alone when every durable one holds every write (the usual
     *         case), else merged from all of them
     */
    Map<ConfigKey, ConfigDocument> local(String type) throws StorageException {
        Map<ConfigKey, ConfigDocument> merged = new TreeMap<>();
        Coordinator.Tier sole = sync.soleSource();
        if (sole != null) {
            try {
                for (ConfigDocument d : sole.tier().documents(type)) {
                    merged.put(d.key(), d);
                }
                return merged;
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Listing {} on {} failed, merging every local tier: {}", type, sole.name(), e.toString());
                merged.clear();
            }
        }
        boolean any = false;
        StorageException last = null;
        for (Coordinator.Tier t : sync.tiers.all()) {
            if (t.remote()) {
                continue;
            }
            try {
                for (ConfigDocument d : t.tier().documents(type)) {
                    merged.merge(d.key(), d, Lww::winner);
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
        if (sync.offline) {
            return;
        }
        for (Coordinator.Tier t : sync.tiers.remotes()) {
            if (!t.available()) {
                continue;
            }
            List<ConfigKey> missing;
            try {
                missing = t.tier().listKeys(type).stream()
                        .filter(k -> !merged.containsKey(k) && sync.store.routes(t.name(), k)).toList();
            } catch (StorageException | RuntimeException e) {
                LOG.debug("Listing {} on {} failed: {}", type, t.name(), e.toString());
                continue;
            }
            List<CompletableFuture<Optional<ConfigDocument>>> reads = missing.stream()
                    .map(k -> CompletableFuture.supplyAsync(() -> {
                        try {
                            return t.tier().get(k);
                        } catch (StorageException e) {
                            return Optional.<ConfigDocument>empty();
                        }
                    }, sync.background)).toList();
            for (CompletableFuture<Optional<ConfigDocument>> read : reads) {
                try {
                    read.join().ifPresent(d -> merged.merge(d.key(), d, Lww::winner));
                } catch (CompletionException e) {
                    LOG.debug("A read from {} failed: {}", t.name(), e.toString());
                }
            }
        }
    }

    /** @return every live config the local tiers hold (tombstones left out), type by type */
    List<ConfigDocument> localLive() throws StorageException {
        List<ConfigDocument> live = new ArrayList<>();
        for (String type : localTypes()) {
            for (ConfigDocument d : local(type).values()) {
                if (!d.deleted()) {
                    live.add(d);
                }
            }
        }
        return live;
    }

    /** @return every type the local tiers hold */
    Set<String> localTypes() {
        Set<String> types = new TreeSet<>();
        for (Coordinator.Tier t : sync.tiers.availableLocals()) {
            try {
                types.addAll(t.tier().listTypes());
            } catch (StorageException e) {
                LOG.debug("Tier {} could not list types: {}", t.name(), e.toString());
            }
        }
        return types;
    }
}
