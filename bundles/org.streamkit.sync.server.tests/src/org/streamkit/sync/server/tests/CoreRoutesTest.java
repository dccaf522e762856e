package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The core routes, with the shapes and status codes of the deployed API (extensions on). */
@Timeout(60)
class CoreRoutesTest extends RunningServerTest {

    private static final Pattern ISO_MILLIS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    static void assertProblem(Api.Reply reply, int status) {
        assertEquals(status, reply.status(), reply.toString());
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply.contentType());
        JsonNode p = reply.json();
        for (String field : List.of("type", "title", "status", "detail", "instance")) {
            assertTrue(p.has(field), "problem has " + field + ": " + reply);
        }
        assertEquals(status, p.get("status").asInt());
        assertFalse(p.get("detail").asText().isBlank());
    }

    @Test
    void healthSaysHealthyAndListsEveryExtension() {
        Api.Reply health = api.as(null).get("/health");
        assertEquals(200, health.status(), health.toString());
        JsonNode h = health.json();
        assertEquals("healthy", h.get("status").asText());
        for (String field : List.of("service", "version", "environment", "timestamp", "kv")) {
            assertTrue(h.hasNonNull(field), field + " in " + health);
        }
        assertTrue(ISO_MILLIS.matcher(h.get("timestamp").asText()).matches(), h.get("timestamp").asText());
        assertEquals(List.of("changes", "ids", "conditional-writes", "events", "limits", "tombstones"),
                Api.JSON.convertValue(h.get("features"), List.class));
    }

    @Test
    void crudAnswersWithTheDeployedShapesAndStatusCodes() {
        Api.Reply created = api.post("/configs/notes", Api.object("{\"id\":\"n1\",\"title\":\"Hello\"}"));
        assertEquals(201, created.status(), created.toString());
        assertEquals(Set.of("message", "configId", "type"), Set.copyOf(Api.names(created.json())));
        assertEquals("n1", created.json().get("configId").asText());
        assertEquals("notes", created.json().get("type").asText());

        Api.Reply one = api.get("/configs/notes/n1");
        assertEquals(200, one.status(), one.toString());
        assertEquals(Set.of("config", "type"), Set.copyOf(Api.names(one.json())));
        JsonNode config = one.json().get("config");
        assertEquals("n1", config.get("id").asText());
        assertEquals("Hello", config.get("title").asText());
        assertEquals(TestServer.ALICE, config.get("customerId").asText());
        assertEquals("notes", config.get("configType").asText());
        assertTrue(ISO_MILLIS.matcher(config.get("createdAt").asText()).matches(), config.toString());
        assertTrue(ISO_MILLIS.matcher(config.get("updatedAt").asText()).matches(), config.toString());

        Api.Reply list = api.get("/configs/notes");
        assertEquals(200, list.status());
        assertEquals("notes", list.json().get("type").asText());
        assertEquals(1, list.json().get("count").asInt());
        assertEquals(config, list.json().get("configs").get(0));

        Api.Reply updated = api.put("/configs/notes/n1", Api.object("{\"title\":\"Changed\"}"));
        assertEquals(200, updated.status(), updated.toString());
        assertEquals(Set.of("message", "configId", "type"), Set.copyOf(Api.names(updated.json())));
        assertEquals("Changed", api.get("/configs/notes/n1").json().get("config").get("title").asText());

        Api.Reply deleted = api.delete("/configs/notes/n1");
        assertEquals(200, deleted.status(), deleted.toString());
        assertEquals(Set.of("message", "configId", "type"), Set.copyOf(Api.names(deleted.json())));

        Api.Reply gone = api.get("/configs/notes/n1");
        assertEquals(404, gone.status());
        assertTrue(gone.json().get("detail").isTextual(), gone.toString());
        assertEquals(0, api.get("/configs/notes").json().get("count").asInt());
    }

    @Test
    void theServerStampsTimesAndOwnershipAndIgnoresTheClientsValues() {
        Instant before = Instant.now().minusSeconds(1);
        api.post("/configs/swaps", Api.object("{\"id\":\"s\",\"createdAt\":\"1999-01-01T00:00:00.000Z\","
                + "\"updatedAt\":\"1999-01-01T00:00:00.000Z\",\"customerId\":\"mallory\",\"configType\":\"notes\"}"));
        JsonNode config = api.get("/configs/swaps/s").json().get("config");
        assertTrue(Instant.parse(config.get("createdAt").asText()).isAfter(before), config.toString());
        assertTrue(Instant.parse(config.get("updatedAt").asText()).isAfter(before), config.toString());
        assertEquals(TestServer.ALICE, config.get("customerId").asText());
        assertEquals("swaps", config.get("configType").asText());
        assertEquals(0, t.as("mallory").get("/configs/swaps").json().get("count").asInt());
    }

    @Test
    void postOnAnExistingIdOverwritesItWholeAndKeepsItsCreationTime() throws Exception {
        api.post("/configs/layouts", Api.object("{\"id\":\"l\",\"x\":1,\"y\":2}"));
        JsonNode first = api.get("/configs/layouts/l").json().get("config");
        Api.Reply again = api.post("/configs/layouts", Api.object("{\"id\":\"l\",\"x\":3,\"n\":null}"));
        assertEquals(201, again.status(), again.toString());
        JsonNode second = api.get("/configs/layouts/l").json().get("config");
        assertEquals(3, second.get("x").asInt());
        assertFalse(second.has("y"), "a POST replaces the whole config: " + second);
        assertFalse(second.has("n"), "a top-level null is not stored: " + second);
        assertEquals(first.get("createdAt"), second.get("createdAt"));
        assertTrue(Instant.parse(second.get("updatedAt").asText()).isAfter(Instant.parse(first.get("updatedAt").asText())));
        assertEquals(1, api.get("/configs/layouts").json().get("count").asInt());
    }

    @Test
    void putMergesShallowlyAndANullRemovesTheKey() {
        api.post("/configs/text-cyclers", Api.object("{\"id\":\"c\",\"a\":1,\"nested\":{\"p\":1,\"q\":2},\"gone\":true,\"kept\":\"k\"}"));
        JsonNode before = api.get("/configs/text-cyclers/c").json().get("config");
        Api.Reply put = api.put("/configs/text-cyclers/c",
                Api.object("{\"id\":\"other\",\"a\":2,\"nested\":{\"p\":5},\"gone\":null,\"added\":[1,null]}"));
        assertEquals(200, put.status(), put.toString());
        JsonNode after = api.get("/configs/text-cyclers/c").json().get("config");
        assertEquals(2, after.get("a").asInt());
        assertEquals(Api.object("{\"p\":5}"), after.get("nested"), "shallow: a nested object is replaced whole");
        assertFalse(after.has("gone"), "a top-level null removes the key: " + after);
        assertEquals("k", after.get("kept").asText(), "keys not sent survive");
        assertEquals(Api.JSON.createArrayNode().add(1).addNull(), after.get("added"), "nested nulls are kept");
        assertEquals("c", after.get("id").asText(), "the path decides the id");
        assertEquals(before.get("createdAt"), after.get("createdAt"));
        assertNotEquals(before.get("updatedAt"), after.get("updatedAt"));
        assertEquals(404, api.get("/configs/text-cyclers/other").status(), "no config appears under the body's id");
    }

    @Test
    void putOnAnAbsentConfigIs404AndCreatesNothing() {
        Api.Reply put = api.put("/configs/notes/missing", Api.object("{\"a\":1}"));
        assertEquals(404, put.status(), put.toString());
        assertTrue(put.json().get("detail").isTextual());
        assertEquals(404, api.get("/configs/notes/missing").status());
    }

    @Test
    void deleteOfAnAbsentConfigIs200() {
        Api.Reply deleted = api.delete("/configs/notes/never-there");
        assertEquals(200, deleted.status(), deleted.toString());
        assertEquals("never-there", deleted.json().get("configId").asText());
    }

    @Test
    void unknownRoutesAre404ProblemJson() {
        for (String[] request : List.of(new String[] { "GET", "/nope" }, new String[] { "POST", "/health" },
                new String[] { "PATCH", "/configs/notes/a" }, new String[] { "GET", "/configs/notes/a/b" },
                new String[] { "DELETE", "/configs/notes" }, new String[] { "GET", "/" })) {
            Api.Reply reply = api.send(request[0], request[1], null);
            assertProblem(reply, 404);
            assertEquals(request[1], reply.json().get("instance").asText());
        }
    }

    @Test
    void aPostWithoutAnIdIs400WithDetail() {
        for (String body : List.of("{\"title\":\"x\"}", "{\"id\":null}", "{\"id\":\"\"}", "{\"id\":5}")) {
            Api.Reply reply = api.post("/configs/notes", body);
            assertEquals(400, reply.status(), body + " -> " + reply);
            assertTrue(reply.json().get("detail").isTextual(), reply.toString());
        }
        assertEquals(0, api.get("/configs/notes").json().get("count").asInt());
    }

    @Test
    void hostileTypesAndIdsAre400ProblemsAndStoreNothing() {
        String longId = "x".repeat(201);
        for (String type : List.of("Notes", "no%20tes", "-notes", "t".repeat(65), "n%00tes", "%2E%2E")) {
            assertProblem(api.get("/configs/" + type), 400);
            assertProblem(api.post("/configs/" + type, "{\"id\":\"a\"}"), 400);
            assertProblem(api.get("/configs/" + type + "/a"), 400);
        }
        for (String id : List.of("%2F", "a%2Fb", "a%00b", "%2E%2E", "%20lead", "trail%20", longId, "%C3%28", "a%5Cb", ".",
                "a%0Ab")) {
            String path = "/configs/notes/" + id;
            assertProblem(api.get(path), 400);
            assertProblem(api.put(path, "{\"a\":1}"), 400);
            assertProblem(api.delete(path), 400);
        }
        for (String id : List.of("a/b", "..", " lead", "bad\u0000", "x".repeat(201), "back\\slash")) {
            ObjectNode body = Api.object();
            body.put("id", id);
            assertProblem(api.post("/configs/notes", body), 400);
        }
        assertEquals(0, api.get("/configs/notes").json().get("count").asInt());
    }

    @Test
    void malformedRequestLinesGetProblemJsonToo() throws Exception {
        String token = t.server.mintToken(TestServer.ALICE);
        for (String line : List.of("GET /configs/notes/%zz HTTP/1.1", "PUT /configs/notes/a%00b HTTP/1.1",
                "DELETE /configs/notes/%C3%28 HTTP/1.1", "GET /configs/notes/a\u0001b HTTP/1.1")) {
            String answer;
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), t.server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write((line + "\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(answer.startsWith("HTTP/1.1 400 "), line + " -> " + answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json"), answer);
            assertTrue(answer.contains("\"status\":400"), answer);
        }
        assertEquals(0, api.get("/configs/notes").json().get("count").asInt());
    }

    @Test
    void unicodeIdsRoundTripThroughPercentEncoding() {
        String id = "café ☕ 🎮";
        ObjectNode body = Api.object();
        body.put("id", id);
        body.put("emoji", "🎉 ü");
        assertEquals(201, api.post("/configs/notes", body).status());
        String encoded = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        JsonNode config = api.get("/configs/notes/" + encoded).json().get("config");
        assertEquals(id, config.get("id").asText());
        assertEquals("🎉 ü", config.get("emoji").asText());
    }

    @Test
    void badBodiesAre400ProblemsAndLeaveTheStoredConfigAlone() {
        api.post("/configs/notes", Api.object("{\"id\":\"keep\",\"v\":1}"));
        JsonNode stored = api.get("/configs/notes/keep").json().get("config");
        for (String body : List.of("{\"v\":", "not json", "", "{\"v\":1}{}", "[1,2]", "\"text\"", "42", "null",
                "{\"v\":1,\"v\":2}", "{\"v\":NaN}")) {
            assertProblem(api.put("/configs/notes/keep", body), 400);
            assertProblem(api.post("/configs/notes", body), 400);
        }
        Api.Reply dup = api.post("/configs/notes", "{\"id\":\"dup\",\"a\":1,\"a\":2}");
        assertTrue(dup.json().get("detail").asText().contains("duplicate"), dup.toString());
        assertEquals(stored, api.get("/configs/notes/keep").json().get("config"));
        assertEquals(1, api.get("/configs/notes").json().get("count").asInt());
    }

    @Test
    void largeNumbersAreStoredExactly() {
        api.post("/configs/notes", "{\"id\":\"num\",\"big\":123456789012345678901234567890,\"exp\":1e400,\"dec\":0.1}");
        JsonNode config = api.get("/configs/notes/num").json().get("config");
        assertEquals("123456789012345678901234567890", config.get("big").asText());
        assertEquals(0, new java.math.BigDecimal("1e400").compareTo(config.get("exp").decimalValue()), config.toString());
        assertEquals("0.1", config.get("dec").asText());
    }

    @Test
    void aTokenMintedWithAShortLifetimeStillWorksWithinIt() {
        Api shortLived = api.as(t.server.mintToken("carol", Duration.ofSeconds(5)));
        assertEquals(200, shortLived.get("/configs/notes").status());
    }
}
