package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.testing.ObsStudio;

import com.fasterxml.jackson.databind.JsonNode;

/** The handshake with an OBS whose WebSocket server asks for no password. */
class ObsWithoutAuthTest {

    private static ObsStudio obs;

    @BeforeAll
    static void start() throws Exception {
        obs = new ObsStudio(ObsStudio.home("obs-no-auth"), null).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (obs != null) {
            obs.close();
        }
    }

    @Test
    void identifiesWithoutAPasswordAndStores() throws Exception {
        ObsConnection connection = new ObsConnection(obs.uri(), () -> null, Duration.ofSeconds(5), Duration.ofMillis(100),
                Duration.ofMillis(500), new ObsConnection.Listener() {
                    @Override
                    public void connected() {
                    }

                    @Override
                    public void event(String type, JsonNode data) {
                    }
                });
        try (connection) {
            ObsStore store = new ObsStore("obs", connection, "streamkit_no_auth");
            connection.start();
            ObsTierTest.waitUntil(() -> store.health().status() == TierHealth.Status.UP, Duration.ofSeconds(30),
                    () -> store.health().reason());
            ConfigKey key = new ConfigKey("notes", "open-obs");
            Instant now = Instant.now();
            store.put(ConfigDocument.of(key, ConfigJson.newObject().put("name", "no password here ✓"), now, now));
            assertEquals("no password here ✓", store.get(key).orElseThrow().body().get("name").asText());
        }
    }
}
