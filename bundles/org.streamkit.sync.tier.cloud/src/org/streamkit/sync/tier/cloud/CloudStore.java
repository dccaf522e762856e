package org.streamkit.sync.tier.cloud;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
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
 * server lists in {@code /health}. Documents travel in the {@link WireFormat}: every version keeps the stamp
 * of the edit that made it, whatever times the server puts on it.
 * <ul>
 * <li>A write is one {@code POST} of the whole config (the server replaces what it held). With
 * {@code conditional-writes} it names the version it replaces ({@code If-Match}) or that there is none
 * ({@code If-None-Match: *}); a {@code 412} becomes a {@link ConflictException} with the server's version.</li>
 * <li>Deletes: with {@code tombstones}, a {@code DELETE} that carries the tombstone's sync record, and the
 * server keeps the tombstone readable ({@code GET} answers 404 with it) and checks preconditions against
 * it. Against the core routes, a tombstone record under type {@value WireFormat#TOMBSTONES} and then the
 * {@code DELETE}; records older than {@link #TOMBSTONE_HORIZON} are pruned while pulling.</li>
 * <li>With {@code changes}, {@link #changedSince} reads only what changed after one cursor, across every
 * type, tombstones included; without it, it lists in full every type it knows: the configured ones, those it
 * wrote or saw, and those any client of this kind recorded under {@value WireFormat#TYPES}.</li>
 * <li>Against the core routes a listing of one type stops at its first {@value WireFormat#LIST_CAP} ids and
 * says nothing of the rest. Every write therefore also leaves an index record (see {@link WireFormat}); when a
 * listing is that long, the index is read and what the listing lacks is read one config at a time (kept for
 * {@link #BEYOND_LISTING_TTL} while its index stamp stays the same), and the tier's health says so.</li>
 * <li>{@code 429} and {@code 503} honour {@code Retry-After}; {@code 400} and {@code 413} are errors that
 * retrying cannot fix; redirects are not followed (the HTTPS rule holds for the URL that is used).</li>
 * </ul>
 */
public final class CloudStore implements StorageTier {

    /**
     * How long a tombstone record is kept against the core routes. A device that has not synced for longer
     * may bring a config deleted before that back; with the extensions the server keeps tombstones for ever.
     */
    public static final Duration TOMBSTONE_HORIZON = Duration.ofDays(90);

    /** How long a config read one at a time because a listing stopped before it is trusted without a new read. */
    static final Duration BEYOND_LISTING_TTL = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(CloudStore.class);
    private static final int LIST_PAGE = 5000;
    private static final String CHANGES_CURSOR = "v2:";
    private static final String FULL_CURSOR = "full";
    private static final String CORE_CURSOR = "core1:";

    private final String name;
    private final CloudHttp http;
    private final Set<String> types;
    private final Set<String> learnedTypes = ConcurrentHashMap.newKeySet();
    /** Against the core routes: the types known to have their record under {@value WireFormat#TYPES}. */
    private final Set<String> recordedTypes = ConcurrentHashMap.newKeySet();
    /** Against the core routes: configs a listing stopped before, as last read one at a time, and when. */
    private final Map<ConfigKey, Read> beyondListing = new ConcurrentHashMap<>();
    /** Against the core routes: what the last full listing could not list, for the tier's health; or null. */
    private volatile String listingNote;
    private final Supplier<Instant> clock;
    private volatile Set<String> features;
    private volatile TierHealth health = TierHealth.up();
    /** Against the core routes: the listing a paged read is working through. */
    private volatile Snapshot snapshot;
    /** This device's end-to-end encryption key, or null. */
    private volatile EncryptionKey key;
    /** The account's encryption key record, read with {@code /health}; null when its configs are not encrypted. */
    private volatile KeyRecord accountKey;
    /** The version of the account's deleted key record, where the server keeps tombstones; or null. */
    private volatile String keyRecordTombstone;
    /** Why this device may not write to the cloud (an encrypted account, and no key or another one here), or null. */
    private volatile String locked;
    /** Where a user enters the encryption passphrase. */
    static final String ENTER = "Window > Preferences > Streamkit > Encryption\u2026, or streamkit encryption on";
    /** Whether configs are read as stored, sealed bodies left closed (while listing what to encrypt). */
    private volatile boolean unopened;

    private record Snapshot(String id, NavigableMap<ConfigKey, ConfigDocument> documents) {
    }

    private record Read(ConfigDocument document, Instant at) {
    }

    /**
     * @param types the config types this tier syncs at least (the API has no route that lists types); every
     *              type this tier writes or sees is synced too
     */
    public CloudStore(String name, CloudHttp http, Set<String> types) {
        this(name, http, types, Instant::now);
    }

    CloudStore(String name, CloudHttp http, Set<String> types, Supplier<Instant> clock) {
        this.name = name;
        this.http = http;
        this.types = Set.copyOf(types);
        this.clock = clock;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * @return the extensions the server listed in {@code /health} (read once, then cached, with the account's
     *         encryption key record)
     */
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
            readKeyRecord();
            features = f = Set.copyOf(found);
            LOG.info("Cloud {}: extensions {}", name, found.isEmpty() ? "none (core routes only)" : found);
        }
        return f;
    }

    // ---------------------------------------------------------------- end-to-end encryption

    /**
     * Sets this device's encryption key (null: none). The account's key record is read again before the next
     * request, so a key entered or forgotten takes effect at once.
     */
    void useKey(EncryptionKey key) {
        this.key = key;
        this.features = null;
    }

    /** @return the account's encryption key record, as read last; null when its configs are not encrypted */
    KeyRecord accountKey() throws StorageException {
        features();
        return accountKey;
    }

    /**
     * Writes the account's key record where there is none.
     *
     * @return false when the server already holds one (another device made it meanwhile)
     */
    boolean createKeyRecord(KeyRecord record) throws StorageException {
        String what = "saving the account's encryption key record";
        if (accountKey() != null) {
            return false;
        }
        // Where a deleted record's tombstone is kept, a write over it names it; else it names that there is none.
        String deleted = keyRecordTombstone;
        Map<String, String> none = !has("conditional-writes") ? Map.of()
                : deleted != null ? Map.of("If-Match", deleted) : Map.of("If-None-Match", "*");
        byte[] json = record.toJson().toString().getBytes(StandardCharsets.UTF_8);
        CloudHttp.Response response = call("POST", List.of("configs", KeyRecord.TYPE), Map.of(), json, none, what);
        if (response.status() == 412) {
            features = null; // read it again
            return false;
        }
        expect(response, what, null, 200, 201);
        features = null;
        return true;
    }

    /** Reads the account's key record and, from it and this device's key, whether this device may write. */
    private void readKeyRecord() throws StorageException {
        String what = "reading the account's encryption key record";
        CloudHttp.Response response = call("GET", List.of("configs", KeyRecord.TYPE, KeyRecord.ID), Map.of(), null, Map.of(), what);
        KeyRecord record = null;
        keyRecordTombstone = response.status() == 404 ? response.header("ETag") : null;
        if (response.status() != 404) {
            expect(response, what, null, 200);
            record = KeyRecord.parse(configObject(response, what));
        }
        keyRecordIs(record);
    }

    private void keyRecordIs(KeyRecord record) {
        accountKey = record;
        EncryptionKey mine = key;
        String why = null;
        if (record != null && mine == null) {
            why = "This account's configs are end-to-end encrypted and this device has no key: enter the passphrase (" + ENTER + ")";
        } else if (record != null && !record.id().equals(mine.id())) {
            why = "The account's encryption passphrase was changed on another device (key " + record.id() + ", this device has "
                    + mine.id() + "): enter the new one (" + ENTER + ")";
        } else if (record == null && mine != null) {
            why = "This device encrypts for the cloud (key " + mine.id() + "), but the cloud has no encryption key record (the"
                    + " server was reset, or it is another one): set encryption up again (" + ENTER + ")";
        }
        if (why != null && !why.equals(locked)) {
            LOG.warn("Cloud {}: {}; nothing is sent until then", name, why);
        }
        locked = why;
    }

    /** @return a stored config as a version, opened with this device's key where it is sealed */
    private ConfigDocument document(String type, ObjectNode object, String etag) throws StorageException {
        return unopened ? WireFormat.document(type, object, etag) : WireFormat.document(type, object, etag, key, accountKey == null);
    }

    /** @throws StorageException when this device may not write to the cloud now (see {@link #locked}) */
    private void checkWritable() throws StorageException {
        features();
        String why = locked;
        if (why != null) {
            throw new StorageException(why, true);
        }
    }

    /**
     * Encrypts every live config the cloud holds unencrypted, or sealed with this device's previous key, with
     * its own stamps (what another device holds of it stays the same version), each conditional on what was
     * read. Needs this device's key, and the account's key record to name it.
     *
     * @param previous the key this device had before (a passphrase changed), or null
     * @return how many configs were sealed with the key
     */
    int sealPlain(EncryptionKey previous) throws StorageException {
        checkWritable();
        EncryptionKey current = key;
        if (current == null) {
            throw new IllegalStateException("no encryption key on this device");
        }
        List<ConfigKey> live = new ArrayList<>();
        unopened = true;
        try {
            String cursor = null;
            Changes page;
            do {
                page = changedSince(cursor, LIST_PAGE);
                page.documents().stream().filter(d -> !d.deleted()).forEach(d -> live.add(d.key()));
                cursor = page.nextCursor();
            } while (page.hasMore());
        } finally {
            unopened = false;
        }
        int sealed = 0;
        int closed = 0;
        for (ConfigKey k : live) {
            for (int attempt = 1;; attempt++) {
                String what = "reading " + k + " to encrypt it";
                CloudHttp.Response response = call("GET", List.of("configs", k.type(), k.id()), Map.of(), null, Map.of(), what);
                if (response.status() == 404) {
                    break;
                }
                expect(response, what, k, 200);
                ObjectNode object = configObject(response, what);
                String kid = object.path(WireFormat.META).path(WireFormat.SEALED).path("k").asText(null);
                EncryptionKey opener = kid == null ? null : kid.equals(current.id()) ? current
                        : previous != null && kid.equals(previous.id()) ? previous : null;
                if (kid != null && (opener == current || opener == null)) {
                    closed += opener == null ? 1 : 0; // sealed with this key already, or with one this device never had
                    break;
                }
                try {
                    put(WireFormat.document(k.type(), object, response.header("ETag"), opener, true));
                    sealed++;
                    break;
                } catch (ConflictException e) {
                    if (attempt == 3) {
                        throw new StorageException(k + " kept changing while it was being encrypted; run this again", true);
                    }
                }
            }
        }
        LOG.info("Cloud {}: {} configs sealed with key {}{}", name, sealed, current.id(),
                closed == 0 ? "" : "; " + closed + " are sealed with a key this device never had");
        return sealed;
    }

    /** @return whether the account's configs are encrypted and this device cannot take part (and why), or null */
    String locked() {
        return locked;
    }

    private boolean has(String feature) throws StorageException {
        return features().contains(feature);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        features(); // with the account's key record: whether a config stored unencrypted is taken
        String what = "reading " + key;
        CloudHttp.Response response = call("GET", List.of("configs", key.type(), key.id()), Map.of(), null, Map.of(), what);
        if (response.status() == 404) {
            if (has("tombstones")) {
                JsonNode tombstone = notFoundBody(response).get("tombstone");
                return tombstone instanceof ObjectNode o ? Optional.of(document(key.type(), o, response.header("ETag")))
                        : Optional.empty();
            }
            return Optional.ofNullable(tombstoneRecord(key));
        }
        expect(response, what, key, 200);
        ConfigDocument config = document(key.type(), configObject(response, what), response.header("ETag"));
        if (!has("tombstones")) {
            ConfigDocument record = tombstoneRecord(key); // a delete whose DELETE did not happen yet
            if (record != null && record.isNewerThan(config)) {
                return Optional.of(record);
            }
        }
        return Optional.of(config);
    }

    /** @return the config's tombstone record (core routes), or null */
    private ConfigDocument tombstoneRecord(ConfigKey key) throws StorageException {
        String what = "reading whether " + key + " was deleted";
        CloudHttp.Response response = call("GET", List.of("configs", WireFormat.TOMBSTONES, WireFormat.recordId(key)),
                Map.of(), null, Map.of(), what);
        if (response.status() == 404) {
            return null;
        }
        expect(response, what, null, 200);
        ConfigDocument tombstone = WireFormat.tombstoneFromRecord(configObject(response, what));
        return tombstone != null && tombstone.key().equals(key) ? tombstone : null;
    }

    private static JsonNode notFoundBody(CloudHttp.Response response) {
        try {
            return response.json();
        } catch (StorageException e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    private static ObjectNode configObject(CloudHttp.Response response, String what) throws StorageException {
        JsonNode config = response.json().get("config");
        if (!(config instanceof ObjectNode object)) {
            throw new StorageException("The cloud answered " + what + " without a config object", true);
        }
        return object;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        checkWritable();
        learnedTypes.add(document.type());
        if (document.deleted()) {
            return remove(document);
        }
        ConfigKey key = document.key();
        String what = "saving " + key;
        byte[] json = WireFormat.config(document, accountKey == null ? null : this.key).toString().getBytes(StandardCharsets.UTF_8);
        CloudHttp.Response response = call("POST", List.of("configs", key.type()), Map.of(), json, preconditions(document), what);
        expect(response, what, key, 200, 201);
        if (!has("changes")) {
            index(document, what);
        }
        return document.withRemoteVersion(response.header("ETag"));
    }

    /**
     * Core routes: records the version in the index (and its type, once), after the write itself, so a reader
     * finds it even where a listing stops before it; the write is not done until this is.
     */
    private void index(ConfigDocument version, String what) throws StorageException {
        ConfigKey key = version.key();
        if (!recordedTypes.contains(key.type())) {
            byte[] type = WireFormat.typeRecord(key.type()).toString().getBytes(StandardCharsets.UTF_8);
            expect(call("POST", List.of("configs", WireFormat.TYPES), Map.of(), type, Map.of(), what), what, null, 200, 201);
            recordedTypes.add(key.type());
        }
        byte[] record = WireFormat.indexRecord(version).toString().getBytes(StandardCharsets.UTF_8);
        expect(call("POST", List.of("configs", WireFormat.indexType(key)), Map.of(), record, Map.of(), what), what, null, 200, 201);
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        checkWritable();
        learnedTypes.add(key.type());
        return remove(ConfigDocument.tombstone(key, deletedAt, deletedAt));
    }

    private ConfigDocument remove(ConfigDocument tombstone) throws StorageException {
        ConfigKey key = tombstone.key();
        String what = "deleting " + key;
        List<String> path = List.of("configs", key.type(), key.id());
        if (has("tombstones")) {
            byte[] json = WireFormat.tombstone(tombstone).toString().getBytes(StandardCharsets.UTF_8);
            CloudHttp.Response response = call("DELETE", path, Map.of(), json, preconditions(tombstone), what);
            expect(response, what, key, 200, 204);
            return tombstone.withRemoteVersion(response.header("ETag"));
        }
        // Core routes: the record first, so a delete that stops half-way is still seen as one.
        byte[] record = WireFormat.tombstoneRecord(tombstone).toString().getBytes(StandardCharsets.UTF_8);
        expect(call("POST", List.of("configs", WireFormat.TOMBSTONES), Map.of(), record, Map.of(), what), what, key, 200, 201);
        expect(call("DELETE", path, Map.of(), null, Map.of(), what), what, key, 200, 204, 404);
        index(tombstone, what);
        return tombstone.withRemoteVersion(null);
    }

    /** The conditions a write carries, when the server checks them (see {@link StorageTier#ABSENT}). */
    private Map<String, String> preconditions(ConfigDocument document) throws StorageException {
        String version = document.remoteVersion();
        if (version == null || !has("conditional-writes")) {
            return Map.of();
        }
        return StorageTier.ABSENT.equals(version) ? Map.of("If-None-Match", "*") : Map.of("If-Match", version);
    }

    // ---------------------------------------------------------------- listings and changes

    @Override
    public Set<String> listTypes() {
        Set<String> all = new TreeSet<>(types);
        all.addAll(learnedTypes);
        all.addAll(recordedTypes);
        return all;
    }

    /** Pulls the types this device holds too (the core routes cannot list types). */
    @Override
    public void localTypes(Set<String> held) {
        for (String type : held) {
            if (!WireFormat.reserved(type)) {
                learnedTypes.add(type);
            }
        }
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        ConfigKey.validateType(type);
        Set<ConfigKey> keys = new TreeSet<>();
        if (has("changes")) {
            // The change feed from the beginning lists tombstones too.
            String since = "";
            boolean more;
            do {
                Map<String, String> query = new LinkedHashMap<>();
                query.put("since", since);
                query.put("limit", Integer.toString(LIST_PAGE));
                if (has("ids")) {
                    query.put("fields", "id");
                }
                JsonNode page = listing(List.of("configs", type), query, "listing " + type);
                addIds(type, page.get("configs"), keys);
                addIds(type, page.get("tombstones"), keys);
                since = page.path("cursor").asText();
                more = page.path("hasMore").asBoolean(false);
            } while (more);
        } else {
            JsonNode configs = listing(List.of("configs", type), Map.of(), "listing " + type).get("configs");
            addIds(type, configs, keys);
            List<ConfigDocument> tombstones = new ArrayList<>();
            boolean cut = tombstoneRecords(false, tombstones) | configs.size() >= WireFormat.LIST_CAP;
            for (ConfigDocument tombstone : tombstones) {
                if (tombstone.type().equals(type)) {
                    keys.add(tombstone.key());
                }
            }
            if (cut) {
                for (WireFormat.IndexEntry entry : readIndex(new TreeSet<>())) {
                    if (entry.key().type().equals(type)) {
                        keys.add(entry.key());
                    }
                }
            }
        }
        return new ArrayList<>(keys);
    }

    private void addIds(String type, JsonNode configs, Set<ConfigKey> into) {
        if (configs != null && configs.isArray()) {
            for (JsonNode config : configs) {
                try {
                    into.add(new ConfigKey(type, config.path("id").asText()));
                } catch (ConfigValidationException e) {
                    LOG.warn("Cloud {}: skipping a {} config whose id is not valid here ({})", name, type, e.getMessage());
                }
            }
        }
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        if (cursor != null && !cursor.startsWith(CHANGES_CURSOR) && !cursor.equals(FULL_CURSOR) && !cursor.startsWith(CORE_CURSOR)) {
            throw new IllegalArgumentException("Not a cursor of the cloud tier");
        }
        return has("changes") ? changes(cursor, limit) : listed(cursor, limit);
    }

    /** The {@code changes} extension: what changed after the cursor, across every type. */
    private Changes changes(String cursor, int limit) throws StorageException {
        if (cursor != null && !cursor.startsWith(CHANGES_CURSOR)) {
            throw new IllegalArgumentException("A cursor of a full listing cannot continue an incremental one");
        }
        String since = cursor == null ? "" : cursor.substring(CHANGES_CURSOR.length());
        Map<String, String> query = new LinkedHashMap<>();
        query.put("since", since);
        query.put("limit", Integer.toString(limit));
        JsonNode page = listing(List.of("configs"), query, "reading what changed");
        List<ConfigDocument> documents = new ArrayList<>();
        addDocuments(page.get("configs"), documents);
        addDocuments(page.get("tombstones"), documents);
        String next = page.path("cursor").asText(since);
        // A cursor names the server's store: another store (rebuilt, emptied) lost the history it named.
        boolean restarted = cursor != null && !store(since).equals(store(next));
        if (restarted) {
            LOG.warn("Cloud {}: the server's store is not the one this device last read; reading it from the beginning", name);
        }
        return new Changes(documents, CHANGES_CURSOR + next, page.path("hasMore").asBoolean(false), restarted);
    }

    private static String store(String serverCursor) {
        int dot = serverCursor.lastIndexOf('.');
        return dot < 0 ? serverCursor : serverCursor.substring(0, dot);
    }

    private void addDocuments(JsonNode configs, List<ConfigDocument> into) throws StorageException {
        if (configs == null || !configs.isArray()) {
            return;
        }
        for (JsonNode config : configs) {
            if (!(config instanceof ObjectNode object) || !object.path("id").isTextual() || !object.path("configType").isTextual()) {
                LOG.warn("Cloud {}: skipping a change that is not a config with an id and a type", name);
                continue;
            }
            try {
                String type = object.get("configType").asText();
                if (type.equals(KeyRecord.TYPE)) {
                    if (object.path("id").asText().equals(KeyRecord.ID)) {
                        keyRecordIs(object.path("deleted").asBoolean(false) ? null : KeyRecord.parse(object));
                    }
                    continue;
                }
                into.add(document(type, object, null));
                if (!WireFormat.reserved(type)) {
                    learnedTypes.add(type);
                }
            } catch (EncryptionException e) {
                throw e; // taken by no device that cannot open it: the pull stops before its cursor moves
            } catch (ConfigValidationException | StorageException e) {
                LOG.warn("Cloud {}: skipping {}: {}", name, object.path("id").asText(), e.getMessage());
            }
        }
    }

    /**
     * The core routes: every known type listed in full, with the tombstone records, the newest version of
     * each key, handed out in pages by key from one listing; the last page's cursor starts a new listing.
     */
    private Changes listed(String cursor, int limit) throws StorageException {
        Snapshot s = snapshot;
        String after = null;
        if (cursor != null && cursor.startsWith(CORE_CURSOR)) {
            String[] parts = cursor.substring(CORE_CURSOR.length()).split(":", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("Not a cursor of the cloud tier");
            }
            try {
                after = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Not a cursor of the cloud tier", e);
            }
            if (s == null || !s.id().equals(parts[0])) {
                s = null; // that listing is gone: list again and go on after the same key
            }
        }
        if (s == null || after == null) {
            s = new Snapshot(UUID.randomUUID().toString().substring(0, 8), listEverything());
            snapshot = s;
        }
        NavigableMap<ConfigKey, ConfigDocument> rest = s.documents();
        if (after != null) {
            int nul = after.indexOf('\0');
            try {
                rest = rest.tailMap(new ConfigKey(after.substring(0, Math.max(0, nul)), after.substring(nul + 1)), false);
            } catch (ConfigValidationException e) {
                throw new IllegalArgumentException("Not a cursor of the cloud tier", e);
            }
        }
        List<ConfigDocument> page = new ArrayList<>();
        for (ConfigDocument d : rest.values()) {
            if (page.size() == limit) {
                break;
            }
            page.add(d);
        }
        boolean more = page.size() < rest.size();
        if (!more) {
            snapshot = null;
            return new Changes(page, FULL_CURSOR, false);
        }
        ConfigKey last = page.get(page.size() - 1).key();
        String position = Base64.getUrlEncoder().withoutPadding()
                .encodeToString((last.type() + '\0' + last.id()).getBytes(StandardCharsets.UTF_8));
        return new Changes(page, CORE_CURSOR + s.id() + ":" + position, true);
    }

    private NavigableMap<ConfigKey, ConfigDocument> listEverything() throws StorageException {
        NavigableMap<ConfigKey, ConfigDocument> all = new TreeMap<>();
        List<ConfigDocument> tombstones = new ArrayList<>();
        Set<String> cut = new TreeSet<>();
        if (tombstoneRecords(true, tombstones)) {
            cut.add(WireFormat.TOMBSTONES);
        }
        readTypeRecords();
        Set<String> every = listTypes();
        tombstones.forEach(t -> every.add(t.type()));
        for (String type : every) {
            JsonNode configs = listing(List.of("configs", type), Map.of(), "listing " + type).get("configs");
            if (configs.size() >= WireFormat.LIST_CAP) {
                cut.add(type);
            }
            for (JsonNode config : configs) {
                if (config instanceof ObjectNode object && object.path("id").isTextual()) {
                    try {
                        ConfigDocument d = document(type, object, null);
                        all.merge(d.key(), d, (a, b) -> a.isNewerThan(b) ? a : b);
                    } catch (EncryptionException e) {
                        throw e;
                    } catch (ConfigValidationException | StorageException e) {
                        LOG.warn("Cloud {}: skipping {}/{}: {}", name, type, object.path("id").asText(), e.getMessage());
                    }
                }
            }
        }
        for (ConfigDocument t : tombstones) {
            all.merge(t.key(), t, (a, b) -> a.isNewerThan(b) ? a : b);
        }
        if (cut.isEmpty()) {
            beyondListing.clear();
            listingNote = null;
        } else {
            readBeyondListings(all, every, cut);
        }
        return all;
    }

    /** Reads the types recorded under {@value WireFormat#TYPES} into {@link #recordedTypes}. */
    private void readTypeRecords() throws StorageException {
        for (JsonNode record : listing(List.of("configs", WireFormat.TYPES), Map.of(), "listing config types").get("configs")) {
            String type = record.path("id").asText();
            try {
                if (!WireFormat.reserved(ConfigKey.validateType(type))) {
                    recordedTypes.add(type);
                }
            } catch (ConfigValidationException e) {
                LOG.debug("Cloud {}: skipping a type record that names no type here ({})", name, e.getMessage());
            }
        }
    }

    /**
     * Adds what the index knows and the listings did not show: deletes from the index itself, live configs read
     * one at a time (or as read before, while their index stamp is the same and the read is recent).
     *
     * @param listed the types whose listings were read
     * @param cut    the listings that may have stopped before their end ({@value WireFormat#TOMBSTONES} included)
     */
    private void readBeyondListings(NavigableMap<ConfigKey, ConfigDocument> all, Set<String> listed, Set<String> cut)
            throws StorageException {
        Set<String> fullBuckets = new TreeSet<>();
        List<WireFormat.IndexEntry> index = readIndex(fullBuckets);
        Instant now = clock.get();
        Set<ConfigKey> seen = new java.util.HashSet<>();
        int readOneByOne = 0;
        for (WireFormat.IndexEntry entry : index) {
            ConfigKey key = entry.key();
            seen.add(key);
            learnedTypes.add(key.type());
            ConfigDocument known = all.get(key);
            if (entry.deleted()) {
                if (known == null || !known.isNewerThan(ConfigDocument.tombstone(key, entry.created(), entry.stamp()))) {
                    all.put(key, ConfigDocument.tombstone(key, entry.created(), entry.stamp()));
                }
                continue;
            }
            boolean mayBeBeyond = !listed.contains(key.type()) || cut.contains(key.type());
            if (known != null || !mayBeBeyond) {
                continue; // listed, or absent from a listing that is complete: deleted by a client that keeps no index
            }
            Read read = beyondListing.get(key);
            if (read == null || !read.document().updatedAt().equals(entry.stamp())
                    || read.at().plus(BEYOND_LISTING_TTL).isBefore(now)) {
                String what = "reading " + key + " (not in the cloud's listing)";
                CloudHttp.Response response = call("GET", List.of("configs", key.type(), key.id()), Map.of(), null, Map.of(), what);
                if (response.status() == 404) {
                    beyondListing.remove(key);
                    continue;
                }
                expect(response, what, key, 200);
                read = new Read(document(key.type(), configObject(response, what), null), now);
                beyondListing.put(key, read);
                readOneByOne++;
            }
            all.merge(key, read.document(), (a, b) -> a.isNewerThan(b) ? a : b);
        }
        beyondListing.keySet().retainAll(seen);
        StringBuilder note = new StringBuilder("The cloud lists at most " + WireFormat.LIST_CAP + " configs of one type (here "
                + String.join(", ", cut) + "); " + beyondListing.size() + " configs beyond that are read one at a time ("
                + readOneByOne + " in the last pull), which makes pulls slower.");
        if (!fullBuckets.isEmpty()) {
            note.append(" The sync index is full in part (").append(String.join(", ", fullBuckets))
                    .append("): configs written elsewhere may not reach this device.");
        }
        note.append(" Configs written by clients that keep no index, beyond the listing, are not seen.");
        if (!note.toString().equals(listingNote)) {
            LOG.warn("Cloud {}: {}", name, note);
        }
        listingNote = note.toString();
    }

    /**
     * @param full gets the index types whose listing may have stopped before its end
     * @return every index record, the newest per key; deletes older than {@link #TOMBSTONE_HORIZON} are pruned
     */
    private List<WireFormat.IndexEntry> readIndex(Set<String> full) throws StorageException {
        Map<ConfigKey, WireFormat.IndexEntry> newest = new TreeMap<>();
        Instant horizon = clock.get().minus(TOMBSTONE_HORIZON);
        for (int bucket = 0; bucket < WireFormat.INDEX_BUCKETS; bucket++) {
            String type = WireFormat.indexType(bucket);
            JsonNode records = listing(List.of("configs", type), Map.of(), "reading the sync index").get("configs");
            if (records.size() >= WireFormat.LIST_CAP) {
                full.add(type);
            }
            for (JsonNode record : records) {
                WireFormat.IndexEntry entry = record instanceof ObjectNode o ? WireFormat.indexEntry(o) : null;
                if (entry != null && entry.deleted() && entry.stamp().isBefore(horizon)) {
                    pruneRecord(type, record.path("id").asText());
                } else if (entry != null) {
                    newest.merge(entry.key(), entry, (a, b) -> a.stamp().isAfter(b.stamp()) ? a : b);
                }
            }
        }
        return new ArrayList<>(newest.values());
    }

    /**
     * @param prune whether to delete the records older than {@link #TOMBSTONE_HORIZON} (best effort)
     * @param into  gets the tombstones the core routes' records stand for
     * @return whether the listing of the records may have stopped before its end
     */
    private boolean tombstoneRecords(boolean prune, List<ConfigDocument> into) throws StorageException {
        JsonNode records = listing(List.of("configs", WireFormat.TOMBSTONES), Map.of(), "listing deleted configs").get("configs");
        Instant horizon = clock.get().minus(TOMBSTONE_HORIZON);
        for (JsonNode record : records) {
            ConfigDocument tombstone = record instanceof ObjectNode o ? WireFormat.tombstoneFromRecord(o) : null;
            if (tombstone == null) {
                continue;
            }
            if (prune && tombstone.updatedAt().isBefore(horizon)) {
                pruneRecord(WireFormat.TOMBSTONES, record.path("id").asText());
                continue;
            }
            into.add(tombstone);
        }
        return records.size() >= WireFormat.LIST_CAP;
    }

    private void pruneRecord(String type, String id) {
        try {
            call("DELETE", List.of("configs", type, id), Map.of(), null, Map.of(), "pruning an old tombstone");
            LOG.info("Cloud {}: pruned a tombstone record older than {} days", name, TOMBSTONE_HORIZON.toDays());
        } catch (StorageException e) {
            LOG.debug("Cloud {}: pruning a tombstone record failed: {}", name, e.getMessage());
        }
    }

    private JsonNode listing(List<String> path, Map<String, String> query, String what) throws StorageException {
        CloudHttp.Response response = call("GET", path, query, null, Map.of(), what);
        expect(response, what, null, 200);
        JsonNode page = response.json();
        JsonNode configs = page.get("configs");
        if (configs == null || !configs.isArray()) {
            throw new StorageException("The cloud answered " + what + " without a configs list", true);
        }
        return page;
    }

    @Override
    public TierHealth health() {
        String auth = http.authProblem();
        if (auth != null) {
            return TierHealth.degraded(auth);
        }
        String why = locked;
        if (why != null) {
            return TierHealth.down(why);
        }
        TierHealth h = health;
        String note = listingNote;
        return note != null && h.status() == TierHealth.Status.UP ? TierHealth.degraded(note) : h;
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
                // Nothing there any more; the write named a version: sent again, it is written without one.
                throw new StorageException("The cloud no longer holds the version of " + key + " this device read", true);
            }
            throw new ConflictException("The cloud's copy of " + key + " changed since this device read it", current, null);
        }
        if (status == 429 || status == 503) {
            throw new StorageException("The cloud asked to wait (" + status + ") while " + what, true, CloudHttp.retryAfter(response), null);
        }
        if (status >= 300 && status < 400) {
            String location = response.header("Location");
            throw new StorageException("The cloud answered " + status + " (a redirect" + (location == null ? "" : " to " + location)
                    + ") while " + what + "; redirects are not followed. If that address is the API's, set the cloud URL to it"
                    + " (https://, or http:// only to this machine).", false);
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
        throw new StorageException("The cloud answered " + status + " while " + what + detail, status >= 500 || status == 408,
                status >= 500 ? CloudHttp.retryAfter(response) : null, null);
    }
}
