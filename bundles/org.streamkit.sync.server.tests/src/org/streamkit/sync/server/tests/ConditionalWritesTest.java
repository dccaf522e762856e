package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code conditional-writes} extension: ETags, {@code If-Match}, {@code If-None-Match: *}, 412 with the current config. */
@Timeout(60)
class ConditionalWritesTest extends RunningServerTest {

    @Test
    void everyWriteAndReadCarriesAStrongETagThatChangesWithEachWrite() {
        Api.Reply created = api.post("/configs/notes", Api.object("{\"id\":\"e\",\"v\":1}"));
        String etag = created.header("ETag");
        assertNotNull(etag, "POST answers with an ETag");
        assertTrue(etag.startsWith("\"") && etag.endsWith("\"") && !etag.startsWith("W/"), etag);
        Api.Reply read = api.get("/configs/notes/e");
        assertEquals(etag, read.header("ETag"));
        assertEquals('"' + read.json().get("config").get("updatedAt").asText() + '"', etag, "the ETag is the quoted updatedAt");
        String[] tags = new String[5];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = api.put("/configs/notes/e", Api.object("{\"v\":" + i + "}")).header("ETag");
        }
        assertEquals(tags.length, java.util.Set.of(tags).size(), "writes faster than the clock still get distinct ETags");
        assertNotEquals(etag, tags[0]);
        assertEquals(304, api.get("/configs/notes/e", "If-None-Match", tags[4]).status());
    }

    @Test
    void aPutWithAStaleIfMatchIs412WithTheCurrentConfigAndChangesNothing() {
        String first = api.post("/configs/notes", Api.object("{\"id\":\"c\",\"v\":1}")).header("ETag");
        String second = t.as(TestServer.ALICE).put("/configs/notes/c", Api.object("{\"v\":2,\"by\":\"other device\"}")).header("ETag");

        Api.Reply stale = api.put("/configs/notes/c", Api.object("{\"v\":3}"), "If-Match", first);
        assertEquals(412, stale.status(), stale.toString());
        JsonNode body = stale.json();
        assertEquals("notes", body.get("type").asText());
        assertTrue(body.get("detail").isTextual());
        assertEquals(2, body.get("config").get("v").asInt());
        assertEquals("other device", body.get("config").get("by").asText());
        assertEquals(second, stale.header("ETag"));
        assertEquals(2, api.get("/configs/notes/c").json().get("config").get("v").asInt(), "nothing was written");

        Api.Reply fresh = api.put("/configs/notes/c", Api.object("{\"v\":3}"), "If-Match", second);
        assertEquals(200, fresh.status(), fresh.toString());
        assertEquals(200, api.put("/configs/notes/c", Api.object("{\"v\":4}"), "If-Match", "\"nope\", " + fresh.header("ETag")).status(),
                "any tag of the list may match");
        assertEquals(412, api.put("/configs/notes/c", Api.object("{\"v\":5}"), "If-Match", "W/" + api.get("/configs/notes/c").header("ETag")).status(),
                "a weak tag never matches strongly");
        assertEquals(200, api.put("/configs/notes/c", Api.object("{\"v\":6}"), "If-Match", "*").status());
    }

    @Test
    void ifNoneMatchStarCreatesOnlyWhenAbsent() {
        Api.Reply created = api.post("/configs/notes", Api.object("{\"id\":\"once\",\"v\":1}"), "If-None-Match", "*");
        assertEquals(201, created.status(), created.toString());
        Api.Reply again = api.post("/configs/notes", Api.object("{\"id\":\"once\",\"v\":2}"), "If-None-Match", "*");
        assertEquals(412, again.status(), again.toString());
        assertEquals(1, again.json().get("config").get("v").asInt());
        assertEquals(created.header("ETag"), again.header("ETag"));
        assertEquals(1, api.get("/configs/notes/once").json().get("config").get("v").asInt());

        String tombstone = api.delete("/configs/notes/once").header("ETag");
        Api.Reply overDelete = api.post("/configs/notes", Api.object("{\"id\":\"once\",\"v\":3}"), "If-None-Match", "*");
        assertEquals(412, overDelete.status(), "a delete is not nothing: " + overDelete);
        assertTrue(overDelete.json().get("config").get("deleted").asBoolean(), "the 412 carries the tombstone");
        assertEquals(tombstone, overDelete.header("ETag"));
        assertEquals(201, api.post("/configs/notes", Api.object("{\"id\":\"once\",\"v\":3}"), "If-Match", tombstone).status(),
                "naming the delete, a client writes over it");
        assertEquals(3, api.get("/configs/notes/once").json().get("config").get("v").asInt());
    }

    @Test
    void aTombstoneIsReadableWithItsStampAndTheFieldsItsDeleteCarried() {
        api.post("/configs/notes", Api.object("{\"id\":\"t\",\"v\":1}"));
        Api.Reply deleted = api.send("DELETE", "/configs/notes/t", Api.object("{\"$streamkit\":{\"t\":\"2026-01-02T03:04:05.000000006Z\"}}"));
        assertEquals(200, deleted.status(), deleted.toString());
        Api.Reply read = api.get("/configs/notes/t");
        assertEquals(404, read.status(), "deleted is still 404, as deployed");
        JsonNode tombstone = read.json().get("tombstone");
        assertTrue(tombstone.get("deleted").asBoolean(), read.toString());
        assertEquals("2026-01-02T03:04:05.000000006Z", tombstone.get("$streamkit").get("t").asText(), "the delete's own record is kept");
        assertEquals(deleted.header("ETag"), read.header("ETag"));
        assertEquals(0, api.get("/configs/notes").json().get("count").asInt(), "listings still hide tombstones");

        Api.Reply never = api.send("DELETE", "/configs/notes/never-there", Api.object("{\"$streamkit\":{\"t\":\"x\"}}"));
        assertEquals(200, never.status());
        assertTrue(api.get("/configs/notes/never-there").json().get("tombstone").get("deleted").asBoolean(),
                "a delete of a config the server never had leaves a tombstone too, so it reaches every device");
        CoreRoutesTest.assertProblem(api.send("DELETE", "/configs/notes/t", "[1]"), 400);
    }

    @Test
    void ifMatchOnAnAbsentConfigIs412WithoutAConfig() {
        Api.Reply put = api.put("/configs/notes/absent", Api.object("{\"v\":1}"), "If-Match", "\"2026-01-01T00:00:00.000Z\"");
        assertEquals(412, put.status(), put.toString());
        assertTrue(put.json().get("config").isNull());
        assertEquals(404, api.get("/configs/notes/absent").status());
    }

    @Test
    void aDeleteWithAStaleIfMatchIs412AndKeepsTheConfig() {
        String first = api.post("/configs/notes", Api.object("{\"id\":\"d\",\"v\":1}")).header("ETag");
        String second = api.put("/configs/notes/d", Api.object("{\"v\":2}")).header("ETag");
        Api.Reply stale = api.delete("/configs/notes/d", "If-Match", first);
        assertEquals(412, stale.status(), stale.toString());
        assertEquals(2, stale.json().get("config").get("v").asInt());
        assertEquals(200, api.get("/configs/notes/d").status());
        assertEquals(200, api.delete("/configs/notes/d", "If-Match", second).status());
        assertEquals(404, api.get("/configs/notes/d").status());
    }

    @Test
    void malformedPreconditionsAre400() {
        api.post("/configs/notes", Api.object("{\"id\":\"m\"}"));
        CoreRoutesTest.assertProblem(api.put("/configs/notes/m", Api.object("{}"), "If-Match", "unquoted"), 400);
        CoreRoutesTest.assertProblem(api.post("/configs/notes", Api.object("{\"id\":\"m\"}"), "If-None-Match", "\"x\""), 400);
    }
}
