package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;

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
    void turnedOffItNeverConnectsAndSaysWhy() throws Exception {
        try (ServerSocket obs = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            obs.setSoTimeout(1500);
            ObsTierComponent tier = new ObsTierComponent(config(obs.getLocalPort()), Map.of(StorageTier.ENABLED, false));
            try {
                assertThrows(SocketTimeoutException.class, obs::accept, "nothing connects to OBS");
                assertEquals(TierHealth.Status.DOWN, tier.health().status());
                assertEquals("OBS is turned off in the Streamkit preferences", tier.health().reason());
            } finally {
                tier.deactivate();
            }
            // On, the same settings connect at once.
            ObsTierComponent on = new ObsTierComponent(config(obs.getLocalPort()), Map.of(StorageTier.ENABLED, true));
            try (Socket connected = obs.accept()) {
                assertTrue(connected.isConnected(), "the tier turned on connects");
            } finally {
                on.deactivate();
            }
        }
    }

    /** @return the component's configuration with its defaults, on this port of this machine */
    static ObsTierComponent.Config config(int port) {
        return (ObsTierComponent.Config) Proxy.newProxyInstance(ObsTierComponent.Config.class.getClassLoader(),
                new Class<?>[] { ObsTierComponent.Config.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "port" -> port;
                    case "annotationType" -> ObsTierComponent.Config.class;
                    case "toString" -> "Config(port=" + port + ")";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> method.getDefaultValue();
                });
    }

    @Test
    void hostAndPortAreCheckedWithAClearError() {
        assertTrue(assertThrows(StorageException.class, () -> ObsTierComponent.uri("127.0.0.1", 70000)).getMessage().contains("70000"));
        assertTrue(assertThrows(StorageException.class, () -> ObsTierComponent.uri("bad host name", 4455)).getMessage()
                .contains("bad host name"));
        assertEquals("ws://[::1]:4455/", assertDoesNotThrow(() -> ObsTierComponent.uri("::1", 4455)).toString());
    }
}
