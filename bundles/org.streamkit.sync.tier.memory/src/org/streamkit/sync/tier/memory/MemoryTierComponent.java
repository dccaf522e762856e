package org.streamkit.sync.tier.memory;

import org.osgi.service.component.annotations.Component;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.support.ForwardingStorageTier;

/**
 * Registers the memory cache as the highest-ranked {@link StorageTier} (500, local, not
 * {@link StorageTier#DURABLE durable}). Its content lives as long as the component: stopping the bundle
 * drops it, and the coordinator refills it from the tiers below.
 */
@Component(service = StorageTier.class, property = {
        StorageTier.RANKING + ":Integer=500",
        StorageTier.TIER_NAME + "=" + MemoryTierComponent.NAME,
        StorageTier.TIER_KIND + "=" + StorageTier.KIND_LOCAL,
        StorageTier.DURABLE + ":Boolean=false" })
public final class MemoryTierComponent extends ForwardingStorageTier {

    static final String NAME = "memory";

    private final MemoryStore store = new MemoryStore(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected StorageTier delegate() {
        return store;
    }
}
