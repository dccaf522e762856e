package org.streamkit.sync.tier.cloud;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.ConflictException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Streamkit API as a {@link StorageTier}, exactly as deployed (core routes), plus the extensions a
 * server lists in {@code /health}:
 * <ul>
 * <li>writes update with {@code PUT} (a shallow merge on the server, so keys removed here are sent as
 * {@code null}) and create with {@code POST} when the config is not there yet; the server's stamps are
 * read back and returned, so the coordinator adopts them;</li>
 * <li>with {@code conditional-writes}, an update carries {@code If-Match} and a creation
 * {@code If-None-Match: *}; a {@code 412} becomes a {@link ConflictException} with the server's version;</li>
 * <li>with {@code changes}, {@link #changedSince} reads only what changed after a per-type cursor, tombstones
 * included; without it, it lists everything (the coordinator's last-write-wins merge loses nothing);</li>
 * <li>{@code 429} honours {@code Retry-After}; {@code 400} and {@code 413} are errors that retrying cannot fix.</li>
 * </ul>
 */
public final class CloudStore implements StorageTier {

    private static final Logger LOG = LoggerFactory.getLogger(CloudStore.class);
    /** Fields the server adds to every stored config; they are not part of the body. */
    private static final Set<String> SERVER_FIELDS = Set.of("id", "createdAt", "updatedAt", "customerId", "configType",
            "deleted", "etag");

    private final String name;
    private final CloudHttp http;
    private final Set<String> types;
    private final Map<ConfigKey, Set<String>> remoteFields = new ConcurrentHashMap<>();
    private volatile Set<String> features;
    private volatile TierHealth health = TierHealth.up();

    /**
     * @param types the config types this tier syncs (the API has no route that lists types)
     */
    public CloudStore(String name, CloudHttp http, Set<String> types) {
        this.name = name;
        this.http = http;
        this.types = Set.copyOf(types);
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the extensions the server listed in {@code /health} (read once, then cached) */
    Set<String> features() throws StorageException {
        Set<String> f = features;
        if (f == null) {
            CloudHttp.Response response = call("GET", List.of("health"), Map.of(), null, Map.of(), "checking the cloud's health");
            expect(response, "checking the cloud's health", null, 200);
            Set<String> found = new LinkedHashSet<>();
            JsonNode list = response.json().get("features");
            if (list != null && list.isArray()) {
                list.forEach(n -> found.add(n.asText()));
            }
            features = f = Set.copyOf(found);
            LOG.info("Cloud {}: extensions {}", name, found.isEmpty() ? "none (core routes only)" : found);
        }
        return f;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        String what = "reading " + key;
        CloudHttp.Response response = call("GET", List.of("configs", key.type(), key.id()), Map.of(), null, Map.of(), what);
        if (response.status() == 404) {
            remoteFields.remove(key);
            return Optional.empty();
        }
        expect(response, what, key, 200);
        JsonNode config = response.json().get("config");
        if (!(config instanceof ObjectNode object)) {
            throw new StorageException("The cloud answered " + what + " without a config object", true);
        }
        return Optional.of(document(key.type(), object, response.header("ETag")));
    }

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        if (document.deleted()) {
            return delete(document.key(), document.updatedAt());
        }
        ConfigKey key = document.key();
        String what = "saving " + key;
        boolean conditional = features().contains("conditional-writes");
        if (!remoteFields.containsKey(key)) {
            get(key); // learns whether the server has it, and which fields, so removed ones can be sent as null
        }
        Set<String> before = remoteFields.get(key);
        ObjectNode body = document.body();
        if (before != null) {
            for (String field : before) {
                if (!body.has(field) && !SERVER_FIELDS.contains(field)) {
                    body.putNull(field); // the server merges shallowly: a missing key would survive there
                }
            }
        }
        body.put("id", key.id());
        byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
        CloudHttp.Response response = null;
        if (before != null) {
            // It exists there: update. Conditional on the version this device last saw, when the server can.
            Map<String, String> headers = conditional && document.remoteVersion() != null
                    ? Map.of("If-Match", document.remoteVersion()) : Map.of();
            response = call("PUT", List.of("configs", key.type(), key.id()), Map.of(), json, headers, what);
            if (response.status() == 412 && response.json().path("config").isNull()) {
                response = null; // deleted there since: create it again below
            } else if (response.status() == 404) {
                response = null;
            }
        }
        if (response == null) {
            Map<String, String> headers = conditional ? Map.of("If-None-Match", "*") : Map.of();
            response = call("POST", List.of("configs", key.type()), Map.of(), json, headers, what);
        }
        expect(response, what, key, 200, 201);
        // The write answers {message, configId, type}; the server's stamps are read back.
        return get(key).orElseThrow(() -> new StorageException("The cloud lost " + key + " right after saving it", true));
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        String what = "deleting " + key;
        CloudHttp.Response response = call("DELETE", List.of("configs", key.type(), key.id()), Map.of(), null, Map.of(), what);
        expect(response, what, key, 200, 204, 404);
        remoteFields.remove(key);
        return ConfigDocument.tombstone(key, deletedAt, deletedAt);
    }

    @Override
    public Set<String> listTypes() {
        return new TreeSet<>(types);
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        ConfigKey.validateType(type);
        Map<String, String> query = features().contains("ids") ? Map.of("fields", "id,updatedAt") : Map.of();
        List<ConfigKey> keys = new ArrayList<>();
        for (JsonNode config : list(type, query, "listing " + type)) {
            JsonNode id = config.get("id");
            if (id != null && id.isTextual()) {
                try {
                    keys.add(new ConfigKey(type, id.asText()));
                } catch (ConfigValidationException e) {
                    LOG.warn("Cloud {}: skipping a {} config whose id is not valid here ({})", name, type, e.getMessage());
                }
            }
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        Map<String, String> cursors = parseCursor(cursor);
        boolean incremental = features().contains("changes");
        List<ConfigDocument> documents = new ArrayList<>();
        boolean more = false;
        for (String type : new TreeSet<>(types)) {
            String what = "reading what changed in " + type;
            if (incremental) {
                Map<String, String> query = new LinkedHashMap<>();
                query.put("limit", Integer.toString(limit));
                String since = cursors.get(type);
                if (since != null) {
                    query.put("since", since);
                }
                CloudHttp.Response response = call("GET", List.of("configs", type), query, null, Map.of(), what);
                expect(response, what, null, 200);
                JsonNode page = response.json();
                addAll(type, page.get("configs"), documents);
                addAll(type, page.get("tombstones"), documents);
                JsonNode next = page.get("cursor");
                if (next != null && !next.isNull()) {
                    cursors.put(type, next.asText());
                }
                more |= page.path("hasMore").asBoolean(false);
            } else {
                for (JsonNode config : list(type, Map.of(), what)) {
                    addOne(type, config, documents);
                }
            }
        }
        return new Changes(documents, formatCursor(cursors), more);
    }

    @Override
    public TierHealth health() {
        String auth = http.authProblem();
        return auth != null ? TierHealth.degraded(auth) : health;
    }

    // ---- mapping

    private List<JsonNode> list(String type, Map<String, String> query, String what) throws StorageException {
        CloudHttp.Response response = call("GET", List.of("configs", type), query, null, Map.of(), what);
        expect(response, what, null, 200);
        JsonNode configs = response.json().get("configs");
        if (configs == null || !configs.isArray()) {
            throw new StorageException("The cloud answered " + what + " without a configs list", true);
        }
        List<JsonNode> out = new ArrayList<>();
        configs.forEach(out::add);
        return out;
    }

    private void addAll(String type, JsonNode configs, List<ConfigDocument> into) {
        if (configs != null && configs.isArray()) {
            configs.forEach(c -> addOne(type, c, into));
        }
    }

    private void addOne(String type, JsonNode config, List<ConfigDocument> into) {
        if (!(config instanceof ObjectNode object) || !object.path("id").isTextual()) {
            LOG.warn("Cloud {}: skipping a {} entry that is not a config with an id", name, type);
            return;
        }
        try {
            into.add(document(type, object, null));
        } catch (ConfigValidationException | StorageException e) {
            LOG.warn("Cloud {}: skipping {}/{}: {}", name, type, object.path("id").asText(), e.getMessage());
        }
    }

    /** A server config object as a document: the server's fields become the metadata, the rest the body. */
    private ConfigDocument document(String type, ObjectNode config, String etag) throws StorageException {
        ConfigKey key = new ConfigKey(type, config.path("id").asText());
        Instant updated = time(config, "updatedAt", key);
        Instant created = config.has("createdAt") ? time(config, "createdAt", key) : updated;
        if (config.path("deleted").asBoolean(false)) {
            remoteFields.remove(key);
            return ConfigDocument.tombstone(key, created, updated);
        }
        ObjectNode body = ConfigJson.newObject();
        Set<String> fields = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            fields.add(field.getKey());
            if (!SERVER_FIELDS.contains(field.getKey()) && !field.getValue().isNull()) {
                body.set(field.getKey(), field.getValue());
            }
        }
        remoteFields.put(key, fields);
        String version = etag != null ? etag : config.path("etag").isTextual() ? config.get("etag").asText() : null;
        return ConfigDocument.of(key, body, created, updated).withRemoteVersion(version);
    }

    private static Instant time(JsonNode config, String field, ConfigKey key) throws StorageException {
        JsonNode value = config.get(field);
        if (value == null || !value.isTextual()) {
            throw new StorageException("The cloud's copy of " + key + " has no " + field, false);
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new StorageException("The cloud's copy of " + key + " has an unreadable " + field, false, e);
        }
    }

    // ---- requests and errors

    private CloudHttp.Response call(String method, List<String> path, Map<String, String> query, byte[] body,
            Map<String, String> headers, String what) throws StorageException {
        try {
            CloudHttp.Response response = http.send(method, path, query, body, headers, what);
            if (response.status() >= 500) {
                health = TierHealth.degraded("The cloud answered " + response.status() + " while " + what);
            } else {
                health = TierHealth.up();
            }
            return response;
        } catch (StorageException e) {
            if (http.authProblem() == null) {
                health = TierHealth.down(e.getMessage());
            }
            throw e;
        }
    }

    private void expect(CloudHttp.Response response, String what, ConfigKey key, int... ok) throws StorageException {
        for (int code : ok) {
            if (response.status() == code) {
                return;
            }
        }
        String detail = response.detail().isEmpty() ? "" : ": " + response.detail();
        int status = response.status();
        if (status == 412 && key != null) {
            JsonNode config = response.json().get("config");
            ConfigDocument current = config instanceof ObjectNode o ? document(key.type(), o, response.header("ETag")) : null;
            if (current == null) {
                current = ConfigDocument.tombstone(key, Instant.EPOCH, Instant.EPOCH);
            }
            throw new ConflictException("The cloud's copy of " + key + " changed since this device read it", current, null);
        }
        if (status == 429) {
            throw new StorageException("The cloud asked to slow down (429) while " + what, true, CloudHttp.retryAfter(response), null);
        }
        if (status == 413) {
            throw new StorageException("The cloud refused " + (key == null ? "the request" : key) + " as too large (413)" + detail,
                    false);
        }
        if (status == 400) {
            throw new StorageException("The cloud refused " + (key == null ? "the request" : key) + " (400)" + detail, false);
        }
        if (status == 404) {
            throw new StorageException("The cloud has no route for " + what + " (404)" + detail
                    + ". Check the cloud API URL.", false);
        }
        throw new StorageException("The cloud answered " + status + " while " + what + detail, status >= 500 || status == 408);
    }

    // ---- cursors: one server cursor per type, kept together

    private static Map<String, String> parseCursor(String cursor) {
        Map<String, String> cursors = new LinkedHashMap<>();
        if (cursor == null || cursor.equals("full")) {
            return cursors;
        }
        if (!cursor.startsWith("v1:")) {
            throw new IllegalArgumentException("Not a cursor of the cloud tier");
        }
        try {
            JsonNode node = ConfigJson.reader().readTree(Base64.getUrlDecoder().decode(cursor.substring(3)));
            node.fields().forEachRemaining(e -> cursors.put(e.getKey(), e.getValue().asText()));
            return cursors;
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a cursor of the cloud tier", e);
        }
    }

    private static String formatCursor(Map<String, String> cursors) {
        if (cursors.isEmpty()) {
            return "full";
        }
        ObjectNode node = ConfigJson.newObject();
        cursors.forEach(node::put);
        return "v1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }
}
