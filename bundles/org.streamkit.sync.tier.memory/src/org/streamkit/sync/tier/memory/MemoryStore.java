package org.streamkit.sync.tier.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ChangeLog;

/**
 * The memory cache: every document in a concurrent map for lock-free reads, and a {@link ChangeLog} for
 * {@link #changedSince}. Writes and change pages take one lock, so a document and its change record
 * always agree. The change log is made by the first {@link #changedSince}, from every document held then:
 * before it no cursor exists, so no change needs a record, and a cache the coordinator only reads and
 * writes (it pulls from remote tiers alone) keeps none (about 110 bytes per config).
 */
public final class MemoryStore implements StorageTier {

    private static final TierHealth HEALTH = TierHealth.up();

    private final String name;
    private final Map<ConfigKey, ConfigDocument> documents = new ConcurrentHashMap<>();
    /** Null until the first {@link #changedSince}; guarded by this store. */
    private ChangeLog changeLog;

    public MemoryStore(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) {
        return Optional.ofNullable(documents.get(key));
    }

    @Override
    public synchronized ConfigDocument put(ConfigDocument document) {
        documents.put(document.key(), document);
        if (changeLog != null) {
            changeLog.record(document.key());
        }
        return document;
    }

    @Override
    public synchronized ConfigDocument delete(ConfigKey key, Instant deletedAt) {
        ConfigDocument existing = documents.get(key);
        return put(existing == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt) : existing.asTombstone(deletedAt));
    }

    @Override
    public Set<String> listTypes() {
        return documents.keySet().stream().map(ConfigKey::type).collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public List<ConfigKey> listKeys(String type) {
        ConfigKey.validateType(type);
        return documents.keySet().stream().filter(k -> k.type().equals(type)).sorted().toList();
    }

    @Override
    public synchronized Changes changedSince(String cursor, int limit) {
        if (changeLog == null) {
            changeLog = new ChangeLog(name);
            documents.keySet().stream().sorted().forEach(changeLog::record);
        }
        ChangeLog.Page page = changeLog.page(cursor, limit);
        return new Changes(page.keys().stream().map(documents::get).toList(), page.nextCursor(), page.hasMore());
    }

    @Override
    public TierHealth health() {
        return HEALTH;
    }

    /** @return how many documents (tombstones included) the store holds */
    public int size() {
        return documents.size();
    }
}
