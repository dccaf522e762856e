package org.streamkit.sync.tier.memory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;

/**
 * Registers the memory cache as the highest-ranked {@link StorageTier} (500, local). Its content lives
 * as long as the component: stopping the bundle drops it, and the coordinator refills it from the tiers
 * below.
 */
@Component(service = StorageTier.class, property = {
        StorageTier.RANKING + ":Integer=500",
        StorageTier.TIER_NAME + "=" + MemoryTierComponent.NAME,
        StorageTier.TIER_KIND + "=" + StorageTier.KIND_LOCAL })
public final class MemoryTierComponent implements StorageTier {

    static final String NAME = "memory";

    private final MemoryStore store = new MemoryStore(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) {
        return store.get(key);
    }

    @Override
    public ConfigDocument put(ConfigDocument document) {
        return store.put(document);
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) {
        return store.delete(key, deletedAt);
    }

    @Override
    public Set<String> listTypes() {
        return store.listTypes();
    }

    @Override
    public List<ConfigKey> listKeys(String type) {
        return store.listKeys(type);
    }

    @Override
    public Changes changedSince(String cursor, int limit) {
        return store.changedSince(cursor, limit);
    }

    @Override
    public TierHealth health() {
        return store.health();
    }
}
