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
 * OBS Studio as a remote {@link StorageTier}, shared by every client connected to the same OBS, in persistent-data
 * slots of realm {@value #REALM}:
 * <ul>
 * <li>the <b>index</b> slot (named as configured, {@value #DEFAULT_SLOT} by default):
 * {@code {"schema":2, "buckets":16, "legacyImport":"<time>"}}, written when the layout is made or migrated;</li>
 * <li>{@code buckets} <b>bucket</b> slots, {@code <slot>.0} to {@code <slot>.15}: each config lives in bucket
 * {@code hashCode(code) mod buckets} of its slot code (see {@link ObsSlot} for a bucket's format).</li>
 * </ul>
 * A write sends one bucket, then announces it without waiting for an answer: its cost does not grow with the
 * number of configs in other buckets (OBS itself still rewrites its whole persistent-data file on every write).
 * The first layout kept every config in the index slot's place (schema 1); it is migrated into buckets the first
 * time this client finds it, and a client of that layout then refuses the slot rather than writing over it.
 * <p>
 * <b>Writes</b> are read-modify-write of a bucket, one at a time in this client. A bucket this client read or
 * wrote last and that no other client announced a write to since is not read again before a write. A newer
 * version of the same config written by another client is never replaced: the write fails with a
 * {@link ConflictException} carrying it. Each write is announced with a {@code BroadcastCustomEvent} naming its
 * bucket; the other clients read that bucket before they write it, and pull at once.
 * <p>
 * <b>Two clients writing at once</b> can still overwrite each other's bucket (OBS has no compare-and-set). This
 * client remembers what it wrote; whenever it reads a bucket and finds one of its writes missing or older, it
 * writes it again.
 */
public final class ObsStore implements StorageTier {

    /** The realm of the slots: global, so they survive OBS restarts and profile changes. */
    public static final String REALM = "OBS_WEBSOCKET_DATA_REALM_GLOBAL";
    /** The project's index slot, unless configured otherwise. */
    public static final String DEFAULT_SLOT = "streamkit_sync";
    /** The slot of the original web dock. */
    public static final String LEGACY_SLOT = "strixun_configs";
    /** {@code eventData.streamkit} of the custom event announcing a write. */
    static final String EVENT_MARK = "streamkit-sync";
    /** How many bucket slots a new layout has. */
    public static final int BUCKETS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ObsStore.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern BUCKET_CURSOR = Pattern.compile("(\\d{1,18})\\.([A-Za-z0-9]{1,32})\\.(\\d{1,18})\\.([A-Za-z0-9_-]{0,400}|~)");
    /**
     * How long a bucket this client read or wrote is taken as current without reading it again, when no other
     * client announced a write to it: an announcement can be lost (OBS drops events under load), so a bucket is
     * read again after this long.
     */
    private static final long TRUST_NANOS = 60_000_000_000L;
    /** How long a write is watched: far longer than another client's read-modify-write takes. */
    private static final long WATCH_NANOS = 60_000_000_000L;

    private record Written(ConfigDocument document, long at) {
    }

    /** Where a change cursor stands in one bucket: after {@code (afterSeq, afterCode)} of state {@code (seq, w)}. */
    private record Position(long seq, String w, long afterSeq, String afterCode) {
        static final Position START = new Position(-1, "", -1, "");

        String text() {
            return this == START ? "-" : seq + "." + w + "." + afterSeq + "." + afterCode;
        }
    }

    /** What this client knows of one bucket slot. */
    private static final class Bucket {
        final int index;
        final String slot;
        ObsSlot seen = ObsSlot.EMPTY;
        /** Read or written by this client, and no other client announced a write since. */
        boolean current;
        /** Set while OBS cannot read its persistent data and the bucket is being put back from {@link #seen}. */
        boolean rebuilding;
        /** When {@link #seen} was last read or written ({@link System#nanoTime()}). */
        long confirmed;

        Bucket(int index, String slot) {
            this.index = index;
            this.slot = slot;
        }

        /** @return whether {@link #seen} is what OBS holds, as far as this client can tell without asking */
        boolean trusted(long trustNanos) {
            return current && System.nanoTime() - confirmed < trustNanos;
        }

        void confirm(ObsSlot s) {
            seen = s;
            current = true;
            rebuilding = false;
            confirmed = System.nanoTime();
        }
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
    /** The layout's buckets, once the index was read on this connection; null before. */
    private Bucket[] buckets;
    private String legacyImport;
    private boolean indexRead;
    /** Buckets announced by other clients (from the event thread), taken by the next operation. */
    private final Set<Integer> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean reconnected;
    private long trustNanos = TRUST_NANOS;

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
     * @param announced runs each time another client announces a write to this store's slots (null: nothing)
     */
    public static ObsStore connecting(String name, URI uri, Supplier<String> password, String slot, Duration timeout,
            Duration retryBase, Duration retryMax, Runnable connected, Runnable announced) {
        return connecting(name, uri, password, slot, timeout, retryBase, retryMax, connected, announced, null);
    }

    /**
     * A store over a connection of its own, as {@link #connecting(String, URI, Supplier, String, Duration, Duration,
     * Duration, Runnable, Runnable)} makes it, that also hands every other event OBS sends to {@code events}
     * (null: none), on a WebSocket thread.
     */
    public static ObsStore connecting(String name, URI uri, Supplier<String> password, String slot, Duration timeout,
            Duration retryBase, Duration retryMax, Runnable connected, Runnable announced,
            java.util.function.BiConsumer<String, JsonNode> events) {
        ObsStore[] store = new ObsStore[1];
        ObsConnection connection = new ObsConnection(uri, password, timeout, retryBase, retryMax,
                new ObsConnection.Listener() {
                    @Override
                    public void connected() {
                        ObsStore s = store[0];
                        if (s != null) {
                            s.reconnected = true; // anything may have changed while away: read it all again
                        }
                        if (connected != null) {
                            connected.run();
                        }
                    }

                    @Override
                    public void event(String type, JsonNode data) {
                        ObsStore s = store[0];
                        if (s != null && s.isAnnouncementFromElsewhere(type, data)) {
                            s.announced(data);
                            if (announced != null) {
                                announced.run();
                            }
                        } else if (events != null && !"CustomEvent".equals(type)) {
                            events.accept(type, data);
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

    /** @return the name of bucket slot {@code i} of index slot {@code slot} */
    public static String bucketSlot(String slot, int i) {
        return slot + "." + i;
    }

    /** @return the name of the bucket slot that holds a key's config in a layout of {@link #BUCKETS} buckets */
    public static String bucketSlot(String slot, ConfigKey key) {
        return bucketSlot(slot, bucketOf(ObsSlot.code(key), BUCKETS));
    }

    /** @return the bucket of a slot code among {@code count} buckets */
    static int bucketOf(String code, int count) {
        return Math.floorMod(code.hashCode(), count);
    }

    private void announced(JsonNode data) {
        JsonNode bucket = data.path("bucket");
        announced.add(bucket.canConvertToInt() ? bucket.asInt() : -1);
    }

    // ---------------------------------------------------------------- the layout

    /** With the lock held: reads the index once per connection, making or migrating the layout as needed. */
    private Bucket[] layout(ObsSocket socket) throws StorageException {
        if (reconnected) {
            reconnected = false;
            if (buckets != null) {
                for (Bucket b : buckets) {
                    b.current = false;
                }
            }
            indexRead = false; // read again below
        }
        if (!announced.isEmpty() && buckets != null) {
            for (Iterator<Integer> it = announced.iterator(); it.hasNext();) {
                int i = it.next();
                it.remove();
                if (i >= 0 && i < buckets.length) {
                    buckets[i].current = false;
                } else {
                    for (Bucket b : buckets) {
                        b.current = false;
                    }
                }
            }
        }
        if (indexRead && buckets != null) {
            return buckets;
        }
        JsonNode value = getSlot(socket, slot);
        for (int retry = 1; (value == null || value.isNull()) && retry <= 3; retry++) {
            pause(retry); // obs-websocket 5.1 can answer null while another client writes: ask again before believing it
            value = getSlot(socket, slot);
        }
        int count = BUCKETS;
        String legacy = null;
        boolean write = false;
        ObsSlot single = null;
        if (value != null && value.isObject() && value.path("schema").asInt(-1) > ObsSlot.SCHEMA) {
            throw new StorageException("The OBS slot was written by a newer Streamkit (schema " + value.path("schema").asInt()
                    + "); update Streamkit Sync on this machine", false);
        } else if (value != null && value.isObject() && value.path("schema").asInt(-1) == ObsSlot.SCHEMA
                && value.path("buckets").canConvertToInt() && value.path("buckets").asInt() >= 1 && value.path("buckets").asInt() <= 4096) {
            count = value.path("buckets").asInt();
            JsonNode l = value.get("legacyImport");
            legacy = l == null || l.isNull() ? null : l.asText();
        } else if (value != null && value.isObject() && value.path("schema").asInt(-1) == ObsSlot.SINGLE_SLOT_SCHEMA) {
            try {
                single = ObsSlot.parse(value);
                legacy = single.legacyImport;
            } catch (StorageException unreadable) {
                LOG.warn("OBS slot {} holds a first-layout slot that cannot be read ({}); it is replaced by the index",
                        slot, unreadable.getMessage());
            }
            write = true;
        } else {
            if (value != null && !value.isNull()) {
                LOG.warn("OBS slot {} holds something that is not a Streamkit index; it is written again", slot);
            }
            legacy = legacyImport; // an index lost with OBS's file: what this client knew of it
            write = true;
        }
        if (buckets == null || buckets.length != count) {
            buckets = new Bucket[count];
            for (int i = 0; i < count; i++) {
                buckets[i] = new Bucket(i, bucketSlot(slot, i));
            }
        }
        if (single != null) {
            migrate(socket, single);
        }
        legacyImport = legacy;
        if (write) {
            writeIndex(socket);
        }
        indexRead = true;
        return buckets;
    }

    /** Copies the first layout's configs into their buckets (a version a bucket holds newer is kept). */
    private void migrate(ObsSocket socket, ObsSlot single) throws StorageException {
        Map<Integer, List<ObsSlot.Entry>> byBucket = new HashMap<>();
        for (ObsSlot.Entry e : single.entries.values()) {
            byBucket.computeIfAbsent(bucketOf(e.code(), buckets.length), i -> new ArrayList<>()).add(e);
        }
        Instant horizon = Instant.now().minus(ObsSlot.TOMBSTONE_HORIZON);
        for (Map.Entry<Integer, List<ObsSlot.Entry>> group : byBucket.entrySet()) {
            Bucket b = buckets[group.getKey()];
            ObsSlot base = readBucket(socket, b, true);
            List<ObsSlot.Entry> take = new ArrayList<>();
            for (ObsSlot.Entry e : group.getValue()) {
                ObsSlot.Entry there = base.entries.get(e.code());
                if (there == null || there.updatedAt().isBefore(e.updatedAt())) {
                    take.add(e);
                }
            }
            if (!take.isEmpty()) {
                send(socket, b, base.withEntries(take, writeId(), horizon));
            }
        }
        LOG.info("OBS tier: moved {} configs of slot {} into {} bucket slots ({}.0 to {}.{})", single.entries.size(), slot,
                buckets.length, slot, slot, buckets.length - 1);
    }

    private void writeIndex(ObsSocket socket) throws StorageException {
        ObjectNode index = NODES.objectNode();
        index.put("schema", ObsSlot.SCHEMA);
        index.put("buckets", buckets.length);
        if (legacyImport != null) {
            index.put("legacyImport", legacyImport);
        }
        socket.request("SetPersistentData", setRequest(slot, index));
    }

    // ---------------------------------------------------------------- reads

    /** A damaged entry (written by something else, or broken) holds no version: the next write replaces it. */
    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        String code = ObsSlot.code(key);
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            Bucket[] all = layout(socket);
            ObsSlot.Entry e = readBucket(socket, all[bucketOf(code, all.length)], false).entries.get(code);
            return e == null ? Optional.empty() : Optional.ofNullable(decodeOrNull(e));
        } finally {
            slotLock.unlock();
        }
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
        for (ObsSlot s : readAll()) {
            for (ConfigKey k : keys(s)) {
                types.add(k.type());
            }
        }
        return types;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        ConfigKey.validateType(type);
        List<ConfigKey> out = new ArrayList<>();
        for (ObsSlot s : readAll()) {
            for (ConfigKey k : keys(s)) {
                if (k.type().equals(type)) {
                    out.add(k);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Every bucket read once: one request batch. */
    @Override
    public List<ConfigDocument> documents(String type) throws StorageException {
        ConfigKey.validateType(type);
        List<ConfigDocument> out = new ArrayList<>();
        for (ObsSlot s : readAll()) {
            for (ObsSlot.Entry e : s.entries.values()) {
                ConfigKey k;
                try {
                    k = ObsSlot.key(e.code());
                } catch (ConfigValidationException bad) {
                    continue;
                }
                if (k.type().equals(type)) {
                    ConfigDocument d = decodeOrNull(e);
                    if (d != null) {
                        out.add(d);
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparing(ConfigDocument::key));
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

    /**
     * The cursor holds one position per bucket, in bucket order, separated by commas: {@code -} (from the start)
     * or {@code seq.w.afterSeq.afterCode}. A cursor of another layout starts again from the beginning.
     */
    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        if (cursor != null && !cursor.startsWith("obs2.") && !cursor.startsWith("obs1.")) {
            throw new IllegalArgumentException("Not a cursor of the OBS tier: " + cursor);
        }
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            Bucket[] all = layout(socket);
            Position[] from = positions(cursor, all.length);
            boolean restarted = from == null && cursor != null;
            if (from == null) {
                from = new Position[all.length];
                java.util.Arrays.fill(from, Position.START);
            }
            List<ConfigDocument> docs = new ArrayList<>();
            Position[] next = from.clone();
            boolean more = false;
            int taken = 0;
            for (int i = 0; i < all.length && !more; i++) {
                Position p = from[i];
                Bucket b = all[i];
                if (!restarted && unchanged(b, p)) {
                    continue; // delivered up to the state this client knows is current: not read again
                }
                // A bucket part of which the last page delivered is still the state this client read: the rest of
                // it comes from that copy (a first pull reads each bucket once, not once per page).
                ObsSlot s = !restarted && p != Position.START && b.trusted(trustNanos) && p.seq() == b.seen.seq && p.w().equals(b.seen.writeId)
                        ? b.seen : readBucket(socket, b, false);
                long afterSeq = p.afterSeq();
                String afterCode = p.afterCode();
                if (p != Position.START && !s.descendsFrom(p.seq(), p.w())) {
                    // Another client wrote over the state the cursor saw, or OBS lost the bucket: read it whole,
                    // and the coordinator sends what it lacks.
                    LOG.info("OBS bucket {} no longer holds the state of the cursor: reading its configs again", all[i].slot);
                    afterSeq = -1;
                    afterCode = "";
                    restarted = true;
                }
                List<ObsSlot.Entry> changed = s.changedAfter(afterSeq, afterCode);
                if (taken + changed.size() > limit) {
                    changed = changed.subList(0, limit - taken);
                    more = true;
                }
                for (ObsSlot.Entry e : changed) {
                    try {
                        docs.add(ObsSlot.decode(e));
                    } catch (StorageException ex) {
                        LOG.warn("OBS slot: {}; skipped", ex.getMessage());
                    }
                }
                taken += changed.size();
                if (more) {
                    ObsSlot.Entry last = changed.get(changed.size() - 1);
                    next[i] = new Position(s.seq, s.writeId, last.seq(), last.code());
                } else {
                    next[i] = new Position(s.seq, s.writeId, s.seq, "~");
                }
                if (taken == limit && i < all.length - 1) {
                    more = true;
                }
            }
            StringBuilder text = new StringBuilder("obs2.");
            for (int i = 0; i < next.length; i++) {
                text.append(i == 0 ? "" : ",").append(next[i].text());
            }
            return new Changes(docs, text.toString(), more, restarted);
        } finally {
            slotLock.unlock();
        }
    }

    /** How long a bucket is taken as current without reading it again (tests shorten it). */
    void trustBucketsFor(Duration trust) {
        slotLock.lock();
        try {
            trustNanos = trust.toNanos();
        } finally {
            slotLock.unlock();
        }
    }

    /** @return whether a position is at the end of the bucket's state that this client read or wrote and still trusts */
    private boolean unchanged(Bucket b, Position p) {
        ObsSlot s = b.seen;
        return p != Position.START && b.trusted(trustNanos) && p.seq() == s.seq && p.w().equals(s.writeId) && p.afterSeq() == s.seq
                && "~".equals(p.afterCode());
    }

    /** @return the cursor's positions, or null when it is null or of another layout (read from the beginning) */
    private static Position[] positions(String cursor, int count) {
        if (cursor == null || !cursor.startsWith("obs2.")) {
            return null;
        }
        String[] parts = cursor.substring(5).split(",", -1);
        if (parts.length != count) {
            return null;
        }
        Position[] out = new Position[count];
        for (int i = 0; i < count; i++) {
            if (parts[i].equals("-")) {
                out[i] = Position.START;
                continue;
            }
            Matcher m = BUCKET_CURSOR.matcher(parts[i]);
            if (!m.matches()) {
                throw new IllegalArgumentException("Not a cursor of the OBS tier: " + cursor);
            }
            out[i] = new Position(Long.parseLong(m.group(1)), m.group(2), Long.parseLong(m.group(3)), m.group(4));
        }
        return out;
    }

    /** Reads every bucket, and writes again what another client's write lost. */
    List<ObsSlot> readAll() throws StorageException {
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            return readAll(socket, layout(socket));
        } finally {
            slotLock.unlock();
        }
    }

    /** With the lock held: every bucket in one request batch; one that reads null is asked again alone. */
    private List<ObsSlot> readAll(ObsSocket socket, Bucket[] all) throws StorageException {
        List<ObsSocket.Request> gets = new ArrayList<>(all.length);
        for (Bucket b : all) {
            gets.add(new ObsSocket.Request("GetPersistentData", getRequest(b.slot)));
        }
        List<JsonNode> values = socket.batch(gets);
        List<ObsSlot> out = new ArrayList<>(all.length);
        for (int i = 0; i < all.length; i++) {
            Bucket b = all[i];
            JsonNode value = readable(b, values.get(i).get("slotValue"));
            if (value != null && !value.isNull()) {
                out.add(settle(socket, b, ObsSlot.parse(value)));
            } else {
                out.add(b.seen.seq == 0 ? settle(socket, b, ObsSlot.EMPTY) : readBucket(socket, b, false));
            }
        }
        return out;
    }

    /** Reads one bucket (asking again while OBS answers null), and writes again what another client's write lost. */
    ObsSlot readBucket(ObsSocket socket, Bucket b, boolean beforeWrite) throws StorageException {
        JsonNode value = readable(b, getSlot(socket, b.slot));
        if (value == null || value.isNull()) {
            lostSeen(b);
        }
        for (int retry = 1; value == null || value.isNull(); retry++) {
            if (retry > 5 && b.seen.seq > 0) {
                // OBS 5.1 breaks its persistent-data file when two clients write at once; until someone writes
                // again every read answers null, and the bucket is lost. Rebuild it from this client's last copy:
                // the next write puts it back (other clients put back what they wrote since).
                if (!b.rebuilding) {
                    LOG.warn("OBS could not read its persistent data (it loses it when two clients write at once);"
                            + " rebuilding slot {} from this client's last copy ({} configs)", b.slot, b.seen.entries.size());
                }
                b.rebuilding = true;
                return write(socket, b, b.seen, List.of());
            }
            if (b.seen.seq == 0 && (retry > 3 || !beforeWrite)) {
                break; // never written
            }
            pause(retry);
            value = readable(b, getSlot(socket, b.slot));
        }
        return settle(socket, b, ObsSlot.parse(value));
    }

    /** Remembers a bucket as read, and writes again this client's writes that it lost. */
    private ObsSlot settle(ObsSocket socket, Bucket b, ObsSlot s) throws StorageException {
        if (b.seen.seq > 0 && !s.descendsFrom(b.seen.seq, b.seen.writeId)) {
            lostSeen(b); // written over by something that did not announce it
        }
        b.confirm(s);
        return lostWrites(b, s).isEmpty() ? s : write(socket, b, s, List.of());
    }

    /** @return the bucket's value, or null when it is not a bucket at all (lost: it is written again whole) */
    private JsonNode readable(Bucket b, JsonNode value) throws StorageException {
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
                    b.slot, e.getMessage());
            return null;
        }
    }

    /**
     * A bucket this client saw with configs reads empty or lost: OBS may have lost its whole file (it does when two
     * clients write at once), so no bucket is taken as current until read again.
     */
    private void lostSeen(Bucket b) {
        if (b.seen.seq > 0 && buckets != null) {
            for (Bucket other : buckets) {
                other.current = false;
            }
        }
    }

    private static JsonNode getSlot(ObsSocket socket, String name) throws StorageException {
        return socket.request("GetPersistentData", getRequest(name)).get("slotValue");
    }

    private static ObjectNode getRequest(String name) {
        ObjectNode data = NODES.objectNode();
        data.put("realm", REALM);
        data.put("slotName", name);
        return data;
    }

    private static ObjectNode setRequest(String name, JsonNode value) {
        ObjectNode data = getRequest(name);
        data.set("slotValue", value);
        return data;
    }

    private static void pause(int retry) throws StorageException {
        try {
            Thread.sleep(10L * retry);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while reading the OBS slot", true, e);
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        putAll(List.of(document));
        return document;
    }

    /** One write per bucket the documents fall in. */
    @Override
    public List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            Bucket[] all = layout(socket);
            Map<Integer, List<ConfigDocument>> byBucket = new java.util.TreeMap<>();
            for (ConfigDocument d : documents) {
                byBucket.computeIfAbsent(bucketOf(ObsSlot.code(d.key()), all.length), i -> new ArrayList<>()).add(d);
            }
            for (Map.Entry<Integer, List<ConfigDocument>> group : byBucket.entrySet()) {
                Bucket b = all[group.getKey()];
                write(socket, b, base(socket, b), group.getValue());
            }
            return documents;
        } finally {
            slotLock.unlock();
        }
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        slotLock.lock();
        try {
            ObsSocket socket = connection.socket();
            Bucket[] all = layout(socket);
            String code = ObsSlot.code(key);
            Bucket b = all[bucketOf(code, all.length)];
            ObsSlot base = base(socket, b);
            ObsSlot.Entry existing = base.entries.get(code);
            ConfigDocument tombstone = existing == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt)
                    : ObsSlot.decode(existing).asTombstone(deletedAt);
            write(socket, b, base, List.of(tombstone));
            return tombstone;
        } finally {
            slotLock.unlock();
        }
    }

    /** @return what a write of the bucket starts from: this client's copy while it is current, else a fresh read */
    private ObsSlot base(ObsSocket socket, Bucket b) throws StorageException {
        return b.trusted(trustNanos) && b.seen.seq > 0 && !b.rebuilding ? b.seen : readBucket(socket, b, true);
    }

    /**
     * Writes bucket {@code b} from {@code base}: the given documents plus any of this client's earlier writes
     * that another client's write lost, and announces it.
     */
    private ObsSlot write(ObsSocket socket, Bucket b, ObsSlot base, List<ConfigDocument> documents) throws StorageException {
        List<ConfigDocument> toWrite = new ArrayList<>(lostWrites(b, base));
        for (ConfigDocument d : documents) {
            ObsSlot.Entry there = base.entries.get(ObsSlot.code(d.key()));
            ConfigDocument current = there == null || there.client().equals(client) || there.updatedAt().isBefore(d.updatedAt())
                    ? null : decodeOrNull(there);
            if (current != null && current.isNewerThan(d)) {
                throw new ConflictException("OBS holds a newer version of " + d.key() + " written by another client",
                        current, null);
            }
            toWrite.add(d);
        }
        if (toWrite.isEmpty() && !b.rebuilding) {
            return base;
        }
        ObsSlot next = base.with(toWrite, client, writeId());
        send(socket, b, next);
        long now = System.nanoTime();
        for (ConfigDocument d : toWrite) {
            written.put(ObsSlot.code(d.key()), new Written(d, now));
        }
        return next;
    }

    /** Sets a bucket, then announces it. */
    private void send(ObsSocket socket, Bucket b, ObsSlot next) throws StorageException {
        ObjectNode json = next.toJson();
        String text = json.toString();
        if (text.length() > ObsSlot.MAX_SLOT_CHARS) {
            throw new StorageException("The OBS slot " + b.slot + " would grow to " + (text.length() >> 20) + " MiB; at most "
                    + (ObsSlot.MAX_SLOT_CHARS >> 20) + " MiB are written to one slot", false);
        }
        ObjectNode announcement = NODES.objectNode();
        ObjectNode event = announcement.putObject("eventData");
        event.put("streamkit", EVENT_MARK);
        event.put("slot", slot);
        event.put("client", client);
        event.put("bucket", b.index);
        event.put("seq", next.seq);
        socket.request("SetPersistentData", setRequest(b.slot, json));
        b.confirm(next);
        // Once OBS holds the bucket, and without waiting for OBS's answer: the write is done either way.
        socket.sendOnly("BroadcastCustomEvent", announcement);
    }

    private static String writeId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** @return this client's writes of bucket {@code b} that it lost or holds older (another client wrote over them) */
    private List<ConfigDocument> lostWrites(Bucket b, ObsSlot s) {
        List<ConfigDocument> lost = new ArrayList<>();
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Written>> it = written.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Written> watched = it.next();
            if (buckets == null || buckets[bucketOf(watched.getKey(), buckets.length)] != b) {
                continue;
            }
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

    /**
     * @return whether an event is another client's announcement of a write to this tier's slots
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
            indexRead = false; // another client may have imported since this one read the index
            Bucket[] all = layout(socket);
            if (legacyImport != null) {
                return 0;
            }
            List<ObsSlot> slots = readAll(socket, all);
            JsonNode legacy = getSlot(socket, LEGACY_SLOT);
            Map<Integer, List<ConfigDocument>> byBucket = new java.util.TreeMap<>();
            int count = 0;
            for (ConfigDocument d : LegacyConfigs.read(legacy)) {
                String code = ObsSlot.code(d.key());
                int i = bucketOf(code, all.length);
                if (slots.get(i).entries.get(code) == null) {
                    byBucket.computeIfAbsent(i, k -> new ArrayList<>()).add(d);
                    count++;
                }
            }
            for (Map.Entry<Integer, List<ConfigDocument>> group : byBucket.entrySet()) {
                Bucket b = all[group.getKey()];
                write(socket, b, b.seen, group.getValue());
            }
            legacyImport = Instant.now().toString();
            writeIndex(socket);
            LOG.info("OBS tier: imported {} configs from the web dock's slot {}", count, LEGACY_SLOT);
            return count;
        } finally {
            slotLock.unlock();
        }
    }

    @Override
    public TierHealth health() {
        return connection.health();
    }
}
