package org.streamkit.sync.tier.memory.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.Services;

/** The tiers in the service registry, their ranking and kind, as the coordinator will see them. */
class RegisteredTiersTest {

    private static java.util.Map<String, Object> asMap(ServiceReference<StorageTier> reference) {
        java.util.Map<String, Object> map = new java.util.HashMap<>();
        for (String key : reference.getPropertyKeys()) {
            map.put(key, reference.getProperty(key));
        }
        return map;
    }

    @Test
    void theMemoryTierIsRegisteredAsALocalTierRanked500() {
        Services.tier(RegisteredTiersTest.class, "memory");
        List<ServiceReference<StorageTier>> tiers = Services.tierReferences(RegisteredTiersTest.class);
        System.out.println("Registered storage tiers (highest ranking first):");
        for (ServiceReference<StorageTier> ref : tiers) {
            System.out.printf("  %-8s ranking %4d  kind %-6s  bundle %s%n", ref.getProperty(StorageTier.TIER_NAME),
                    Services.ranking(ref), ref.getProperty(StorageTier.TIER_KIND), ref.getBundle().getSymbolicName());
        }
        assertFalse(tiers.isEmpty());
        ServiceReference<StorageTier> memory = tiers.stream()
                .filter(r -> "memory".equals(r.getProperty(StorageTier.TIER_NAME))).findFirst().orElseThrow();
        assertEquals(500, Services.ranking(memory));
        assertEquals(StorageTier.KIND_LOCAL, memory.getProperty(StorageTier.TIER_KIND));
        assertFalse(StorageTier.durable(asMap(memory)),
                "the memory cache does not survive the process, and says so");
        assertEquals("org.streamkit.sync.tier.memory", memory.getBundle().getSymbolicName());
        for (int i = 1; i < tiers.size(); i++) {
            assertTrue(Services.ranking(tiers.get(i - 1)) >= Services.ranking(tiers.get(i)),
                    "tiers are listed highest ranking first");
        }
    }
}
