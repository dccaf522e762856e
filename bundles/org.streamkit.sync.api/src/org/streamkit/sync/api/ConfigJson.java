package org.streamkit.sync.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one JSON configuration of Streamkit Sync: strict parsing (duplicate keys, trailing tokens and
 * non-standard JSON are errors), bounded input, compact output. Readers and writers are immutable and
 * thread-safe; every tier and the UI use them so a body is serialized the same way everywhere.
 *
 * @since 0.1
 */
public final class ConfigJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(200)
                .maxStringLength(ConfigDocument.MAX_BODY_BYTES)
                .build());
    }

    private static final ObjectReader READER = MAPPER.reader();
    private static final ObjectWriter WRITER = MAPPER.writer();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    private ConfigJson() {
    }

    /** @return the shared strict reader */
    public static ObjectReader reader() {
        return READER;
    }

    /** @return the shared compact writer */
    public static ObjectWriter writer() {
        return WRITER;
    }

    /** @return a fresh empty object node */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses text that must be one JSON object of at most {@link ConfigDocument#MAX_BODY_BYTES} bytes.
     *
     * @throws ConfigValidationException with line and column when the text is not valid JSON, is not an
     *                                   object, or is too large
     */
    public static ObjectNode parseObject(String json) {
        if (json == null) {
            throw new ConfigValidationException("Config body is missing");
        }
        if (json.length() > ConfigDocument.MAX_BODY_BYTES) {
            throw tooLarge(json.getBytes(StandardCharsets.UTF_8).length);
        }
        return asObject(parse(json));
    }

    /**
     * Parses UTF-8 bytes that must be one JSON object of at most {@link ConfigDocument#MAX_BODY_BYTES} bytes.
     *
     * @throws ConfigValidationException as {@link #parseObject(String)}
     */
    public static ObjectNode parseObject(byte[] utf8) {
        if (utf8 == null) {
            throw new ConfigValidationException("Config body is missing");
        }
        if (utf8.length > ConfigDocument.MAX_BODY_BYTES) {
            throw tooLarge(utf8.length);
        }
        try {
            return asObject(READER.readTree(utf8));
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    /** Pretty-prints a JSON value (two-space indentation), for people. */
    public static String pretty(JsonNode node) {
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree could not be written", e);
        }
    }

    static byte[] toBytes(JsonNode node) {
        try {
            return WRITER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree could not be written", e);
        }
    }

    static ConfigValidationException tooLarge(long bytes) {
        return new ConfigValidationException("Config body is " + bytes + " bytes; at most "
                + ConfigDocument.MAX_BODY_BYTES + " bytes (1 MiB) are allowed");
    }

    private static JsonNode parse(String json) {
        try {
            return READER.readTree(json);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    private static ObjectNode asObject(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            throw new ConfigValidationException("Config body is empty; it must be a JSON object such as {}");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ConfigValidationException(
                    "Config body must be a JSON object, not " + describe(node) + " (line 1, column 1)", 1, 1, null);
        }
        return object;
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static ConfigValidationException invalid(IOException e) {
        if (e instanceof JsonProcessingException jpe) {
            JsonLocation location = jpe.getLocation();
            int line = location == null ? -1 : location.getLineNr();
            int column = location == null ? -1 : location.getColumnNr();
            String where = line > 0 ? " (line " + line + ", column " + column + ")" : "";
            String kind = e instanceof JsonParseException ? "Invalid JSON" : "Unreadable JSON";
            return new ConfigValidationException(kind + where + ": " + jpe.getOriginalMessage(), line, column, e);
        }
        return new ConfigValidationException("Unreadable JSON: " + e.getMessage(), -1, -1, e);
    }
}
