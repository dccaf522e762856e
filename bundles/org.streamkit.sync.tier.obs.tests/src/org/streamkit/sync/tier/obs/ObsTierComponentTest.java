package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.testing.Services;

/** The OBS tier as the framework registers it: on embedded defaults, with no OBS on this machine's port 4455. */
class ObsTierComponentTest {

    @Test
    void theTierIsRegisteredAsARemoteTierRankedBetweenTheLocalTiersAndTheCloud() throws Exception {
        StorageTier tier = Services.tier(getClass(), "obs");
        ServiceReference<StorageTier> reference = Services.tierReferences(getClass()).stream()
                .filter(r -> "obs".equals(r.getProperty(StorageTier.TIER_NAME))).findFirst().orElseThrow();
        assertEquals(200, Services.ranking(reference));
        assertEquals(StorageTier.KIND_REMOTE, reference.getProperty(StorageTier.TIER_KIND));
        assertEquals(2000L, reference.getProperty(StorageTier.DEBOUNCE_MS));
        ObsTierTest.waitUntil(() -> !tier.health().reason().startsWith("Connecting"), Duration.ofSeconds(20),
                () -> tier.health().reason());
        TierHealth health = tier.health();
        if (health.status() != TierHealth.Status.UP) { // unless an OBS runs on this machine
            assertTrue(health.reason().contains("127.0.0.1:4455"), "the reason says where OBS was looked for: " + health.reason());
        }
    }

    @Test
    void hostAndPortAreCheckedWithAClearError() {
        assertTrue(assertThrows(StorageException.class, () -> ObsTierComponent.uri("127.0.0.1", 70000)).getMessage().contains("70000"));
        assertTrue(assertThrows(StorageException.class, () -> ObsTierComponent.uri("bad host name", 4455)).getMessage()
                .contains("bad host name"));
        assertEquals("ws://[::1]:4455/", assertDoesNotThrow(() -> ObsTierComponent.uri("::1", 4455)).toString());
    }
}
