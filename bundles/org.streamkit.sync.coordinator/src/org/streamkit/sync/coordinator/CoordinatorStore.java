package org.streamkit.sync.coordinator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

/**
 * The coordinator's own durable state, in a Xodus environment of its own: the outbox (one entry per
 * remote tier and config, and the version of each config those entries send), the per-tier pull cursors,
 * each config's history, the conflict log, the remote tiers ever seen, this device's stamp tag and the
 * hybrid clock's last stamp. One B-tree, entries told apart by a prefix. A write's history, outbox entries
 * and document are committed together, before the write reaches any tier, so the outbox can always send
 * what it promised, whatever the local tiers hold or whether they have joined yet.
 */
final class CoordinatorStore implements AutoCloseable {

    /**
     * One outbox entry. {@code sequence} identifies the write it stands for; {@code fromElsewhere} says that
     * its version came from another device or remote (a pull), not from an edit on this device.
     */
    record Entry(ConfigKey key, String tier, long sequence, Instant version, Instant enqueuedAt, int attempts,
            Instant nextAttempt, String lastError, boolean failed, boolean held, boolean fromElsewhere) {

        PendingWrite view() {
            return new PendingWrite(key, tier, version, enqueuedAt, attempts, nextAttempt, lastError, failed);
        }

        Entry failedAttempt(String error, Instant next, boolean park) {
            return new Entry(key, tier, sequence, version, enqueuedAt, attempts + 1, next, error, park, held, fromElsewhere);
        }

        Entry holding(boolean hold) {
            return new Entry(key, tier, sequence, version, enqueuedAt, attempts, nextAttempt, lastError, failed, hold, fromElsewhere);
        }

        Entry retryAt(Instant next) {
            return new Entry(key, tier, sequence, version, enqueuedAt, 0, next, "", false, held, fromElsewhere);
        }

        /** @return this entry as if its version were this device's own: a hold while live no longer applies */
        Entry applied() {
            return new Entry(key, tier, sequence, version, enqueuedAt, attempts, nextAttempt, lastError, failed, held, false);
        }
    }

    /** Records (with java.time values) as JSON; bodies inside documents keep ConfigJson's form. */
    private static final JsonMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    /** The longest a write waits under continuous edits, in debounce periods. */
    static final int MAX_WAIT_DEBOUNCES = 10;

    private static final String OUTBOX = "o\0";
    private static final String CURSOR = "c\0";
    private static final String HISTORY = "h\0";
    private static final String CONFLICT = "x\0";
    private static final String REMOTE = "r\0";
    private static final String PENDING = "p\0";
    private static final String META_CLOCK = "m\0clock";
    private static final String META_TAG = "m\0tag";
    private static final String META_SEQUENCE = "m\0sequence";
    private static final String META_OFFLINE = "m\0offline";
    private static final String META_RUNNING = "m\0running";
    private static final String LOCAL = "l\0";
    private static final String CHECKPOINT = "k\0";
    private static final String CHECKPOINT_ENTRY = "K\0";
    private static final String CHECKPOINT_VERSION = "V\0";
    private static final String MACHINE_ONLY = "n\0";

    private final Path directory;
    private final Environment environment;
    private final Store store;
    /** The last write sequence handed out, kept in memory too: every write takes the next. */
    private final AtomicLong sequence = new AtomicLong();
    /** The remote tier names, kept in memory too: every write reads them. */
    private volatile Set<String> knownRemotes;
    /** The config types each known remote tier syncs, empty for every type (kept with its name). */
    private volatile Map<String, Set<String>> remoteTypes = Map.of();
    /** The configs kept on this machine only. */
    private final Set<ConfigKey> machineOnly = ConcurrentHashMap.newKeySet();

