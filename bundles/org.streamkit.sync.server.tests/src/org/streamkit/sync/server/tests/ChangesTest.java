package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code changes} and {@code ids} extensions: incremental pulls with cursors, tombstones, id listings. */
@Timeout(120)
class ChangesTest extends RunningServerTest {

    private static String q(String cursor) {
        return URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    @Test
    void sinceReturnsOnlyLaterChangesTombstonesIncluded() {
        api.post("/configs/notes", Api.object("{\"id\":\"a\"}"));
        api.post("/configs/notes", Api.object("{\"id\":\"b\"}"));
        api.post("/configs/notes", Api.object("{\"id\":\"untouched\"}"));
        JsonNode full = api.get("/configs/notes").json();
        assertEquals(3, full.get("count").asInt());
        String cursor = full.get("cursor").asText();
        assertFalse(cursor.isEmpty(), "a full listing hands out a cursor: " + full);

        api.put("/configs/notes/a", Api.object("{\"v\":2}"));
        api.delete("/configs/notes/b");
        api.post("/configs/notes", Api.object("{\"id\":\"c\"}"));
        api.post("/configs/swaps", Api.object("{\"id\":\"other-type\"}"));

        Api.Reply page = api.get("/configs/notes?since=" + q(cursor));
        assertEquals(200, page.status(), page.toString());
        JsonNode p = page.json();
        assertEquals(Set.of("configs", "tombstones", "type", "count", "cursor", "hasMore"), Set.copyOf(Api.names(p)));
        assertEquals(List.of("a", "c"), ids(p.get("configs")));
        assertEquals(2, p.get("count").asInt());
        assertEquals("notes", p.get("type").asText());
        assertFalse(p.get("hasMore").asBoolean());
        assertEquals(1, p.get("tombstones").size());
        JsonNode tombstone = p.get("tombstones").get(0);
        assertEquals("b", tombstone.get("id").asText());
        assertTrue(tombstone.get("deleted").asBoolean());
        assertTrue(tombstone.hasNonNull("updatedAt"));
        assertEquals(2, p.get("configs").get(0).get("v").asInt(), "a changes page carries whole configs");

        JsonNode none = api.get("/configs/notes?since=" + q(p.get("cursor").asText())).json();
        assertEquals(0, none.get("configs").size());
        assertEquals(0, none.get("tombstones").size());
        assertEquals(p.get("cursor"), none.get("cursor"), "nothing new: the cursor stays");

        JsonNode everything = api.get("/configs/notes?since=").json();
        assertEquals(Set.of("a", "c", "untouched"), Set.copyOf(ids(everything.get("configs"))));
        assertEquals(List.of("b"), ids(everything.get("tombstones")), "an empty since starts from the beginning");
    }

    @Test
    void aCrossTypeChangesPageListsEveryTypeOfTheCustomer() {
        api.post("/configs/notes", Api.object("{\"id\":\"n\"}"));
        api.post("/configs/swaps", Api.object("{\"id\":\"s\"}"));
        api.delete("/configs/swaps/s");
        t.as(TestServer.BOB).post("/configs/notes", Api.object("{\"id\":\"bobs\"}"));
        JsonNode all = api.get("/configs?since=").json();
        assertEquals(List.of("n"), ids(all.get("configs")));
        assertEquals("notes", all.get("configs").get(0).get("configType").asText());
        assertEquals(List.of("s"), ids(all.get("tombstones")));
        assertEquals("swaps", all.get("tombstones").get(0).get("configType").asText());
    }

    @Test
    void pagesWithALimitNeverSkipAChangeWhileOthersWrite() throws Exception {
        // 100 configs written once (a skipped one would never show up again), then 200 random changes
        // to 20 others; the reader starts when 30 are written and pages 5 at a time, so it pages
        // behind the writer (hasMore) and alongside it.
        int created = 100;
        int changes = 200;
        Random random = new Random(42);
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < created; i++) {
                    assertEquals(201, api.post("/configs/notes", Api.object("{\"id\":\"once-" + i + "\"}")).status());
                    written.incrementAndGet();
                }
                for (int i = 0; i < changes; i++) {
                    String id = "k" + random.nextInt(20);
                    int op = random.nextInt(10);
                    Api.Reply r = op < 6 ? api.post("/configs/notes", Api.object("{\"id\":\"" + id + "\",\"i\":" + i + "}"))
                            : op < 8 ? api.put("/configs/notes/" + id, Api.object("{\"i\":" + i + "}"))
                                    : api.delete("/configs/notes/" + id);
                    assertTrue(r.status() == 200 || r.status() == 201 || r.status() == 404, r.toString());
                    written.incrementAndGet();
                }
            } catch (Throwable e) {
                writerFailure.set(e);
            }
        }, "changes-writer");
        writer.start();
        while (written.get() < 30 && writer.isAlive()) {
            Thread.sleep(5);
        }
        Map<String, String> seen = new HashMap<>(); // id -> latest updatedAt seen, "deleted:" prefix for tombstones
        String cursor = "";
        int pages = 0;
        int cutPages = 0;
        while (true) {
            boolean writerDone = !writer.isAlive();
            JsonNode page = api.get("/configs/notes?limit=5&since=" + q(cursor)).json();
            pages++;
            assertTrue(page.get("configs").size() + page.get("tombstones").size() <= 5, page.toString());
            page.get("configs").forEach(c -> seen.put(c.get("id").asText(), c.get("updatedAt").asText()));
            page.get("tombstones").forEach(c -> seen.put(c.get("id").asText(), "deleted:" + c.get("updatedAt").asText()));
            cursor = page.get("cursor").asText();
            if (page.get("hasMore").asBoolean()) {
                cutPages++;
            } else if (writerDone) {
                break;
            }
        }
        writer.join();
        if (writerFailure.get() != null) {
            throw new AssertionError("the writer failed", writerFailure.get());
        }
        Map<String, String> expected = new HashMap<>();
        api.get("/configs/notes?since=").json().get("tombstones")
                .forEach(c -> expected.put(c.get("id").asText(), "deleted:" + c.get("updatedAt").asText()));
        api.get("/configs/notes").json().get("configs").forEach(c -> expected.put(c.get("id").asText(), c.get("updatedAt").asText()));
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(seen.keySet()));
        assertEquals(expected, seen, "every config's final state reached the incremental reader");
        assertTrue(cutPages >= 3, "the reader paged behind the writer (" + cutPages + " of " + pages + " pages were cut)");
    }

    @Test
    void fieldsListsOnlyTheAskedFields() {
        api.post("/configs/notes", Api.object("{\"id\":\"a\",\"big\":\"" + "x".repeat(1000) + "\"}"));
        api.post("/configs/notes", Api.object("{\"id\":\"b\"}"));
        JsonNode listing = api.get("/configs/notes?fields=id,updatedAt").json();
        assertEquals(2, listing.get("count").asInt());
        for (JsonNode c : listing.get("configs")) {
            assertEquals(List.of("id", "updatedAt"), Api.names(c));
        }
        JsonNode page = api.get("/configs/notes?since=&fields=id,updatedAt").json();
        for (JsonNode c : page.get("configs")) {
            assertEquals(List.of("id", "updatedAt"), Api.names(c));
        }
        assertEquals(400, api.get("/configs/notes?fields=,").status());
    }

    @Test
    void badCursorsAndLimitsAre400AndAnotherStoresCursorStartsOver() {
        api.post("/configs/notes", Api.object("{\"id\":\"a\"}"));
        for (String query : List.of("since=garbage", "since=abc.-1", "since=.5", "since=x.y", "since=&limit=0",
                "since=&limit=ten")) {
            CoreRoutesTest.assertProblem(api.get("/configs/notes?" + query), 400);
        }
        JsonNode page = api.get("/configs/notes?since=otherstore.99").json();
        assertEquals(List.of("a"), ids(page.get("configs")), "a cursor of another store reads from the beginning");
        assertNotNull(page.get("cursor"));
    }
}
