package org.streamkit.sync.ui.tests;

import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ChangeLog;
import org.streamkit.sync.testing.Services;

/**
 * A remote tier for the UI tests, registered as an OSGi service like the cloud tier: an in-memory server
 * behind a link that can be cut, and that refuses for good the configs whose id is on its list. Its
 * debounce is a minute, so a change stays pending until Sync Now sends it. Once registered it stays for
 * the rest of the test run (the coordinator remembers every remote it has seen).
 */
final class TestRemoteTier implements StorageTier {

    static final String NAME = "ui-test-remote";

    private static TestRemoteTier installed;

    private final Map<ConfigKey, ConfigDocument> documents = new ConcurrentHashMap<>();
    private final ChangeLog changeLog = new ChangeLog(NAME);
    private final Set<String> refusedIds = ConcurrentHashMap.newKeySet();
    private volatile boolean reachable = true;

    private TestRemoteTier() {
    }

    /** @return the tier, registered with the coordinator on the first call */
    static synchronized TestRemoteTier install(Class<?> caller) {
        if (installed == null) {
            installed = new TestRemoteTier();
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(StorageTier.RANKING, 150);
            properties.put(StorageTier.TIER_NAME, NAME);
            properties.put(StorageTier.TIER_KIND, StorageTier.KIND_REMOTE);
            properties.put(StorageTier.DEBOUNCE_MS, 60_000L);
            Services.context(caller).registerService(StorageTier.class, installed, properties);
        }
        return installed;
    }

    void reachable(boolean now) {
        reachable = now;
    }

    void refuse(String id) {
        refusedIds.add(id);
    }

    /** @return what the server holds for a key (no link needed: this is the server's own view) */
    Optional<ConfigDocument> stored(ConfigKey key) {
        return Optional.ofNullable(documents.get(key));
    }

    private void link() throws StorageException {
        if (!reachable) {
            throw new StorageException("The " + NAME + " server is unreachable", true);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        link();
        return Optional.ofNullable(documents.get(key));
    }

    @Override
    public synchronized ConfigDocument put(ConfigDocument document) throws StorageException {
        link();
        if (refusedIds.contains(document.id())) {
            throw new StorageException("The " + NAME + " server refused " + document.key() + " (400)", false);
        }
        documents.put(document.key(), document);
        changeLog.record(document.key());
        return document;
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        ConfigDocument previous = documents.get(key);
        return put(previous == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt) : previous.asTombstone(deletedAt));
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        link();
        Set<String> types = new TreeSet<>();
        documents.keySet().forEach(k -> types.add(k.type()));
        return types;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        link();
        return documents.keySet().stream().filter(k -> k.type().equals(type)).sorted().toList();
    }

    @Override
    public synchronized Changes changedSince(String cursor, int limit) throws StorageException {
        link();
        ChangeLog.Page page = changeLog.page(cursor, limit);
        return new Changes(page.keys().stream().map(documents::get).toList(), page.nextCursor(), page.hasMore());
    }

    @Override
    public TierHealth health() {
        return reachable ? TierHealth.up() : TierHealth.down("The " + NAME + " server is unreachable");
    }
}