    CoordinatorStore(Path directory) throws StorageException {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
            environment = Environments.newInstance(directory.toFile(),
                    new EnvironmentConfig().setLogLockTimeout(1000).setEnvCloseForcedly(true).setManagementEnabled(false));
        } catch (IOException | RuntimeException e) {
            throw new StorageException("The sync state at " + directory + " could not be opened (" + e.getMessage()
                    + "). Is another Streamkit using this workspace? Pending remote writes wait until it can be opened.",
                    true, e);
        }
        store = environment.computeInExclusiveTransaction(
                txn -> environment.openStore("sync", StoreConfig.WITHOUT_DUPLICATES, txn));
        Set<String> names = new LinkedHashSet<>();
        Map<String, Set<String>> types = new java.util.HashMap<>();
        environment.executeInReadonlyTransaction(txn -> forEach(txn, REMOTE, (k, v) -> {
            String name = k.substring(REMOTE.length());
            names.add(name);
            Set<String> synced = new java.util.TreeSet<>();
            v.path("types").forEach(t -> synced.add(t.asText()));
            types.put(name, Set.copyOf(synced));
        }));
        knownRemotes = Set.copyOf(names);
        remoteTypes = Map.copyOf(types);
        environment.executeInReadonlyTransaction(txn -> forEach(txn, MACHINE_ONLY, (k, v) -> {
            String[] parts = k.substring(MACHINE_ONLY.length()).split("\0", 2);
            machineOnly.add(new ConfigKey(parts[0], parts[1]));
        }));
        JsonNode last = environment.computeInReadonlyTransaction(txn -> read(txn, META_SEQUENCE));
        sequence.set(last == null ? 0 : last.path("value").asLong());
    }

    Path directory() {
        return directory;
    }

    @Override
    public void close() {
        if (environment.isOpen()) {
            environment.close();
        }
    }

    // ---- writes: history + outbox + clock, in one commit

    /**
     * Records a local write before it reaches the tiers: the replaced version into history, one outbox
     * entry per remote tier (due after that tier's debounce) with the document they send, and the clock.
     *
     * @return the write's sequence number
     */
    long recordWrite(ConfigDocument document, ConfigDocument replaced, Map<String, Duration> debounceByTier, Instant now,
            int historyDepth, Instant clock) {
        return environment.computeInExclusiveTransaction(txn -> {
            long sequence = recordWrite(txn, document, replaced, debounceByTier, now, historyDepth);
            put(txn, META_CLOCK, ConfigJson.newObject().put("last", clock.toString()));
            return sequence;
        });
    }

    /**
     * Records several local writes as {@link #recordWrite} records one, in one commit.
     *
     * @param writes each write's document and the version it replaces (null for none)
     */
    void recordWrites(List<ConfigDocument[]> writes, Map<String, Duration> debounceByTier, Instant now, int historyDepth,
            Instant clock) {
        environment.executeInExclusiveTransaction(txn -> {
            for (ConfigDocument[] w : writes) {
                recordWrite(txn, w[0], w[1], debounceByTier, now, historyDepth);
            }
            put(txn, META_CLOCK, ConfigJson.newObject().put("last", clock.toString()));
        });
    }

    private long recordWrite(Transaction txn, ConfigDocument document, ConfigDocument replaced,
            Map<String, Duration> debounceByTier, Instant now, int historyDepth) {
        long sequence = nextSequence(txn);
        if (replaced != null) {
            addHistory(txn, replaced, historyDepth);
        }
        boolean routed = false;
        for (String tier : debounceByTier.keySet()) {
            routed |= routes(tier, document.key());
        }
        if (routed) {
            write(txn, pendingKey(document.key()), document);
        }
        for (Map.Entry<String, Duration> tier : debounceByTier.entrySet()) {
            if (!routes(tier.getKey(), document.key())) {
                continue; // a type this tier does not sync, or a config kept on this machine
            }
            Entry old = read(txn, outboxKey(tier.getKey(), document.key()), Entry.class);
            Instant enqueued = old == null ? now : old.enqueuedAt();
            boolean held = old != null && old.held();
            // Each edit pushes the write back by the debounce, but never past ten debounces after the
            // first undelivered edit: a config edited without pause still reaches the remote.
            Instant due = now.plus(tier.getValue());
            Instant latest = enqueued.plus(tier.getValue().multipliedBy(MAX_WAIT_DEBOUNCES));
            write(txn, outboxKey(tier.getKey(), document.key()), new Entry(document.key(), tier.getKey(), sequence,
                    document.updatedAt(), enqueued, 0, due.isAfter(latest) ? latest : due, "", false, held, false));
        }
        return sequence;
    }

    /**
     * Queues a version for remote tiers (one that reached this device from elsewhere, or that a remote
     * lacks); it is sent unless a newer version is queued meanwhile.
     */
    void enqueue(ConfigDocument document, Map<String, Instant> dueByTier) {
        enqueue(document, dueByTier, true);
    }

    /** @param fromElsewhere the version came from another device or remote (see {@link Entry#fromElsewhere}) */
    void enqueue(ConfigDocument document, Map<String, Instant> dueByTier, boolean fromElsewhere) {
        if (!dueByTier.isEmpty()) {
            environment.executeInExclusiveTransaction(txn -> enqueue(txn, document, dueByTier, fromElsewhere));
        }
    }

    /**
     * Records versions pulled from a remote that win here, in one commit: each replaced version (if any)
     * into history, and each version queued for the other remotes.
     *
     * @param taken each version and the one it replaces (null for none)
     */
    void recordTaken(List<ConfigDocument[]> taken, Map<String, Instant> dueByTier, int historyDepth) {
        environment.executeInExclusiveTransaction(txn -> {
            for (ConfigDocument[] t : taken) {
                if (t[1] != null) {
                    addHistory(txn, t[1], historyDepth);
                }
                if (!dueByTier.isEmpty()) {
                    enqueue(txn, t[0], dueByTier, true);
                }
            }
        });
    }

    /**
     * Queues versions a remote tier lacks, in one commit, each unless an entry for that config already waits.
     *
     * @return how many were queued
     */
    int enqueueMissing(List<ConfigDocument> documents, String tier, Instant due) {
        return environment.computeInExclusiveTransaction(txn -> {
            int queued = 0;
            for (ConfigDocument d : documents) {
                if (routes(tier, d.key()) && store.get(txn, outboxKey(tier, d.key())) == null) {
                    enqueue(txn, d, Map.of(tier, due), true);
                    queued++;
                }
            }
            return queued;
        });
    }

    private void enqueue(Transaction txn, ConfigDocument document, Map<String, Instant> all, boolean fromElsewhere) {
        Map<String, Instant> dueByTier = new java.util.LinkedHashMap<>();
        all.forEach((tier, due) -> {
            if (routes(tier, document.key())) {
                dueByTier.put(tier, due);
            }
        });
        if (dueByTier.isEmpty()) {
            return;
        }
        ConfigDocument queued = read(txn, pendingKey(document.key()), ConfigDocument.class);
        if (queued == null || document.isNewerThan(queued)) {
            write(txn, pendingKey(document.key()), document.remoteVersion() == null ? document : document.withRemoteVersion(null));
        }
        for (Map.Entry<String, Instant> tier : dueByTier.entrySet()) {
            Entry old = read(txn, outboxKey(tier.getKey(), document.key()), Entry.class);
            long sequence = nextSequence(txn);
            Instant due = tier.getValue();
            write(txn, outboxKey(tier.getKey(), document.key()), new Entry(document.key(), tier.getKey(), sequence,
                    document.updatedAt(), old == null ? due : old.enqueuedAt(), 0, due, "", false, old != null && old.held(), fromElsewhere));
        }
    }

    /** @return the version the outbox sends for a config, or empty when nothing waits for it */
    Optional<ConfigDocument> pending(ConfigKey key) {
        return Optional.ofNullable(environment.computeInReadonlyTransaction(txn -> read(txn, pendingKey(key), ConfigDocument.class)));
    }

    /** Removes an outbox entry, and the version it sent once no other entry of the config waits. */
    private void removeEntry(Transaction txn, String tier, ConfigKey key) {
        store.delete(txn, outboxKey(tier, key));
        for (String other : knownRemotes) {
            if (!other.equals(tier) && store.get(txn, outboxKey(other, key)) != null) {
                return;
            }
        }
        store.delete(txn, pendingKey(key));
    }

    /**
     * The next write sequence, taken from memory (read once at open) and saved in the same transaction. Writes
     * are exclusive transactions, so no two take one at once; a transaction that fails leaves a gap, which is
     * harmless: sequences only tell writes apart and grow.
     */
    private long nextSequence(Transaction txn) {
        long next = sequence.incrementAndGet();
        put(txn, META_SEQUENCE, ConfigJson.newObject().put("value", next));
        return next;
    }

    /** @return the clock's last stamp, or null for a new store */
    Instant lastClock() {
        JsonNode node = environment.computeInReadonlyTransaction(txn -> read(txn, META_CLOCK));
        return node == null ? null : Instant.parse(node.get("last").asText());
    }

    /** @return this device's stamp tag (0–999), chosen at random once and kept */
    int deviceTag() {
        return environment.computeInExclusiveTransaction(txn -> {
            JsonNode node = read(txn, META_TAG);
            if (node != null) {
                return node.get("tag").asInt();
            }
            int tag = new java.security.SecureRandom().nextInt(1000);
            put(txn, META_TAG, ConfigJson.newObject().put("tag", tag));
            return tag;
        });
    }

    /** @return whether the user chose to work offline (false for a new store) */
    boolean workOffline() {
        JsonNode node = environment.computeInReadonlyTransaction(txn -> read(txn, META_OFFLINE));
        return node != null && node.path("on").asBoolean(false);
    }

    void saveWorkOffline(boolean on) {
        environment.executeInExclusiveTransaction(txn -> put(txn, META_OFFLINE, ConfigJson.newObject().put("on", on)));
    }

    // ---- outbox

    Optional<Entry> entry(String tier, ConfigKey key) {
        return Optional.ofNullable(environment.computeInReadonlyTransaction(txn -> read(txn, outboxKey(tier, key), Entry.class)));
    }

    List<Entry> outbox() {
        List<Entry> all = scan(OUTBOX, Entry.class);
        all.sort(Comparator.comparing(Entry::enqueuedAt));
        return all;
    }

    void update(Entry entry) {
        environment.executeInExclusiveTransaction(txn -> {
            Entry current = read(txn, outboxKey(entry.tier(), entry.key()), Entry.class);
            if (current != null && current.sequence() == entry.sequence()) {
                write(txn, outboxKey(entry.tier(), entry.key()), entry);
            }
        });
    }

    /** Removes an entry if no newer local write replaced it meanwhile. @return whether it was removed */
    boolean delivered(Entry entry) {
        return delivered(entry, null, null);
    }

    /**
     * Removes an entry that was delivered. When a newer local write replaced it meanwhile, that write's
     * entry stays, counted from now: what it waits for is newer than what just went out.
     *
     * @return whether the entry was removed
     */
    boolean delivered(Entry entry, Instant now, Instant earliestNext) {
        return environment.computeInExclusiveTransaction(txn -> {
            ByteIterable k = outboxKey(entry.tier(), entry.key());
            Entry current = read(txn, k, Entry.class);
            if (current != null && current.sequence() == entry.sequence()) {
                removeEntry(txn, entry.tier(), entry.key());
                return true;
            }
            if (current != null && now != null) {
                Instant next = current.nextAttempt().isAfter(earliestNext) ? current.nextAttempt() : earliestNext;
                write(txn, k, new Entry(current.key(), current.tier(), current.sequence(), current.version(), now,
                        current.attempts(), next, current.lastError(), current.failed(), current.held(), current.fromElsewhere()));
            }
            return false;
        });
    }

    void remove(String tier, ConfigKey key) {
        environment.executeInExclusiveTransaction(txn -> removeEntry(txn, tier, key));
    }

    // ---- cursors and remote tiers

    String cursor(String tier) {
        JsonNode node = environment.computeInReadonlyTransaction(txn -> read(txn, CURSOR + tier));
        return node == null || node.get("cursor").isNull() ? null : node.get("cursor").asText();
    }

    /**
     * Saves a pull's cursor once what it read is stored, with the clock (which observed what it read), so a
     * restart neither reads those changes again nor stamps an edit before them.
     */
    void saveCursor(String tier, String cursor, Instant clock) {
        environment.executeInExclusiveTransaction(txn -> {
            put(txn, CURSOR + tier, ConfigJson.newObject().put("cursor", cursor));
            if (clock != null) {
                put(txn, META_CLOCK, ConfigJson.newObject().put("last", clock.toString()));
            }
        });
    }

    Set<String> knownRemotes() {
        return knownRemotes;
    }

    synchronized void addKnownRemote(String tier) {
        addKnownRemote(tier, Set.of());
    }

    /**
     * Remembers a remote tier and the config types it syncs (empty: every type).
     *
     * @return whether it was known and syncs types now that it did not before (it is then read whole again,
     *         so that it gets what it lacks of them)
     */
    synchronized boolean addKnownRemote(String tier, Set<String> types) {
        Set<String> before = knownRemotes.contains(tier) ? remoteTypes.getOrDefault(tier, Set.of()) : null;
        if (before != null && before.equals(types)) {
            return false;
        }
        environment.executeInExclusiveTransaction(txn -> {
            ObjectNode value = ConfigJson.newObject();
            types.forEach(value.putArray("types")::add);
            put(txn, REMOTE + tier, value);
        });
        Set<String> names = new LinkedHashSet<>(knownRemotes);
        names.add(tier);
        knownRemotes = Set.copyOf(names);
        Map<String, Set<String>> all = new java.util.HashMap<>(remoteTypes);
        all.put(tier, Set.copyOf(types));
        remoteTypes = Map.copyOf(all);
        return before != null && !before.isEmpty() && (types.isEmpty() || !before.containsAll(types));
    }

    /**
     * @return whether writes of a config go to a remote tier: the tier syncs its type, and the config is not
     *         kept on this machine only
     */
    boolean routes(String tier, ConfigKey key) {
        if (machineOnly.contains(key)) {
            return false;
        }
        Set<String> types = remoteTypes.get(tier);
        return types == null || types.isEmpty() || types.contains(key.type());
    }

    Set<ConfigKey> machineOnly() {
        return Set.copyOf(machineOnly);
    }

    /**
     * Keeps a config on this machine only (what waited to be sent for it is dropped, in the same commit), or
     * lets it sync again.
     *
     * @return the remote tiers whose waiting writes were dropped
     */
    synchronized List<String> machineOnly(ConfigKey key, boolean only) {
        List<String> dropped = new ArrayList<>();
        environment.executeInExclusiveTransaction(txn -> {
            ByteIterable k = bytes(MACHINE_ONLY + key.type() + '\0' + key.id());
            if (!only) {
                store.delete(txn, k);
                return;
            }
            put(txn, MACHINE_ONLY + key.type() + '\0' + key.id(), ConfigJson.newObject());
            for (String tier : knownRemotes) {
                if (store.delete(txn, outboxKey(tier, key))) {
                    dropped.add(tier);
                }
            }
            store.delete(txn, pendingKey(key));
        });
        if (only) {
            machineOnly.add(key);
        } else {
            machineOnly.remove(key);
        }
        return dropped;
    }

    /**
     * Forgets a remote tier the user turned off: it is no longer known, its cursor is gone (so it is read
     * whole if it comes back), and the writes waiting for it are dropped, in one commit.
     *
     * @return the configs whose writes were dropped
     */
    synchronized List<ConfigKey> forgetRemote(String tier) {
        List<ConfigKey> dropped = new ArrayList<>();
        environment.executeInExclusiveTransaction(txn -> {
            forEach(txn, OUTBOX + tier + '\0', (k, v) -> dropped.add(parseJson(v, Entry.class).key()));
            for (ConfigKey key : dropped) {
                removeEntry(txn, tier, key);
            }
            store.delete(txn, bytes(CURSOR + tier));
            store.delete(txn, bytes(REMOTE + tier));
        });
        Set<String> names = new LinkedHashSet<>(knownRemotes);
        names.remove(tier);
        knownRemotes = Set.copyOf(names);
        Map<String, Set<String>> all = new java.util.HashMap<>(remoteTypes);
        all.remove(tier);
        remoteTypes = Map.copyOf(all);
        return dropped;
    }

    // ---- local tiers: which ones hold every write, and whether the last run stopped cleanly

    /**
     * @return the durable local tiers seen before, each with whether it missed a write since it last held
     *         everything the others held (it is then backfilled when it joins)
     */
    Map<String, Boolean> localTiers() {
        Map<String, Boolean> tiers = new java.util.TreeMap<>();
        environment.executeInReadonlyTransaction(txn -> forEach(txn, LOCAL,
                (k, v) -> tiers.put(k.substring(LOCAL.length()), parseJson(v, ObjectNode.class).path("missed").asBoolean(true))));
        return tiers;
    }

    /** Records whether a durable local tier missed a write (false: it holds what the others hold). */
    void localTier(String tier, boolean missed) {
        environment.executeInExclusiveTransaction(txn -> put(txn, LOCAL + tier, ConfigJson.newObject().put("missed", missed)));
    }

    /**
     * Marks the store as in use until {@link #markStopped()}.
     *
     * @return whether it was marked already: the process that used it last did not stop cleanly
     */
    boolean markRunning() {
        return environment.computeInExclusiveTransaction(txn -> {
            boolean marked = read(txn, META_RUNNING) != null;
            put(txn, META_RUNNING, ConfigJson.newObject().put("since", Instant.now().toString()));
            return marked;
        });
    }

    /** Clears the mark of {@link #markRunning()}: the local tiers were left consistent. */
    void markStopped() {
        if (environment.isOpen()) {
            environment.executeInExclusiveTransaction(txn -> store.delete(txn, bytes(META_RUNNING)));
        }
    }

    // ---- history

    void addHistory(ConfigDocument document, int depth) {
        environment.executeInExclusiveTransaction(txn -> addHistory(txn, document, depth));
    }

    private void addHistory(Transaction txn, ConfigDocument document, int depth) {
        String prefix = HISTORY + document.type() + '\0' + document.id() + '\0';
        // Newest first: the key sorts by the inverted stamp.
        String k = prefix + String.format("%020d", Long.MAX_VALUE - nanos(document.updatedAt()));
        write(txn, bytes(k), document);
        // Only the keys are read: the versions beyond the depth go unparsed.
        List<String> keys = new ArrayList<>();
        walk(txn, prefix, (key, value) -> keys.add(key));
        for (int i = depth; i < keys.size(); i++) {
            store.delete(txn, bytes(keys.get(i)));
        }
    }

    List<ConfigDocument> history(ConfigKey key) {
        return scan(HISTORY + key.type() + '\0' + key.id() + '\0', ConfigDocument.class);
    }

    // ---- checkpoints: a manifest per checkpoint (config → stamp), the versions shared by every manifest

    /**
     * Saves a checkpoint: its description, one manifest entry per config, and each version not saved for an
     * earlier checkpoint already, in one commit.
     */
    void saveCheckpoint(Checkpoint checkpoint, List<ConfigDocument> documents) {
        environment.executeInExclusiveTransaction(txn -> {
            write(txn, bytes(CHECKPOINT + checkpoint.name()), checkpoint);
            for (ConfigDocument d : documents) {
                String stamp = String.format("%020d", nanos(d.updatedAt()));
                store.put(txn, bytes(CHECKPOINT_ENTRY + checkpoint.name() + '\0' + d.type() + '\0' + d.id()), bytes(stamp));
                ByteIterable version = bytes(CHECKPOINT_VERSION + d.type() + '\0' + d.id() + '\0' + stamp);
                if (store.get(txn, version) == null) {
                    write(txn, version, d.remoteVersion() == null ? d : d.withRemoteVersion(null));
                }
            }
        });
    }

    /** @return the checkpoints kept, newest first */
    List<Checkpoint> checkpoints() {
        List<Checkpoint> all = scan(CHECKPOINT, Checkpoint.class);
        all.sort(Comparator.comparing(Checkpoint::createdAt).thenComparing(Checkpoint::name).reversed());
        return all;
    }

    /** @return the configs a checkpoint holds, or empty when there is no checkpoint of that name */
    Optional<List<ConfigDocument>> checkpoint(String name) {
        return environment.computeInReadonlyTransaction(txn -> {
            if (store.get(txn, bytes(CHECKPOINT + name)) == null) {
                return Optional.<List<ConfigDocument>>empty();
            }
            String prefix = CHECKPOINT_ENTRY + name + '\0';
            List<ConfigDocument> documents = new ArrayList<>();
            walk(txn, prefix, (key, stamp) -> {
                String config = key.substring(prefix.length()); // type \0 id
                ConfigDocument d = read(txn, bytes(CHECKPOINT_VERSION + config + '\0' + text(stamp)), ConfigDocument.class);
                if (d == null) {
                    throw new IllegalStateException("Checkpoint " + name + " lacks the version of " + config.replace('\0', '/'));
                }
                documents.add(d);
            });
            return Optional.of(documents);
        });
    }

    /**
     * Removes a checkpoint and the versions no other checkpoint holds, in one commit.
     *
     * @return whether it was there
     */
    boolean removeCheckpoint(String name) {
        return environment.computeInExclusiveTransaction(txn -> {
            if (!store.delete(txn, bytes(CHECKPOINT + name))) {
                return false;
            }
            List<String> others = new ArrayList<>();
            walk(txn, CHECKPOINT, (key, value) -> others.add(key.substring(CHECKPOINT.length())));
            String prefix = CHECKPOINT_ENTRY + name + '\0';
            List<String[]> entries = new ArrayList<>(); // {type \0 id, stamp}
            walk(txn, prefix, (key, stamp) -> entries.add(new String[] { key.substring(prefix.length()), text(stamp) }));
            for (String[] e : entries) {
                store.delete(txn, bytes(CHECKPOINT_ENTRY + name + '\0' + e[0]));
                boolean shared = false;
                for (String other : others) {
                    ByteIterable stamp = store.get(txn, bytes(CHECKPOINT_ENTRY + other + '\0' + e[0]));
                    if (stamp != null && e[1].equals(text(stamp))) {
                        shared = true;
                        break;
                    }
                }
                if (!shared) {
                    store.delete(txn, bytes(CHECKPOINT_VERSION + e[0] + '\0' + e[1]));
                }
            }
            return true;
        });
    }


    // ---- conflicts

    void saveConflict(Conflict conflict) {
        environment.executeInExclusiveTransaction(txn -> write(txn, conflictKey(conflict), StoredConflict.of(conflict)));
    }

    List<Conflict> conflicts(ConfigKey key) {
        String prefix = key == null ? CONFLICT : CONFLICT + key.type() + '\0' + key.id() + '\0';
        List<Conflict> all = new ArrayList<>();
        environment.executeInReadonlyTransaction(
                txn -> forEach(txn, prefix, (k, v) -> all.add(parseJson(v, StoredConflict.class).conflict())));
        all.sort(Comparator.comparing(Conflict::detectedAt).reversed());
        return all;
    }

    private static ByteIterable conflictKey(Conflict c) {
        return bytes(CONFLICT + c.key().type() + '\0' + c.key().id() + '\0' + c.tier() + '\0'
                + String.format("%020d", nanos(c.detectedAt())));
    }

    /** A conflict as stored (the API record, minus the key, which the documents carry). */
    private record StoredConflict(String tier, Instant detectedAt, String resolution, ConfigDocument mine,
            ConfigDocument theirs) {

        static StoredConflict of(Conflict c) {
            return new StoredConflict(c.tier(), c.detectedAt(), c.resolution(), c.mine(), c.theirs());
        }

        Conflict conflict() {
            return new Conflict(mine.key(), tier, mine, theirs, detectedAt, resolution == null ? "" : resolution);
        }
    }

    // ---- plumbing

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static ByteIterable pendingKey(ConfigKey key) {
        return bytes(PENDING + key.type() + '\0' + key.id());
    }

    private static ByteIterable outboxKey(String tier, ConfigKey key) {
        return bytes(OUTBOX + tier + '\0' + key.type() + '\0' + key.id());
    }

    private static ByteIterable bytes(String key) {
        return new ArrayByteIterable(key.getBytes(StandardCharsets.UTF_8));
    }

    private void write(Transaction txn, ByteIterable key, Object value) {
        try {
            store.put(txn, key, new ArrayByteIterable(JSON.writeValueAsBytes(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A sync record could not be written as JSON", e);
        }
    }

    private void put(Transaction txn, String key, ObjectNode value) {
        write(txn, bytes(key), value);
    }

    private JsonNode read(Transaction txn, String key) {
        ByteIterable raw = store.get(txn, bytes(key));
        return raw == null ? null : parse(raw, JsonNode.class);
    }

    private <T> T read(Transaction txn, ByteIterable key, Class<T> type) {
        ByteIterable raw = store.get(txn, key);
        return raw == null ? null : parse(raw, type);
    }

    private static <T> T parse(ByteIterable raw, Class<T> type) {
        try {
            return JSON.readerFor(type).readValue(raw.getBytesUnsafe(), 0, raw.getLength());
        } catch (IOException e) {
            throw new IllegalStateException("A stored sync record is unreadable: " + e.getMessage(), e);
        }
    }

    private <T> List<T> scan(String prefix, Class<T> type) {
        List<T> out = new ArrayList<>();
        environment.executeInReadonlyTransaction(txn -> forEach(txn, prefix, (k, v) -> out.add(parseJson(v, type))));
        return out;
    }

    private static <T> T parseJson(JsonNode node, Class<T> type) {
        try {
            return JSON.readerFor(type).readValue(node);
        } catch (IOException e) {
            throw new IllegalStateException("A stored sync record is unreadable: " + e.getMessage(), e);
        }
    }

    private interface Visitor {
        void visit(String key, JsonNode value);
    }

    private void forEach(Transaction txn, String prefix, Visitor visitor) {
        walk(txn, prefix, (key, value) -> visitor.visit(key, parse(value, JsonNode.class)));
    }

    /** Visits every entry whose key starts with a prefix, in key order, with its key as text and its raw value. */
    private void walk(Transaction txn, String prefix, java.util.function.BiConsumer<String, ByteIterable> visitor) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        try (Cursor c = store.openCursor(txn)) {
            if (c.getSearchKeyRange(new ArrayByteIterable(p)) == null) {
                return;
            }
            do {
                if (!startsWith(c.getKey(), p)) {
                    break;
                }
                visitor.accept(text(c.getKey()), c.getValue());
            } while (c.getNext());
        }
    }

    private static String text(ByteIterable bytes) {
        return new String(bytes.getBytesUnsafe(), 0, bytes.getLength(), StandardCharsets.UTF_8);
    }

    private static boolean startsWith(ByteIterable key, byte[] prefix) {
        return key.getLength() >= prefix.length && Arrays.equals(key.getBytesUnsafe(), 0, prefix.length, prefix, 0, prefix.length);
    }
}
