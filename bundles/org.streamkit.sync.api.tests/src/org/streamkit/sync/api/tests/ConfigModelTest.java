package org.streamkit.sync.api.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The config model: what keys and bodies are accepted, and how documents map to JSON. */
class ConfigModelTest {

    private static final Instant T0 = Instant.parse("2026-01-18T12:00:00Z");
    private static final Instant T1 = Instant.parse("2026-01-18T12:04:00.123Z");

    @ParameterizedTest
    @ValueSource(strings = { "../x", "", "a/b", "a\\b", "nul\u0000", "tab\tid", ".", "..", " lead", "trail ",
            "line\u2028sep" })
    void hostileIdsAreRefused(String id) {
        ConfigValidationException e = assertThrows(ConfigValidationException.class, () -> new ConfigKey("notes", id));
        assertFalse(e.getMessage().contains("\u0000"), "messages never carry raw control characters");
    }

    @Test
    void idsLongerThanTheLimitAreRefusedAndTheLimitIsAccepted() {
        new ConfigKey("notes", "i".repeat(ConfigKey.MAX_ID_LENGTH));
        assertThrows(ConfigValidationException.class, () -> new ConfigKey("notes", "i".repeat(ConfigKey.MAX_ID_LENGTH + 1)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "text-cyclers", "swaps", "layouts", "notes", "a_b", "9lives" })
    void typesInUseAreAccepted(String type) {
        assertEquals(type, new ConfigKey(type, "x").type());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "Notes", "-notes", "no tes", "../notes", "notes/x", "é" })
    void badTypesAreRefused(String type) {
        assertThrows(ConfigValidationException.class, () -> new ConfigKey(type, "x"));
    }

    @Test
    void realWorldIdsAreAccepted() {
        for (String id : new String[] { "config1", "tc_1705580000000", "3f2b9c4e-0d1a-4b8e-9d6f-2a7c1e5b8f90",
                "Main Scene: intro", "scène-配信-🎬", "a.b", "..x" }) {
            assertEquals(id, new ConfigKey("notes", id).id());
        }
    }

    @Test
    void aDocumentRoundTripsThroughJackson() throws Exception {
        ObjectNode body = ConfigJson.newObject().put("name", "Intro ✨").put("speed", 3);
        ConfigDocument doc = ConfigDocument.of(new ConfigKey("text-cyclers", "c1"), body, T0, T1)
                .withRemoteVersion("\"etag-7\"");
        String json = ConfigJson.writer().writeValueAsString(doc);
        assertTrue(json.startsWith("{\"type\":\"text-cyclers\",\"id\":\"c1\",\"createdAt\":\"2026-01-18T12:00:00Z\""), json);
        ConfigDocument back = ConfigJson.reader().forType(ConfigDocument.class).readValue(json);
        assertEquals(doc, back);
        assertEquals(body, back.body());
    }

    @Test
    void aTombstoneRoundTripsThroughJackson() throws Exception {
        ConfigDocument tomb = ConfigDocument.tombstone(new ConfigKey("swaps", "s1"), T0, T1);
        String json = ConfigJson.writer().writeValueAsString(tomb);
        ConfigDocument back = ConfigJson.reader().forType(ConfigDocument.class).readValue(json);
        assertTrue(back.deleted());
        assertEquals(T1, back.updatedAt());
        assertEquals(tomb, back);
    }

    @Test
    void hostileDocumentJsonIsRefusedWithAClearError() {
        var reader = ConfigJson.reader().forType(ConfigDocument.class);
        String[] hostile = {
                "{\"type\":\"notes\",\"id\":\"../../etc/passwd\",\"updatedAt\":\"2026-01-18T12:00:00Z\",\"body\":{}}",
                "{\"type\":\"notes\",\"id\":\"x\",\"updatedAt\":\"yesterday\",\"body\":{}}",
                "{\"type\":\"notes\",\"id\":\"x\",\"updatedAt\":\"2026-01-18T12:00:00Z\",\"body\":[1]}",
                "{\"type\":\"notes\",\"id\":\"x\",\"body\":{}}" };
        for (String json : hostile) {
            Exception e = assertThrows(Exception.class, () -> reader.readValue(json), json);
            Throwable root = e;
            while (root.getCause() != null && !(root instanceof ConfigValidationException)) {
                root = root.getCause();
            }
            assertTrue(root instanceof ConfigValidationException, "a validation error explains " + json + ": " + e);
        }
    }

    @Test
    void duplicateKeysAndTrailingGarbageAreInvalidJson() {
        ConfigKey key = new ConfigKey("notes", "n");
        ConfigValidationException dup = assertThrows(ConfigValidationException.class,
                () -> ConfigDocument.parse(key, "{\"a\":1,\n\"a\":2}", T0, T0));
        assertEquals(2, dup.line());
        assertThrows(ConfigValidationException.class, () -> ConfigDocument.parse(key, "{} {}", T0, T0));
        assertThrows(ConfigValidationException.class, () -> ConfigDocument.parse(key, "", T0, T0));
        assertThrows(ConfigValidationException.class, () -> ConfigDocument.parse(key, "null", T0, T0));
    }

    @Test
    void bodiesAreCopiedSoADocumentCannotBeChangedFromOutside() {
        ObjectNode body = ConfigJson.newObject().put("name", "before");
        ConfigDocument doc = ConfigDocument.of(new ConfigKey("notes", "n"), body, T0, T0);
        body.put("name", "changed outside");
        doc.body().put("name", "changed through a copy");
        assertEquals("before", doc.body().get("name").asText());
    }

    @Test
    void toStringNamesTheConfigButNeverItsBody() {
        ObjectNode body = ConfigJson.newObject().put("secret", "s3cr3t-value");
        String text = ConfigDocument.of(new ConfigKey("notes", "n"), body, T0, T1).toString();
        assertTrue(text.contains("notes/n"), text);
        assertFalse(text.contains("s3cr3t"), text);
    }
}
