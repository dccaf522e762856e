package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** With the extensions off the server behaves as the deployed API: the client's core-only path is tested against it. */
@Timeout(60)
class CoreModeTest {

    @TempDir
    Path folder;
    private TestServer t;
    private Api api;

    @BeforeEach
    void start() {
        // A tiny bucket that the core mode must ignore: rate limiting is an extension.
        t = TestServer.start(folder, b -> b.extensions(false).rateLimit(1, 0.01));
        api = t.api;
    }

    @AfterEach
    void stop() {
        t.close();
    }

    @Test
    void healthListsNoFeatures() {
        JsonNode health = api.get("/health").json();
        assertEquals("healthy", health.get("status").asText());
        assertFalse(health.has("features"), health.toString());
        assertTrue(t.server.features().isEmpty());
    }

    @Test
    void sinceAndFieldsAreIgnoredAndTheFullListComesBack() {
        api.post("/configs/notes", Api.object("{\"id\":\"a\",\"v\":1}"));
        api.post("/configs/notes", Api.object("{\"id\":\"b\",\"v\":2}"));
        api.delete("/configs/notes/b");
        JsonNode list = api.get("/configs/notes?since=whatever.99&limit=1&fields=id").json();
        assertEquals(Set.of("configs", "type", "count"), Set.copyOf(Api.names(list)));
        assertEquals(1, list.get("count").asInt());
        assertEquals(1, list.get("configs").get(0).get("v").asInt(), "whole configs, not fields");
    }

    @Test
    void aListingStopsAtTheFirstThousandIdsOfATypeAndSaysNothingOfTheRest() {
        for (int i = 0; i < 1005; i++) {
            api.post("/configs/notes", Api.object("{\"id\":\"n" + String.format("%04d", 1004 - i) + "\"}"));
        }
        JsonNode list = api.get("/configs/notes").json();
        assertEquals(1000, list.get("count").asInt());
        assertEquals(1000, list.get("configs").size());
        assertEquals("n0000", list.get("configs").get(0).get("id").asText(), "the first ids in key order");
        assertEquals("n0999", list.get("configs").get(999).get("id").asText());
        assertEquals(Set.of("configs", "type", "count"), Set.copyOf(Api.names(list)), "nothing says it was cut");
        assertEquals(200, api.get("/configs/notes/n1004").status(), "what is not listed is still there");
    }

    @Test
    void noETagsAndPreconditionsAreIgnored() {
        Api.Reply created = api.post("/configs/notes", Api.object("{\"id\":\"p\",\"v\":1}"));
        assertNull(created.header("ETag"));
        assertNull(api.get("/configs/notes/p").header("ETag"));
        assertEquals(200, api.put("/configs/notes/p", Api.object("{\"v\":2}"), "If-Match", "\"stale\"").status());
        assertEquals(201, api.post("/configs/notes", Api.object("{\"id\":\"p\",\"v\":3}"), "If-None-Match", "*").status());
        assertEquals(3, api.get("/configs/notes/p").json().get("config").get("v").asInt());
    }

    @Test
    void invalidJsonIs500AsDeployedButDuplicateKeysAndNonObjectsStay400() {
        api.post("/configs/notes", Api.object("{\"id\":\"j\",\"v\":1}"));
        CoreRoutesTest.assertProblem(api.post("/configs/notes", "{\"id\":"), 500);
        CoreRoutesTest.assertProblem(api.put("/configs/notes/j", "nope"), 500);
        CoreRoutesTest.assertProblem(api.post("/configs/notes", "{\"id\":\"j\",\"v\":2,\"v\":3}"), 400);
        CoreRoutesTest.assertProblem(api.put("/configs/notes/j", "[1]"), 400);
        assertEquals(1, api.get("/configs/notes/j").json().get("config").get("v").asInt());
    }

    @Test
    void extensionRoutesDoNotExist() {
        CoreRoutesTest.assertProblem(api.get("/events"), 404);
        CoreRoutesTest.assertProblem(api.get("/configs?since="), 404);
    }

    @Test
    void nothingIsRateLimited() {
        for (int i = 0; i < 10; i++) {
            assertEquals(200, api.get("/configs/notes").status());
        }
    }
}
