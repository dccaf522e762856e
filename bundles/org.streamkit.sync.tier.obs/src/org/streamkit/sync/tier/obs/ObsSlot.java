package org.streamkit.sync.tier.obs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The content of one bucket slot of the project's OBS layout: an immutable snapshot, read and written whole.
 * <p>
 * Format (schema {@value #SCHEMA}; schema 1 was the whole store in one slot, read only to migrate it),
 * <b>ASCII only</b>, because obs-websocket 5.1 re-encodes non-ASCII text on every write until OBS runs out of
 * memory and loses all persistent data:
 *
 * <pre>
 * {"schema":2, "seq":12, "w":"&lt;write id&gt;", "log":[[11,"&lt;write id&gt;"],[12,"&lt;write id&gt;"]],
 *  "configs":{"&lt;base64url(type/id)&gt;":{"u":"&lt;updatedAt&gt;","d":false,"s":12,"c":"&lt;client&gt;",
 *                                        "z":"&lt;base64(deflate(UTF-8 JSON of the document))&gt;"}}}
 * </pre>
 *
 * Every write raises {@code seq}, stamps the entries it changed with it, and appends its own random write id
 * to {@code log}. A change cursor names a {@code (seq, w)} pair: while that pair is still in the log, the
 * slot descends from the state the cursor saw, and the entries stamped later are exactly what changed.
 * When another client overwrote that state (two clients wrote at once), the pair is gone and the next
 * read starts again from the beginning: nothing is skipped.
 * <p>
 * A tombstone older than {@link #TOMBSTONE_HORIZON} is dropped the next time its slot is written.
 */
final class ObsSlot {

    static final int SCHEMA = 2;
    /** The schema of the single slot of the first layout, read to migrate it. */
    static final int SINGLE_SLOT_SCHEMA = 1;
    /**
     * How long a tombstone stays in OBS. A device that comes back after longer and still holds the config
     * sends it again; the cloud keeps tombstones for ever, so a device that syncs with the cloud too does not.
     */
    static final java.time.Duration TOMBSTONE_HORIZON = java.time.Duration.ofDays(90);
    /** Largest slot this client writes: OBS keeps all persistent data in one JSON file. */
    static final int MAX_SLOT_CHARS = 16 << 20;
    /** How many recent writes the log remembers. */
    static final int LOG_LENGTH = 64;
    /** Largest inflated document accepted from the slot (the body limit plus room for the envelope). */
    private static final int MAX_DOCUMENT_BYTES = ConfigDocument.MAX_BODY_BYTES + (64 << 10);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Comparator<Entry> CHANGE_ORDER = Comparator.comparingLong(Entry::seq).thenComparing(Entry::code);

    /** One config in the slot; {@code payload} is the encoded document. */
    record Entry(String code, Instant updatedAt, boolean deleted, long seq, String client, String payload) {
    }

    /** One write in the log. */
    record Write(long seq, String id) {
    }

    static final ObsSlot EMPTY = new ObsSlot(0, "0", List.of(new Write(0, "0")), new TreeMap<>(), null);

    final long seq;
    final String writeId;
    final List<Write> log;
    final Map<String, Entry> entries;
    final String legacyImport;

    private ObsSlot(long seq, String writeId, List<Write> log, Map<String, Entry> entries, String legacyImport) {
        this.seq = seq;
        this.writeId = writeId;
        this.log = List.copyOf(log);
        this.entries = Collections.unmodifiableMap(entries);
        this.legacyImport = legacyImport;
    }

    // ---------------------------------------------------------------- reading and writing the slot

    /**
     * @param value the slot's value as OBS returned it; {@code null} or JSON null for a slot never written
     * @throws StorageException when the slot holds something this client cannot read (it is then left alone)
     */
    static ObsSlot parse(JsonNode value) throws StorageException {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return EMPTY;
        }
        if (!value.isObject()) {
            throw unreadable("it holds " + value.getNodeType() + ", not an object");
        }
        int schema = value.path("schema").asInt(-1);
        if (schema > SCHEMA) {
            throw new StorageException("The OBS slot was written by a newer Streamkit (schema " + schema
                    + "); update Streamkit Sync on this machine", false);
        }
        if (schema != SCHEMA && schema != SINGLE_SLOT_SCHEMA || !value.path("configs").isObject()) {
            throw unreadable("its schema is " + value.path("schema"));
        }
        List<Write> log = new ArrayList<>();
        for (JsonNode w : value.path("log")) {
            if (!w.isArray() || w.size() != 2 || !w.get(0).canConvertToLong() || !w.get(1).isTextual()) {
                throw unreadable("its log holds " + w);
            }
            log.add(new Write(w.get(0).asLong(), w.get(1).asText()));
        }
        Map<String, Entry> entries = new TreeMap<>();
        JsonNode configs = value.path("configs");
        var fields = configs.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            JsonNode e = field.getValue();
            try {
                entries.put(field.getKey(), new Entry(field.getKey(), Instant.parse(e.path("u").asText()),
                        e.path("d").asBoolean(), e.path("s").asLong(), e.path("c").asText(""), e.path("z").asText()));
            } catch (DateTimeParseException ex) {
                throw unreadable("config " + field.getKey() + " has no valid time");
            }
        }
        JsonNode legacy = value.get("legacyImport");
        return new ObsSlot(value.path("seq").asLong(), value.path("w").asText(""), log, entries,
                legacy == null || legacy.isNull() ? null : legacy.asText());
    }

    /** @return whether a value is a slot written by a newer Streamkit (whose format this one must not touch) */
    static boolean newerSchema(JsonNode value) {
        return value != null && value.isObject() && value.path("schema").asInt(-1) > SCHEMA;
    }

    private static StorageException unreadable(String why) {
        return new StorageException("The OBS slot cannot be read (" + why + "); it was left as it is", false);
    }

    /** @return the slot as JSON, ASCII only */
    ObjectNode toJson() {
        ObjectNode root = NODES.objectNode();
        root.put("schema", SCHEMA);
        root.put("seq", seq);
        root.put("w", writeId);
        ArrayNode logNode = root.putArray("log");
        for (Write w : log) {
            logNode.addArray().add(w.seq()).add(w.id());
        }
        ObjectNode configs = root.putObject("configs");
        for (Entry e : entries.values()) {
            ObjectNode n = configs.putObject(e.code());
            n.put("u", e.updatedAt().toString());
            n.put("d", e.deleted());
            n.put("s", e.seq());
            n.put("c", e.client());
            n.put("z", e.payload());
        }
        if (legacyImport != null) {
            root.put("legacyImport", legacyImport);
        }
        return root;
    }

    // ---------------------------------------------------------------- changes

    /** A new snapshot with the given documents stored, written by {@code client} as write {@code id}. */
    ObsSlot with(List<ConfigDocument> documents, String client, String id) {
        List<Entry> changed = new ArrayList<>(documents.size());
        for (ConfigDocument d : documents) {
            changed.add(new Entry(code(d.key()), d.updatedAt(), d.deleted(), 0, client, encode(d)));
        }
        return withEntries(changed, id, Instant.now().minus(TOMBSTONE_HORIZON));
    }

    /**
     * A new snapshot with the given entries (stamped with the new {@code seq}), written as write {@code id};
     * tombstones older than {@code horizon} are dropped.
     */
    ObsSlot withEntries(List<Entry> changed, String id, Instant horizon) {
        long next = seq + 1;
        Map<String, Entry> copy = new TreeMap<>(entries);
        copy.values().removeIf(e -> e.deleted() && e.updatedAt().isBefore(horizon));
        for (Entry e : changed) {
            copy.put(e.code(), new Entry(e.code(), e.updatedAt(), e.deleted(), next, e.client(), e.payload()));
        }
        List<Write> nextLog = new ArrayList<>(log);
        nextLog.add(new Write(next, id));
        while (nextLog.size() > LOG_LENGTH) {
            nextLog.remove(0);
        }
        return new ObsSlot(next, id, nextLog, copy, legacyImport);
    }

    Entry entry(ConfigKey key) {
        return entries.get(code(key));
    }

    /** @return whether the write {@code (seq, id)} is in this slot's history */
    boolean descendsFrom(long writeSeq, String id) {
        return log.contains(new Write(writeSeq, id));
    }

    /** @return the entries changed after position {@code (afterSeq, afterCode)}, oldest first */
    List<Entry> changedAfter(long afterSeq, String afterCode) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.seq() > afterSeq || e.seq() == afterSeq && e.code().compareTo(afterCode) > 0) {
                out.add(e);
            }
        }
        out.sort(CHANGE_ORDER);
        return out;
    }

    // ---------------------------------------------------------------- encoding

    /** The slot's name for a key: base64url of UTF-8 {@code type/id} (ids may hold any character). */
    static String code(ConfigKey key) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((key.type() + "/" + key.id()).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ConfigValidationException when the code does not name a valid key */
    static ConfigKey key(String code) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(code), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConfigValidationException("The OBS slot names a config with an unreadable code");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new ConfigValidationException("The OBS slot names a config without a type");
        }
        return new ConfigKey(text.substring(0, slash), text.substring(slash + 1));
    }

    /** base64 of the deflated UTF-8 JSON of the document: ASCII, and small for the repetitive JSON of configs. */
    static String encode(ConfigDocument d) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, new Deflater(Deflater.BEST_SPEED), true)) {
            ConfigJson.writer().writeValue(out, d);
        } catch (IOException e) {
            throw new IllegalStateException("Encoding a config failed", e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /**
     * @throws StorageException when the entry cannot be decoded (damaged or written by something else)
     */
    static ConfigDocument decode(Entry e) throws StorageException {
        byte[] compressed;
        try {
            compressed = Base64.getDecoder().decode(e.payload());
        } catch (IllegalArgumentException ex) {
            throw damaged(e, "its payload is not base64");
        }
        byte[] json;
        try (InputStream in = new InflaterInputStream(new java.io.ByteArrayInputStream(compressed))) {
            json = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
        } catch (IOException ex) {
            throw damaged(e, "its payload does not inflate (" + ex.getMessage() + ")");
        }
        if (json.length > MAX_DOCUMENT_BYTES) {
            throw damaged(e, "it is larger than any valid config");
        }
        ConfigDocument d;
        try {
            d = ConfigJson.reader().forType(ConfigDocument.class).readValue(json);
        } catch (IOException | ConfigValidationException ex) {
            throw damaged(e, ex.getMessage());
        }
        if (!code(d.key()).equals(e.code())) {
            throw damaged(e, "it holds another config (" + d.key() + ")");
        }
        return d;
    }

    private static StorageException damaged(Entry e, String why) {
        return new StorageException("The OBS slot's entry " + e.code() + " cannot be read: " + why, false);
    }
}
