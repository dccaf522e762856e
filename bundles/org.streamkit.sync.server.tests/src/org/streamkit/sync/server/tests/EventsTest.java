package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code events} extension: a server-sent event stream of each customer's changes. */
@Timeout(60)
class EventsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path folder;

    private static EventStream.Event ready(EventStream stream) throws InterruptedException {
        EventStream.Event ready = stream.next(WAIT);
        assertNotNull(ready, "the stream says it is ready");
        assertEquals("ready", ready.event());
        assertEquals(ready.id(), ready.json().get("cursor").asText());
        return ready;
    }

    @Test
    void aChangeMadeByAnotherRequestReachesOnlyItsCustomersStream() throws Exception {
        try (TestServer t = TestServer.start(folder, b -> b.heartbeatInterval(Duration.ofMillis(300)));
                EventStream alice = new EventStream(t.api, t.server.mintToken(TestServer.ALICE), null, null);
                EventStream bob = new EventStream(t.api, t.server.mintToken(TestServer.BOB), null, null)) {
            assertEquals(200, alice.status);
            assertTrue(alice.contentType.startsWith("text/event-stream"), alice.contentType);
            ready(alice);
            ready(bob);

            t.api.post("/configs/notes", Api.object("{\"id\":\"live\",\"v\":1}"));
            EventStream.Event change = alice.next(WAIT);
            assertNotNull(change, "alice's stream delivers her change");
            assertEquals("change", change.event());
            JsonNode data = change.json();
            assertEquals("notes", data.get("type").asText());
            assertEquals("live", data.get("id").asText());
            assertFalse(data.get("deleted").asBoolean());
            assertEquals(t.api.get("/configs/notes/live").json().get("config").get("updatedAt"), data.get("updatedAt"));
            assertNotNull(change.id(), "every change has an id to resume from");

            t.api.delete("/configs/notes/live");
            JsonNode deleted = alice.next(WAIT).json();
            assertTrue(deleted.get("deleted").asBoolean());

            assertNotNull(bob.nextComment(WAIT), "an idle stream gets heartbeat comments");
            assertNull(bob.next(Duration.ofMillis(1500)), "bob's stream carries nothing of alice's");
        }
    }

    @Test
    void aStreamResumesAfterItsLastEventIdWithoutLosingChanges() throws Exception {
        try (TestServer t = TestServer.start(folder)) {
            String token = t.server.mintToken(TestServer.ALICE);
            String resumeFrom;
            try (EventStream first = new EventStream(t.api, token, null, null)) {
                resumeFrom = ready(first).id();
            }
            t.api.post("/configs/notes", Api.object("{\"id\":\"while-away-1\"}"));
            t.api.post("/configs/swaps", Api.object("{\"id\":\"while-away-2\"}"));
            t.api.delete("/configs/notes/while-away-1");
            try (EventStream resumed = new EventStream(t.api, token, null, resumeFrom)) {
                List<String> replayed = new ArrayList<>();
                EventStream.Event e;
                while (!(e = resumed.next(WAIT)).event().equals("ready")) {
                    replayed.add(e.json().get("id").asText() + (e.json().get("deleted").asBoolean() ? " deleted" : ""));
                }
                assertEquals(List.of("while-away-2", "while-away-1 deleted"), replayed,
                        "each config once, in the order of its latest change");
                t.api.post("/configs/notes", Api.object("{\"id\":\"after\"}"));
                assertEquals("after", resumed.next(WAIT).json().get("id").asText());
            }
            String since = URLEncoder.encode(resumeFrom, StandardCharsets.UTF_8);
            try (EventStream viaQuery = new EventStream(t.api, token, "?since=" + since, null)) {
                assertEquals("change", viaQuery.next(WAIT).event(), "?since= resumes like Last-Event-ID");
            }
        }
    }

    @Test
    void streamsNeedAValidTokenAndEndCleanlyWhenTheServerStops() throws Exception {
        TestServer t = TestServer.start(folder);
        try (EventStream anonymous = new EventStream(t.api, null, null, null)) {
            assertEquals(401, anonymous.status);
        }
        try (EventStream stream = new EventStream(t.api, t.server.mintToken(TestServer.ALICE), null, null)) {
            ready(stream);
            long start = System.nanoTime();
            t.close();
            assertTrue(stream.ends(WAIT), "the stream ends when the server stops");
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(8).toNanos(), "stopping does not hang on open streams");
        }
    }
}
