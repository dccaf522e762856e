package org.streamkit.sync.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One stored config: its key, a JSON object body, when it was created and last changed, whether it is a
 * tombstone (deleted), and an opaque remote version (an ETag or similar) that a remote tier may attach.
 * <p>
 * Immutable and thread-safe. The body is kept as compact UTF-8 JSON and validated once, on construction:
 * it must be a JSON object of at most {@link #MAX_BODY_BYTES} bytes. {@link #body()} returns a fresh copy
 * that the caller may change freely; {@link #bodyJson()} returns the stored text.
 * <p>
 * JSON form (Jackson): {@code {"type","id","createdAt","updatedAt","deleted","remoteVersion","body"}},
 * timestamps as ISO-8601 UTC text.
 *
 * @since 0.1
 */
@JsonPropertyOrder({ "type", "id", "createdAt", "updatedAt", "deleted", "remoteVersion", "body" })
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ConfigDocument {

    /** Largest accepted body: 1 MiB of compact UTF-8 JSON. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

    /**
     * The order of two versions of one config under last write wins, the newest last: the later
     * {@link #updatedAt()} (the edit's own stamp, made by the device that edited it) is newer; on equal
     * stamps a tombstone is newer than an edit, and then the body that sorts last. A total order, so every
     * device and every tier that compares two versions picks the same one.
     *
     * @since 0.2
     */
    public static final Comparator<ConfigDocument> VERSION_ORDER = Comparator.comparing(ConfigDocument::updatedAt)
            .thenComparing(ConfigDocument::deleted)
            .thenComparing(ConfigDocument::bodyJson);

    private final ConfigKey key;
    private final byte[] body;
    private final Instant createdAt;
    private final Instant updatedAt;
    private final boolean deleted;
    private final String remoteVersion;

    private ConfigDocument(ConfigKey key, byte[] body, Instant createdAt, Instant updatedAt, boolean deleted,
            String remoteVersion) {
        this.key = Objects.requireNonNull(key, "key");
        this.body = body;
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.updatedAt = Objects.requireNonNull(updatedAt, "updatedAt");
        this.deleted = deleted;
        this.remoteVersion = remoteVersion;
    }

    /**
     * A live config.
     *
     * @throws ConfigValidationException when the body is not an object or is over {@link #MAX_BODY_BYTES}
     */
    public static ConfigDocument of(ConfigKey key, JsonNode body, Instant createdAt, Instant updatedAt) {
        return new ConfigDocument(key, validBody(body), createdAt, updatedAt, false, null);
    }

    /**
     * A live config whose body is JSON text.
     *
     * @throws ConfigValidationException when the text is not a JSON object (the message gives line and
     *                                   column) or is over {@link #MAX_BODY_BYTES}
     */
    public static ConfigDocument parse(ConfigKey key, String bodyJson, Instant createdAt, Instant updatedAt) {
        return of(key, ConfigJson.parseObject(bodyJson), createdAt, updatedAt);
    }

    /** A tombstone: the config was deleted at {@code deletedAt}; its body is empty. */
    public static ConfigDocument tombstone(ConfigKey key, Instant createdAt, Instant deletedAt) {
        return new ConfigDocument(key, EMPTY_OBJECT, createdAt, deletedAt, true, null);
    }

    @JsonCreator
    static ConfigDocument fromJson(@JsonProperty("type") String type, @JsonProperty("id") String id,
            @JsonProperty("createdAt") String createdAt, @JsonProperty("updatedAt") String updatedAt,
            @JsonProperty("deleted") boolean deleted, @JsonProperty("remoteVersion") String remoteVersion,
            @JsonProperty("body") JsonNode body) {
        ConfigKey key = new ConfigKey(type, id);
        Instant updated = instant("updatedAt", updatedAt);
        Instant created = createdAt == null ? updated : instant("createdAt", createdAt);
        byte[] bytes = deleted ? EMPTY_OBJECT : validBody(body);
        return new ConfigDocument(key, bytes, created, updated, deleted, remoteVersion);
    }

    private static Instant instant(String field, String text) {
        if (text == null) {
            throw new ConfigValidationException("Config document has no " + field);
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigValidationException(
                    "Config document's " + field + " '" + ConfigKey.printable(text) + "' is not an ISO-8601 UTC time");
        }
    }

    private static byte[] validBody(JsonNode body) {
        if (body == null || body.isMissingNode() || body.isNull()) {
            throw new ConfigValidationException("Config body is missing; it must be a JSON object such as {}");
        }
        if (!(body instanceof ObjectNode)) {
            throw new ConfigValidationException("Config body must be a JSON object, not " + body.getNodeType());
        }
        byte[] bytes = ConfigJson.toBytes(body);
        if (bytes.length > MAX_BODY_BYTES) {
            throw ConfigJson.tooLarge(bytes.length);
        }
        return bytes;
    }

    @JsonIgnore
    public ConfigKey key() {
        return key;
    }

    @JsonProperty("type")
    public String type() {
        return key.type();
    }

    @JsonProperty("id")
    public String id() {
        return key.id();
    }

    /** @return a new copy of the body, which the caller may modify */
    @JsonIgnore
    public ObjectNode body() {
        return ConfigJson.parseObject(body);
    }

    /** @return the body as compact JSON text */
    @JsonProperty("body")
    @JsonRawValue
    public String bodyJson() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return the size of the compact UTF-8 body in bytes */
    @JsonIgnore
    public int bodySize() {
        return body.length;
    }

    @JsonIgnore
    public Instant createdAt() {
        return createdAt;
    }

    @JsonIgnore
    public Instant updatedAt() {
        return updatedAt;
    }

    @JsonProperty("createdAt")
    String createdAtText() {
        return createdAt.toString();
    }

    @JsonProperty("updatedAt")
    String updatedAtText() {
        return updatedAt.toString();
    }

    /** @return whether this is a tombstone: the config was deleted at {@link #updatedAt()} */
    @JsonProperty("deleted")
    public boolean deleted() {
        return deleted;
    }

    /** @return the remote tier's opaque version of this document (for example an ETag), or {@code null} */
    @JsonProperty("remoteVersion")
    public String remoteVersion() {
        return remoteVersion;
    }

    /** @return a copy with a new body and change time (a tombstone becomes live again) */
    public ConfigDocument withBody(JsonNode newBody, Instant newUpdatedAt) {
        return new ConfigDocument(key, validBody(newBody), createdAt, newUpdatedAt, false, remoteVersion);
    }

    /** @return a copy stamped with other times (for example the ones a server assigned) */
    public ConfigDocument withTimes(Instant newCreatedAt, Instant newUpdatedAt) {
        return new ConfigDocument(key, body, newCreatedAt, newUpdatedAt, deleted, remoteVersion);
    }

    /** @return a copy carrying the given remote version */
    public ConfigDocument withRemoteVersion(String newRemoteVersion) {
        return new ConfigDocument(key, body, createdAt, updatedAt, deleted, newRemoteVersion);
    }

    /** @return a tombstone for this config, deleted at {@code deletedAt} */
    public ConfigDocument asTombstone(Instant deletedAt) {
        return new ConfigDocument(key, EMPTY_OBJECT, createdAt, deletedAt, true, remoteVersion);
    }

    /**
     * @return whether this version wins over {@code other} under last write wins (see {@link #VERSION_ORDER});
     *         always true over {@code null}
     * @since 0.2
     */
    public boolean isNewerThan(ConfigDocument other) {
        return other == null || VERSION_ORDER.compare(this, other) > 0;
    }

    /**
     * @return whether the two are the same version: the same stamp, deletion state and body (remote
     *         versions and creation times aside)
     * @since 0.2
     */
    public boolean sameVersion(ConfigDocument other) {
        return other != null && updatedAt.equals(other.updatedAt) && deleted == other.deleted && sameBody(other);
    }

    /**
     * @return whether the two hold the same content, whatever their times: both deleted, or both live with
     *         the same body
     * @since 0.4
     */
    public boolean sameContent(ConfigDocument other) {
        return other != null && deleted == other.deleted && (deleted || sameBody(other));
    }

    /** @return whether the two documents carry the same body (the same JSON object, in any key order) */
    public boolean sameBody(ConfigDocument other) {
        // Compact JSON of one object in another key order has the same length: only then parse and compare.
        return Arrays.equals(body, other.body) || body.length == other.body.length && body().equals(other.body());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigDocument d && key.equals(d.key) && deleted == d.deleted
                && createdAt.equals(d.createdAt) && updatedAt.equals(d.updatedAt)
                && Objects.equals(remoteVersion, d.remoteVersion) && Arrays.equals(body, d.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, updatedAt, deleted) * 31 + Arrays.hashCode(body);
    }

    /** Names the config and its state; never includes the body. */
    @Override
    public String toString() {
        return key + (deleted ? " (deleted " : " (updated ") + updatedAt + ", " + body.length + " bytes)";
    }
}
