package org.streamkit.sync.tier.obs;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.streamkit.sync.testing.ObsStudio;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.testing.StorageTierContractTest;

/** The storage-tier contract, held by the OBS tier against a real OBS Studio. */
class ObsTierContractTest extends StorageTierContractTest {

    private static ObsStudio obs;
    private static ObsConnection connection;
    private static ObsStore store;

    @BeforeAll
    static void start() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        obs = new ObsStudio(ObsStudio.home("obs-contract"), password).start();
        connection = new ObsConnection(obs.uri(), () -> password, Duration.ofSeconds(10), Duration.ofMillis(100),
                Duration.ofMillis(500), new ObsConnection.Listener() {
                    @Override
                    public void connected() {
                    }

                    @Override
                    public void event(String type, com.fasterxml.jackson.databind.JsonNode data) {
                    }
                });
        store = new ObsStore("obs", connection, "streamkit_contract");
        connection.start();
        ObsTierTest.waitUntil(() -> store.health().status() == TierHealth.Status.UP, Duration.ofSeconds(30),
                () -> store.health().reason());
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (obs != null) {
            obs.close();
        }
    }

    @Override
    protected StorageTier tier() {
        return store;
    }

    @Override
    protected int concurrentWriters() {
        return 4; // every write rewrites the whole slot, one at a time
    }

    @Override
    protected int writesPerWriter() {
        return 25;
    }
}
