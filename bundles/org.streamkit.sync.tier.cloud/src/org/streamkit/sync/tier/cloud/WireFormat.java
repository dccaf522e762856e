package org.streamkit.sync.tier.cloud;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * How a config travels to and from the Streamkit API. The server keeps a config as one JSON object: the
 * user's fields at the top level (so the web dock reads them as it always has), the server's own fields
 * ({@code id}, {@code createdAt}, {@code updatedAt}, {@code customerId}, {@code configType}), and this
 * client's sync record under {@value #META}:
 *
 * <pre>
 * "$streamkit": {"v": 1, "t": "&lt;the edit's stamp&gt;", "c": "&lt;created&gt;", "h": "&lt;digest of the user's fields&gt;"}
 * </pre>
 *
 * <ul>
 * <li>The edit's stamp travels with the document, so a server that stamps every write with its own time
 * cannot reorder edits: the server's {@code updatedAt} only orders its change feed.</li>
 * <li>A user field whose name is one of the server's, or a {@code $}-prefixed form of one of those or of
 * {@code streamkit}, is sent with one more {@code $} in front ({@code id} as {@code $id}, {@code $streamkit}
 * as {@code $$streamkit}) and read back without it, so no user field is taken for metadata.</li>
 * <li>The digest lets a reader see an edit another client (the web dock) made after this record was
 * written: the fields no longer match it, and the edit is then stamped by the server's time of that write.</li>
 * <li>A config without the record (written by the web dock, or before this format) is stamped by the
 * server's times.</li>
 * <li>Against the core routes, deletes travel as tombstone records under type {@value #TOMBSTONES}, one per
 * deleted config, which the web dock never lists: {@code {"id": "<type>~<id>", "$streamkit": {..., "d": true,
 * "k": ["<type>", "<id>"]}}}.</li>
 * <li>Against the core routes, whose listing of a type stops at its first {@value #LIST_CAP} ids, every write
 * also leaves an index record under one of {@value #INDEX_BUCKETS} types {@value #INDEX}{@code 00}…: the same
 * shape as a tombstone record, with the edit's stamp ({@code "d": true} for a delete). The types this client
 * wrote are recorded under {@value #TYPES}, one record per type.</li>
 * <li>Top-level {@code null} values are sent as they are and named in the record with their places ({@code "n": [["name", 3]]}), so they come
 * back also from a server that drops them; the digest leaves them out.</li>
 * <li>With end-to-end encryption on, a live config carries no user field and no digest: its body is sealed
 * in the record, {@code "e": {"k": "<key id>", "x": "<nonce and AES-GCM ciphertext, base64>"}}, bound to its
 * type, id and both stamps (see {@link EncryptionKey}). The type, id and stamps stay readable, so sync
 * works as before; a server that moves, replays or changes a sealed body is told by the tag.</li>
 * </ul>
 */
final class WireFormat {

    /** The key of this client's sync record in a stored config. */
    static final String META = "$streamkit";
    /** The key of a sealed body in the sync record (end-to-end encryption). */
    static final String SEALED = "e";
    /** The type of the tombstone records used against the core routes. */
    static final String TOMBSTONES = "streamkit-tombstones";
    /** The prefix of the index records' types, {@value #INDEX}{@code 00} to {@value #INDEX}{@code 63}. */
    static final String INDEX = "streamkit-index-";
    /** How many types the index records are spread over (each one listed in full up to {@value #LIST_CAP}). */
    static final int INDEX_BUCKETS = 64;
    /** The type of the records that name each config type written by this client. */
    static final String TYPES = "streamkit-types";
    /** The most configs the deployed API lists of one type (the first ones by id); a listing that long may be cut. */
    static final int LIST_CAP = 1000;
    /** The fields the server sets on every stored object (and the ones older clients treated as metadata). */
    static final Set<String> SERVER_FIELDS = Set.of("id", "createdAt", "updatedAt", "customerId", "configType",
            "deleted", "etag");
    private static final String META_NAME = "streamkit";
    private static final int VERSION = 1;
    private static final long TICK_NANOS = 1_000;

    private WireFormat() {
    }

    // ---------------------------------------------------------------- writing

    /** @return the object to send for a live config: id, the user's fields (names escaped) and the sync record */
    static ObjectNode config(ConfigDocument document) {
        return config(document, null);
    }

    /**
     * @param key the account's encryption key, or null when its configs are not encrypted
     * @return the object to send for a live config: id, the user's fields (names escaped) and the sync record,
     *         or, with a key, id and the sync record with the body sealed in it
     */
    static ObjectNode config(ConfigDocument document, EncryptionKey key) {
        ObjectNode object = ConfigJson.newObject();
        object.put("id", document.id());
        ObjectNode body = document.body();
        ObjectNode meta = record(document);
        if (key != null) {
            byte[] plain;
            try {
                plain = ConfigJson.writer().writeValueAsBytes(body);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a config body could not be written as JSON", e);
            }
            meta.putObject(SEALED).put("k", key.id()).put("x", Base64.getEncoder().encodeToString(key.seal(plain, associated(document))));
            object.set(META, meta);
            return object;
        }
        ArrayNode nulls = null;
        int position = 0;
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            object.set(escape(field.getKey()), field.getValue());
            if (field.getValue().isNull()) {
                (nulls == null ? nulls = meta.putArray("n") : nulls).addArray().add(field.getKey()).add(position);
            }
            position++;
        }
        meta.put("h", digest(body));
        object.set(META, meta);
        return object;
    }

    /** @return the object a DELETE carries (with the extensions): the tombstone's sync record */
    static ObjectNode tombstone(ConfigDocument tombstone) {
        ObjectNode object = ConfigJson.newObject();
        object.set(META, record(tombstone).put("d", true));
        return object;
    }

    /** @return the tombstone record for a deleted config, for the core routes */
    static ObjectNode tombstoneRecord(ConfigDocument tombstone) {
        ObjectNode object = ConfigJson.newObject();
        object.put("id", recordId(tombstone.key()));
        ObjectNode meta = record(tombstone).put("d", true);
        meta.putArray("k").add(tombstone.type()).add(tombstone.id());
        object.set(META, meta);
        return object;
    }

    /** @return the index record of a config's version (against the core routes): where to find it, and its stamp */
    static ObjectNode indexRecord(ConfigDocument document) {
        ObjectNode object = ConfigJson.newObject();
        object.put("id", recordId(document.key()));
        ObjectNode meta = record(document);
        if (document.deleted()) {
            meta.put("d", true);
        }
        meta.putArray("k").add(document.type()).add(document.id());
        object.set(META, meta);
        return object;
    }

    /** @return the type of the index records that holds a config's, one of {@value #INDEX_BUCKETS} */
    static String indexType(ConfigKey key) {
        byte[] digest = sha256Bytes((key.type() + '\0' + key.id()).getBytes(StandardCharsets.UTF_8));
        return indexType((digest[0] & 0xff) % INDEX_BUCKETS);
    }

    /** @return the type of index bucket {@code bucket} */
    static String indexType(int bucket) {
        return INDEX + (bucket < 10 ? "0" : "") + bucket;
    }

    /** @return the record that names a config type, for {@value #TYPES} */
    static ObjectNode typeRecord(String type) {
        ObjectNode object = ConfigJson.newObject();
        object.put("id", type);
        object.putObject(META).put("v", VERSION);
        return object;
    }

    /** @return whether a type holds this client's records rather than configs */
    static boolean reserved(String type) {
        return type.equals(TOMBSTONES) || type.equals(TYPES) || type.startsWith(INDEX) || type.equals(KeyRecord.TYPE);
    }

    /**
     * @return the id of a config's tombstone record: {@code <type>~<id>} (types never hold {@code ~}), or, for
     *         ids too long for that, the type and a digest of the id; the record names its config in full
     */
    static String recordId(ConfigKey key) {
        String plain = key.type() + "~" + key.id();
        if (plain.length() <= ConfigKey.MAX_ID_LENGTH) {
            return plain;
        }
        return key.type() + "~#" + sha256(key.id().getBytes(StandardCharsets.UTF_8)).substring(0, 43);
    }

    /** @return what a sealed body is bound to: its type, id and both stamps */
    private static byte[] associated(ConfigDocument document) {
        return EncryptionKey.associated("streamkit-e2e/1", document.type(), document.id(), document.updatedAt().toString(),
                document.createdAt().toString());
    }

    private static ObjectNode record(ConfigDocument document) {
        ObjectNode meta = ConfigJson.newObject();
        meta.put("v", VERSION);
        meta.put("t", document.updatedAt().toString());
        meta.put("c", document.createdAt().toString());
        return meta;
    }

    // ---------------------------------------------------------------- reading

    /**
     * @param object a stored config as the server answers it (a live one, or a tombstone with {@code deleted})
     * @param etag   the server's version of it, or null
     * @return the version, a sealed body left closed (an empty body: for its key, stamps and deletion only)
     * @throws StorageException when its times cannot be read
     */
    static ConfigDocument document(String type, ObjectNode object, String etag) throws StorageException {
        return read(new ConfigKey(type, object.path("id").asText()), object, etag);
    }

    /**
     * @param object     a stored config as the server answers it (a live one, or a tombstone with {@code deleted})
     * @param etag       the server's version of it, or null
     * @param key        the account's encryption key on this device, or null when it has none
     * @param plainTaken whether a live config stored unencrypted is taken (false when the account's configs
     *                   are encrypted: a plain one was not written by a device with its key)
     * @throws StorageException when its times cannot be read; an {@link EncryptionException} when its body is
     *                          sealed with no key or another key than {@code key}, fails its tag, or is plain
     *                          where that is not taken
     */
    static ConfigDocument document(String type, ObjectNode object, String etag, EncryptionKey key, boolean plainTaken)
            throws StorageException {
        ConfigKey configKey = new ConfigKey(type, object.path("id").asText());
        ConfigDocument read = read(configKey, object, etag);
        JsonNode sealed = object.path(META).path(SEALED);
        if (read.deleted()) {
            return read;
        }
        if (sealed.isMissingNode()) {
            if (!plainTaken) {
                throw new EncryptionException("The cloud holds " + configKey + " unencrypted, though this account's configs are"
                        + " encrypted: it was not written by a device with the account's key (the web dock, or a device from"
                        + " before encryption was turned on). Nothing was taken from it; running `streamkit encryption on`"
                        + " here encrypts it as it is, or delete it.", false);
            }
            return read;
        }
        return ConfigDocument.of(configKey, open(read, sealed, key), read.createdAt(), read.updatedAt()).withRemoteVersion(etag);
    }

    /** @return the body sealed in a config's record */
    private static ObjectNode open(ConfigDocument read, JsonNode sealed, EncryptionKey key) throws StorageException {
        String kid = sealed.path("k").asText("");
        if (key == null) {
            throw new EncryptionException(read.key() + " is end-to-end encrypted and this device has no key for it: enter the"
                    + " account's passphrase (" + CloudStore.ENTER + "). Nothing was taken"
                    + " from the cloud meanwhile.", true);
        }
        if (!kid.equals(key.id())) {
            throw new EncryptionException(read.key() + " is sealed with another encryption key (" + kid + ") than this device's ("
                    + key.id() + "): the passphrase was changed on another device (enter the new one: " + CloudStore.ENTER + "),"
                    + " or a device that still had the old one wrote it. Nothing was taken from it.", true);
        }
        byte[] plain;
        try {
            byte[] bytes = Base64.getDecoder().decode(sealed.path("x").asText(""));
            plain = key.open(bytes, associated(read));
        } catch (IllegalArgumentException | javax.crypto.AEADBadTagException e) {
            throw new EncryptionException(read.key() + " failed its integrity check: the sealed body the cloud returned is not"
                    + " the one a device with this account's key sealed for this config and version (it was changed, or"
                    + " moved from another one). Nothing was taken from it.", false);
        }
        try {
            JsonNode body = ConfigJson.reader().readTree(plain);
            if (body instanceof ObjectNode o) {
                return o;
            }
        } catch (java.io.IOException e) {
            // told below
        }
        throw new EncryptionException(read.key() + " holds a sealed body that is not a JSON object; nothing was taken from it", false);
    }

    private static ConfigDocument read(ConfigKey key, ObjectNode object, String etag) throws StorageException {
        JsonNode meta = object.get(META);
        Instant serverUpdated = time(object, "updatedAt", key);
        Instant serverCreated = object.has("createdAt") ? time(object, "createdAt", key) : serverUpdated;
        Instant stamp = meta == null ? serverUpdated : metaTime(meta, "t", key);
        Instant created = meta == null ? serverCreated : metaTime(meta, "c", key);
        if (object.path("deleted").asBoolean(false)) {
            return ConfigDocument.tombstone(key, created, stamp).withRemoteVersion(etag);
        }
        ObjectNode body = ConfigJson.newObject();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String name = unescape(field.getKey());
            if (name != null) {
                body.set(name, field.getValue());
            }
        }
        boolean described = meta != null && meta.path("h").isTextual() && meta.get("h").asText().equals(digest(body));
        if (described && meta.path("n").isArray()) {
            body = withNulls(body, meta.get("n"));
        }
        if (meta != null && meta.path("h").isTextual() && !described) {
            // Edited by a client that kept this record but not the fields it describes (the web dock): an edit
            // of its own, made when the server stamped it, and after the edit the record names.
            Instant after = stamp.plusNanos(TICK_NANOS);
            stamp = serverUpdated.isAfter(after) ? serverUpdated : after;
        }
        return ConfigDocument.of(key, body, created, stamp).withRemoteVersion(etag);
    }

    /** @return the body with the top-level nulls a server did not keep back in their places */
    private static ObjectNode withNulls(ObjectNode body, JsonNode nulls) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(body.properties());
        boolean added = false;
        for (JsonNode n : nulls) { // in the order of their positions
            String name = n.path(0).asText("");
            if (!name.isEmpty() && !body.has(name)) {
                fields.add(Math.min(Math.max(0, n.path(1).asInt()), fields.size()), Map.entry(name, NullNode.getInstance()));
                added = true;
            }
        }
        if (!added) {
            return body;
        }
        ObjectNode ordered = ConfigJson.newObject();
        fields.forEach(f -> ordered.set(f.getKey(), f.getValue()));
        return ordered;
    }

    /** @return the tombstone a core-route tombstone record stands for, or null when it is not one */
    static ConfigDocument tombstoneFromRecord(ObjectNode record) {
        IndexEntry entry = indexEntry(record);
        return entry == null || !entry.deleted() ? null : ConfigDocument.tombstone(entry.key(), entry.created(), entry.stamp());
    }

    /**
     * What an index record (or a tombstone record) says.
     *
     * @param deleted whether the version is a delete
     */
    record IndexEntry(ConfigKey key, Instant created, Instant stamp, boolean deleted) {
    }

    /** @return what an index or tombstone record says, or null when it is not one */
    static IndexEntry indexEntry(ObjectNode record) {
        JsonNode meta = record.get(META);
        JsonNode names = meta == null ? null : meta.get("k");
        if (names == null || !names.isArray() || names.size() != 2) {
            return null;
        }
        try {
            ConfigKey key = new ConfigKey(names.get(0).asText(), names.get(1).asText());
            if (!recordId(key).equals(record.path("id").asText())) {
                return null;
            }
            return new IndexEntry(key, metaTime(meta, "c", key), metaTime(meta, "t", key), meta.path("d").asBoolean(false));
        } catch (RuntimeException | StorageException e) {
            return null;
        }
    }

    private static Instant time(JsonNode object, String field, ConfigKey key) throws StorageException {
        JsonNode value = object.get(field);
        if (value == null || !value.isTextual()) {
            throw new StorageException("The cloud's copy of " + key + " has no " + field, false);
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new StorageException("The cloud's copy of " + key + " has an unreadable " + field, false, e);
        }
    }

    private static Instant metaTime(JsonNode meta, String field, ConfigKey key) throws StorageException {
        try {
            return Instant.parse(meta.path(field).asText());
        } catch (DateTimeParseException e) {
            throw new StorageException("The cloud's copy of " + key + " has an unreadable sync record (" + field + ")", false, e);
        }
    }

    // ---------------------------------------------------------------- names

    /** @return the name a user field travels under */
    static String escape(String name) {
        int dollars = dollars(name);
        String rest = name.substring(dollars);
        boolean server = SERVER_FIELDS.contains(rest);
        return server || dollars > 0 && rest.equals(META_NAME) ? "$" + name : name;
    }

    /** @return the user field a stored name stands for, or null for the server's fields and the sync record */
    static String unescape(String stored) {
        int dollars = dollars(stored);
        String rest = stored.substring(dollars);
        if (SERVER_FIELDS.contains(rest)) {
            return dollars == 0 ? null : stored.substring(1);
        }
        if (rest.equals(META_NAME) && dollars > 0) {
            return dollars == 1 ? null : stored.substring(1);
        }
        return stored;
    }

    private static int dollars(String name) {
        int n = 0;
        while (n < name.length() && name.charAt(n) == '$') {
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- digest

    /**
     * @return a digest of the user's fields that any client computes the same way from the same values:
     *         keys sorted, numbers by their value (as a JavaScript client would write them again), top-level
     *         nulls left out
     */
    static String digest(ObjectNode body) {
        StringBuilder canonical = new StringBuilder();
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        names.sort(null);
        canonical.append('{');
        for (String name : names) {
            JsonNode value = body.get(name);
            if (value.isNull()) {
                continue;
            }
            if (canonical.length() > 1) {
                canonical.append(',');
            }
            quote(name, canonical);
            canonical.append(':');
            canonical(value, canonical);
        }
        canonical.append('}');
        return sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 22);
    }

    private static void canonical(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                quote(names.get(i), out);
                out.append(':');
                canonical(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(node.get(i), out);
            }
            out.append(']');
        } else if (node.isNumber()) {
            double value = node.asDouble();
            out.append(Double.isFinite(value) ? new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString()
                    : node.asText());
        } else if (node.isTextual()) {
            quote(node.asText(), out);
        } else {
            out.append(node.toString()); // true, false, null
        }
    }

    private static void quote(String text, StringBuilder out) {
        out.append(TextNode.valueOf(text).toString()); // quoted and escaped as JSON
    }

    private static String sha256(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256Bytes(bytes));
    }

    private static byte[] sha256Bytes(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
    }
}
