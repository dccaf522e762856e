package org.streamkit.sync.tier.obs;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OBS Studio as a remote {@link StorageTier}: every config in one persistent-data slot of realm
 * {@value #REALM} (see {@link ObsSlot} for its format), shared by every client connected to the same OBS.
 * <p>
 * <b>Writes</b> are read-modify-write, one at a time in this client: re-read the slot, put the document in,
 * write the slot and read it back in one serial batch. A newer version of the same config written by
 * another client is never replaced: the write fails with a {@link ConflictException} carrying it. After a
 * write a {@code BroadcastCustomEvent} tells the other clients, which pull at once.
 * <p>
 * <b>Two clients writing at once</b> can still overwrite each other's slot (OBS has no compare-and-set).
 * This client remembers what it wrote; whenever it reads the slot (on every request, and at once when
 * another client announces a write) and finds one of its writes missing or older, it writes it again.
 */
public final class ObsStore implements StorageTier {

    /** The realm of the slot: global, so it survives OBS restarts and profile changes. */
    public static final String REALM = "OBS_WEBSOCKET_DATA_REALM_GLOBAL";
    /** The project's slot, unless configured otherwise. */
    public static final String DEFAULT_SLOT = "streamkit_sync";
    /** The slot of the original web dock. */
    public static final String LEGACY_SLOT = "strixun_configs";
    /** {@code eventData.streamkit} of the custom event announcing a write. */
    static final String EVENT_MARK = "streamkit-sync";

    private static final Logger LOG = LoggerFactory.getLogger(ObsStore.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern CURSOR = Pattern.compile("obs1\\.(\\d{1,18})\\.([A-Za-z0-9]{1,32})\\.(\\d{1,18})\\.([A-Za-z0-9_-]{0,400}|~)");
    private static final int ATTEMPTS = 5;
    /** How long a write is watched: far longer than another client's read-modify-write takes. */
    private static final long WATCH_NANOS = 60_000_000_000L;

    private record Written(ConfigDocument document, long at) {
    }

    private final String name;
    private final ObsConnection connection;
    private final String slot;
    private final String client = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final ReentrantLock slotLock = new ReentrantLock();
    /**
     * What this client wrote recently, by slot code: written again when another client's write lost it.
     * An entry is watched for {@link #WATCH_NANOS} after it was last seen in place.
     */
    private final Map<String, Written> written = new HashMap<>();
    private volatile ObsSlot lastSeen = ObsSlot.EMPTY;
    /** Set while OBS cannot read its persistent data and the slot is being put back from {@link #lastSeen}. */
    private boolean rebuilding;

    public ObsStore(String name, ObsConnection connection, String slot) {
        this.name = name;
        this.connection = connection;
        this.slot = slot;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * A store over a connection of its own, not yet started ({@link #connection()} starts and closes it).
     *
     * @param connected runs each time the connection is made (null: nothing)
     * @param announced runs each time another client announces a write to this slot (null: nothing)
     */
    public static ObsStore connecting(String name, URI uri, Supplier<String> password, String slot, Duration timeout,
            Duration retryBase, Duration retryMax, Runnable connected, Runnable announced) {
        ObsStore[] store = new ObsStore[1];
        ObsConnection connection = new ObsConnection(uri, password, timeout, retryBase, retryMax,
                new ObsConnection.Listener() {
                    @Override
                    public void connected() {
                        if (connected != null) {
                            connected.run();
                        }
                    }

                    @Override
                    public void event(String type, JsonNode data) {
                        ObsStore s = store[0];
                        if (announced != null && s != null && s.isAnnouncementFromElsewhere(type, data)) {
                            announced.run();
                        }
                    }
                });
        store[0] = new ObsStore(name, connection, slot);
        return store[0];
    }

    /** @return the connection this tier uses */
    public ObsConnection connection() {
        return connection;
    }

    /** @return this client's id, carried by its entries and its events */
    String client() {
        return client;
    }

    // ---------------------------------------------------------------- reads

    /** A damaged entry (written by something else, or broken) holds no version: the next write replaces it. */
    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        ObsSlot.Entry e = read().entry(key);
        return e == null ? Optional.empty() : Optional.ofNullable(decodeOrNull(e));
    }

    private static ConfigDocument decodeOrNull(ObsSlot.Entry e) {
        try {
            return ObsSlot.decode(e);
        } catch (StorageException damaged) {
            LOG.warn("OBS slot: {}; it is written over with this device's version", damaged.getMessage());
            return null;
        }
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        Set<String> types = new TreeSet<>();
        for (ConfigKey k : keys(read())) {
            types.add(k.type());
        }
        return types;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        ConfigKey.validateType(type);
        List<ConfigKey> out = new ArrayList<>();
        for (ConfigKey k : keys(read())) {
            if (k.type().equals(type)) {
                out.add(k);
            }
        }
        out.sort(null);
        return out;
    }

    private static List<ConfigKey> keys(ObsSlot s) {
        List<ConfigKey> out = new ArrayList<>();
        for (String code : s.entries.keySet()) {
            try {
                out.add(ObsSlot.key(code));
            } catch (ConfigValidationException e) {
                LOG.warn("OBS slot: skipping an entry with an unreadable key ({})", e.getMessage());
            }
        }
        return out;
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        long afterSeq = -1;
        String afterCode = "";
        Long cursorSeq = null;
        String cursorWrite = null;
        if (cursor != null) {
            Matcher m = CURSOR.matcher(cursor);
            if (!m.matches()) {
                throw new IllegalArgumentException("Not a cursor of the OBS tier: " + cursor);
            }
            cursorSeq = Long.parseLong(m.group(1));
            cursorWrite = m.group(2);
            afterSeq = Long.parseLong(m.group(3));
            afterCode = m.group(4);
        }
        ObsSlot s = read();
        boolean restarted = false;
        if (cursorSeq != null && !s.descendsFrom(cursorSeq, cursorWrite)) {
            // Another client wrote over the state the cursor saw, or OBS lost the slot (emptied, or left with
            // something that is not a slot): read it whole, and the coordinator sends what it lacks.
            LOG.info("OBS slot no longer holds the state of cursor {}: reading every config again", cursor);
            afterSeq = -1;
            afterCode = "";
            restarted = true;
        }
        List<ObsSlot.Entry> changed = s.changedAfter(afterSeq, afterCode);
        boolean more = changed.size() > limit;
        List<ObsSlot.Entry> page = more ? changed.subList(0, limit) : changed;
        List<ConfigDocument> docs = new ArrayList<>();
        for (ObsSlot.Entry e : page) {
            try {
                docs.add(ObsSlot.decode(e));
            } catch (StorageException ex) {
                LOG.warn("OBS slot: {}; skipped", ex.getMessage());
            }
        }
        String next;
        if (more) {
            ObsSlot.Entry last = page.get(page.size() - 1);
            next = cursor(s, last.seq(), last.code());
        } else {
            next = cursor(s, s.seq, "~");
        }
        return new Changes(docs, next, more, restarted);
    }

    private static String cursor(ObsSlot s, long afterSeq, String afterCode) {
        return "obs1." + s.seq + "." + s.writeId + "." + afterSeq + "." + afterCode;
    }

    /** Reads the slot, and writes again what another client's write lost. */
    ObsSlot read() throws StorageException {
        slotLock.lock();
        try {
            ObsSlot s = readLocked(connection.socket());
            if (rebuilding || !lostWrites(s).isEmpty()) {
                s = write(List.of());
            }
            return s;
        } finally {
            slotLock.unlock();
        }
    }

    private ObsSlot readLocked(ObsSocket socket) throws StorageException {
        ObjectNode data = NODES.objectNode();
        data.put("realm", REALM);
        data.put("slotName", slot);
        JsonNode value = socket.request("GetPersistentData", data).get("slotValue");
        // obs-websocket 5.1 can answer null while another client's write of the slot is under way: ask again
        // a few times before believing that the slot is empty, and never when it was seen with configs.
        // A slot that holds something this client cannot read as a slot (OBS wrote garbage into its file, or
        // something else wrote the slot) is lost like an empty one; a slot of a newer schema is left alone.
        value = readable(value);
        for (int retry = 1; value == null || value.isNull(); retry++) {
            if (retry > 5 && lastSeen.seq > 0) {
                // OBS 5.1 breaks its persistent-data file when two clients write at once; until someone writes
                // again every read answers null, and the slot is lost. Rebuild it from this client's last copy:
                // the next write puts it back (other clients put back what they wrote since).
                if (!rebuilding) {
                    LOG.warn("OBS could not read its persistent data (it loses it when two clients write at once);"
                            + " rebuilding slot {} from this client's last copy ({} configs)", slot, lastSeen.entries.size());
                }
                rebuilding = true;
                return lastSeen;
            }
            if (retry > 3 && lastSeen.seq == 0) {
                break; // never written
            }
            try {
                Thread.sleep(10L * retry);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException("Interrupted while reading the OBS slot", true, e);
            }
            value = readable(socket.request("GetPersistentData", data).get("slotValue"));
        }
        ObsSlot s = ObsSlot.parse(value);
        lastSeen = s;
        rebuilding = false;
        return s;
    }

    /** @return the slot's value, or null when it is not a slot at all (lost: it is written again whole) */
    private JsonNode readable(JsonNode value) throws StorageException {
        if (value == null || value.isNull()) {
            return value;
        }
        try {
            ObsSlot.parse(value);
            return value;
        } catch (StorageException e) {
            if (ObsSlot.newerSchema(value)) {
                throw e; // another Streamkit's slot: never written over
            }
            LOG.warn("OBS slot {} holds something that is not a Streamkit slot ({}); it is taken as lost and written again",
                    slot, e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        slotLock.lock();
        try {
            write(List.of(document));
            return document;
        } finally {
            slotLock.unlock();
        }
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        slotLock.lock();
        try {
            ObsSlot.Entry existing = readLocked(connection.socket()).entry(key);
            ConfigDocument tombstone = existing == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt)
                    : ObsSlot.decode(existing).asTombstone(deletedAt);
            write(List.of(tombstone));
            return tombstone;
        } finally {
            slotLock.unlock();
        }
    }

    /**
     * Read-modify-write of the slot with the lock held: the given documents plus any of this client's
     * earlier writes that another client's write lost; retried while another client overwrites it meanwhile.
     */
    private ObsSlot write(List<ConfigDocument> documents) throws StorageException {
        ObsSocket socket = connection.socket();
        for (int attempt = 1;; attempt++) {
            ObsSlot base = readLocked(socket);
            List<ConfigDocument> toWrite = new ArrayList<>(lostWrites(base));
            for (ConfigDocument d : documents) {
                ObsSlot.Entry there = base.entry(d.key());
                ConfigDocument current = there == null || there.client().equals(client) || there.updatedAt().isBefore(d.updatedAt())
                        ? null : decodeOrNull(there);
                if (current != null && current.isNewerThan(d)) {
                    throw new ConflictException("OBS holds a newer version of " + d.key() + " written by another client",
                            current, null);
                }
                toWrite.add(d);
            }
            if (toWrite.isEmpty() && !rebuilding) {
                return base;
            }
            ObsSlot next = base.with(toWrite, client, UUID.randomUUID().toString().replace("-", ""));
            ObjectNode json = next.toJson();
            String text = json.toString();
            if (text.length() > ObsSlot.MAX_SLOT_CHARS) {
                throw new StorageException("The OBS slot would grow to " + (text.length() >> 20) + " MiB; at most "
                        + (ObsSlot.MAX_SLOT_CHARS >> 20) + " MiB are written to OBS", false);
            }
            ObjectNode set = NODES.objectNode();
            set.put("realm", REALM);
            set.put("slotName", slot);
            set.set("slotValue", json);
            ObjectNode get = NODES.objectNode();
            get.put("realm", REALM);
            get.put("slotName", slot);
            // Set and read back in one serial batch: no other request of this client runs in between.
            List<JsonNode> replies = socket.batch(List.of(new ObsSocket.Request("SetPersistentData", set),
                    new ObsSocket.Request("GetPersistentData", get)));
            long now = System.nanoTime();
            for (ConfigDocument d : toWrite) {
                written.put(ObsSlot.code(d.key()), new Written(d, now));
            }
            ObsSlot after;
            try {
                after = ObsSlot.parse(replies.get(1).get("slotValue"));
            } catch (StorageException e) {
                after = null;
            }
            if (after != null && after.seq >= next.seq && lostWrites(after).isEmpty()) {
                lastSeen = after;
                rebuilding = false;
                announce(socket, next);
                return after;
            }
            if (attempt >= ATTEMPTS) {
                announce(socket, next);
                LOG.info("OBS slot: another client kept writing at the same time; this client's writes are checked again on its next read");
                return next;
            }
            LOG.debug("OBS slot: another client wrote at the same time; writing again (attempt {})", attempt + 1);
            documents = List.of();
        }
    }

    /** @return this client's writes that the slot lost or holds older (another client wrote over them) */
    private List<ConfigDocument> lostWrites(ObsSlot s) {
        List<ConfigDocument> lost = new ArrayList<>();
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Written>> it = written.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Written> watched = it.next();
            Written w = watched.getValue();
            ObsSlot.Entry there = s.entries.get(watched.getKey());
            Instant mine = w.document().updatedAt();
            if (there == null || there.updatedAt().isBefore(mine)) {
                lost.add(w.document());
            } else if (there.updatedAt().isAfter(mine) || now - w.at() > WATCH_NANOS) {
                it.remove(); // newer elsewhere, or in place for long enough: nothing to watch any more
            }
        }
        return lost;
    }

    /** Tells other clients a write happened (ASCII only, like the slot). */
    private void announce(ObsSocket socket, ObsSlot s) {
        ObjectNode data = NODES.objectNode();
        ObjectNode event = data.putObject("eventData");
        event.put("streamkit", EVENT_MARK);
        event.put("slot", slot);
        event.put("client", client);
        event.put("seq", s.seq);
        try {
            socket.request("BroadcastCustomEvent", data);
        } catch (StorageException e) {
            LOG.warn("OBS tier: announcing a write failed ({}); other clients see it at their next sync", e.getMessage());
        }
    }

    /**
     * @return whether an event is another client's announcement of a write to this tier's slot
     */
    public boolean isAnnouncementFromElsewhere(String type, JsonNode data) {
        return "CustomEvent".equals(type) && EVENT_MARK.equals(data.path("streamkit").asText())
                && slot.equals(data.path("slot").asText()) && !client.equals(data.path("client").asText());
    }

    // ---------------------------------------------------------------- import from the original web dock

    /**
     * Copies the configs of the original web dock's slot ({@value #LEGACY_SLOT}:
     * {@code {swapConfigs, textCyclerConfigs, layoutPresets}}) into this tier's slot, once: configs this
     * slot already holds are kept, the import is recorded in the slot, and the dock's slot is never written.
     *
     * @return how many configs were imported (0 when the import happened before or there is nothing)
     */
    int importLegacy() throws StorageException {
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            ObsSlot base = readLocked(socket);
            if (base.legacyImport != null) {
                return 0;
            }
            ObjectNode data = NODES.objectNode();
            data.put("realm", REALM);
            data.put("slotName", LEGACY_SLOT);
            JsonNode legacy = socket.request("GetPersistentData", data).get("slotValue");
            List<ConfigDocument> docs = new ArrayList<>();
            for (ConfigDocument d : LegacyConfigs.read(legacy)) {
                if (base.entry(d.key()) == null) {
                    docs.add(d);
                }
            }
            ObsSlot next = base.with(docs, client, UUID.randomUUID().toString().replace("-", ""), Instant.now().toString());
            ObjectNode set = NODES.objectNode();
            set.put("realm", REALM);
            set.put("slotName", slot);
            set.set("slotValue", next.toJson());
            socket.request("SetPersistentData", set);
            lastSeen = next;
            LOG.info("OBS tier: imported {} configs from the web dock's slot {}", docs.size(), LEGACY_SLOT);
            announce(socket, next);
            return docs.size();
        } finally {
            slotLock.unlock();
        }
    }

    @Override
    public TierHealth health() {
        return connection.health();
    }
}
