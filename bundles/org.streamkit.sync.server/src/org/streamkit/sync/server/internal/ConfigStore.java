package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

/**
 * The server's storage: one Xodus environment with four stores.
 * <ul>
 * <li>{@code configs}: {@code customer NUL type NUL id} → sequence (8 bytes), kind (1 byte: live or
 * tombstone), the stored object as JSON. A delete leaves a tombstone so incremental pulls see it.</li>
 * <li>{@code byType}: {@code customer NUL type NUL sequence} → id, one entry per config (its latest
 * change), so a per-type changes page reads only what changed.</li>
 * <li>{@code byCustomer}: {@code customer NUL sequence} → {@code type NUL id}, the same across types
 * (cross-type changes and event replay).</li>
 * <li>{@code meta}: the store id (part of every cursor) and the last sequence handed out.</li>
 * </ul>
 * Customer ids, types and ids never contain NUL (they are validated), so the keys are unambiguous.
 * Every write runs in one exclusive transaction; sequences are handed out inside it, so sequence order
 * is commit order and a reader's snapshot holds every change up to its last sequence: a cursor taken
 * from a snapshot never skips a change committed later. Change listeners run after the commit, in
 * sequence order.
 */
public final class ConfigStore implements AutoCloseable {

    /** Server-owned fields of every stored object; a client's values for them are ignored. */
    public static final Set<String> SERVER_FIELDS = Set.of("id", "customerId", "configType", "createdAt", "updatedAt");

    private static final byte LIVE = 0;
    private static final byte TOMBSTONE = 1;
    private static final byte[] META_STORE_ID = "storeId".getBytes(StandardCharsets.UTF_8);
    private static final byte[] META_LAST_SEQUENCE = "lastSequence".getBytes(StandardCharsets.UTF_8);

    /**
     * One stored config or tombstone.
     *
     * @param object the stored object (for a tombstone: id, configType, customerId, createdAt,
     *               updatedAt and {@code deleted: true}); callers must not modify it
     */
    public record Entry(String customer, String type, String id, long sequence, boolean deleted, ObjectNode object,
            Instant createdAt, Instant updatedAt) {

        /**
         * @return the strong entity tag: the quoted {@code updatedAt}. Every write of a config stamps an
         *         {@code updatedAt} later than the one before (see {@link ConfigStore#stamp}), so it changes
         *         with every write and clients can derive it from any listing.
         */
        public String etag() {
            return '"' + Json.time(updatedAt) + '"';
        }
    }

    /** A change as event listeners see it. */
    public record Change(String customer, long sequence, String type, String id, Instant updatedAt, boolean deleted) {
    }

    /** Live configs of one type, and the last sequence of the snapshot they were read from. */
    public record Listing(List<Entry> entries, long lastSequence) {
    }

    /**
     * Changes after a sequence, each config once (its latest state), oldest first.
     *
     * @param next    the sequence to continue after
     * @param hasMore whether the page was cut at its limit
     */
    public record Page(List<Entry> entries, long next, boolean hasMore) {
    }

    /** What a write did. */
    public sealed interface Outcome {
        /** The config was written (or deleted); {@code previous} is the live config it replaced, if any. */
        record Written(Entry entry, Entry previous) implements Outcome {
        }

        /** A merge found no live config. */
        record NotFound() implements Outcome {
        }

        /**
         * A precondition failed; {@code current} is what is stored (the live config or a tombstone), or
         * {@code null} when there is nothing.
         */
        record PreconditionFailed(Entry current) implements Outcome {
        }

        /** A delete found nothing live to delete. */
        record Unchanged() implements Outcome {
        }
    }

    /** Thrown when the store fails (not when input is bad); the message names the store. */
    public static final class StoreException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path directory;
    private final Environment environment;
    private final Store configs;
    private final Store byType;
    private final Store byCustomer;
    private final Store meta;
    private final String storeId;
    private final Clock clock;
    private final Object writeLock = new Object();
    private volatile Consumer<Change> listener = change -> {
    };

    private ConfigStore(Path directory, Environment environment, Clock clock) {
        this.directory = directory;
        this.environment = environment;
        this.clock = clock;
        Store[] stores = environment.computeInExclusiveTransaction(txn -> new Store[] {
                environment.openStore("configs", StoreConfig.WITHOUT_DUPLICATES, txn),
                environment.openStore("byType", StoreConfig.WITHOUT_DUPLICATES, txn),
                environment.openStore("byCustomer", StoreConfig.WITHOUT_DUPLICATES, txn),
                environment.openStore("meta", StoreConfig.WITHOUT_DUPLICATES, txn) });
        this.configs = stores[0];
        this.byType = stores[1];
        this.byCustomer = stores[2];
        this.meta = stores[3];
        this.storeId = environment.computeInExclusiveTransaction(txn -> {
            ByteIterable id = meta.get(txn, new ArrayByteIterable(META_STORE_ID));
            if (id != null) {
                return new String(bytes(id), StandardCharsets.UTF_8);
            }
            String fresh = UUID.randomUUID().toString().substring(0, 8);
            meta.put(txn, new ArrayByteIterable(META_STORE_ID), new ArrayByteIterable(fresh.getBytes(StandardCharsets.UTF_8)));
            return fresh;
        });
    }

    /**
     * Opens (creating if needed) the store in a folder.
     *
     * @throws IOException with what to do when the folder is in use by another process or damaged
     */
    public static ConfigStore open(Path directory, boolean durableWrites, long lockTimeoutMs, Clock clock)
            throws IOException {
        Files.createDirectories(directory);
        EnvironmentConfig config = new EnvironmentConfig()
                .setLogDurableWrite(durableWrites)
                .setLogLockTimeout(lockTimeoutMs)
                .setEnvCloseForcedly(true)
                .setManagementEnabled(false);
        Environment environment;
        try {
            environment = Environments.newInstance(directory.toFile(), config);
        } catch (RuntimeException e) {
            throw openFailure(directory, e);
        }
        try {
            return new ConfigStore(directory, environment, clock);
        } catch (RuntimeException e) {
            environment.close();
            throw openFailure(directory, e);
        }
    }

    private static IOException openFailure(Path directory, RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        if (message.toLowerCase(Locale.ROOT).contains("lock")) {
            return new IOException("The store at " + directory + " is in use by another process (is another Streamkit"
                    + " server running with this data folder?). Stop it, or start this one with another data folder.", e);
        }
        return new IOException("The store at " + directory + " could not be opened (" + message
                + "); it may be damaged. Move that folder aside to start with an empty store.", e);
    }

    /** Receives every change after its commit, in sequence order, on the writing thread. */
    public void setListener(Consumer<Change> changeListener) {
        this.listener = changeListener;
    }

    /** @return the store's id, part of every cursor so that a cursor of another store is recognised */
    public String storeId() {
        return storeId;
    }

    /** @return the last sequence handed out */
    public long lastSequence() {
        return call(() -> environment.computeInReadonlyTransaction(this::lastSequence));
    }

    /** @return the config or its tombstone, or {@code null} when the store never had it */
    public Entry get(String customer, String type, String id) {
        byte[] key = key(customer, type, id);
        return call(() -> environment.computeInReadonlyTransaction(txn -> read(txn, key, customer, type, id)));
    }

    /** @return every live config of a type, ordered by id, with the snapshot's last sequence */
    public Listing list(String customer, String type) {
        byte[] prefix = (customer + '\0' + type + '\0').getBytes(StandardCharsets.UTF_8);
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            List<Entry> found = new ArrayList<>();
            try (Cursor c = configs.openCursor(txn)) {
                if (c.getSearchKeyRange(new ArrayByteIterable(prefix)) != null) {
                    do {
                        byte[] k = bytes(c.getKey());
                        if (!startsWith(k, prefix)) {
                            break;
                        }
                        String id = new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8);
                        Entry entry = decode(c.getValue(), customer, type, id);
                        if (!entry.deleted()) {
                            found.add(entry);
                        }
                    } while (c.getNext());
                }
            }
            return new Listing(found, lastSequence(txn));
        }));
    }

    /**
     * @param type  one type, or {@code null} for every type of the customer
     * @param after the sequence to read after (0 for everything)
     * @param limit the most entries to return
     */
    public Page changes(String customer, String type, long after, int limit) {
        byte[] prefix = (type == null ? customer + '\0' : customer + '\0' + type + '\0').getBytes(StandardCharsets.UTF_8);
        Store index = type == null ? byCustomer : byType;
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            List<Entry> page = new ArrayList<>();
            long last = after;
            boolean more = false;
            try (Cursor c = index.openCursor(txn)) {
                if (c.getSearchKeyRange(new ArrayByteIterable(concat(prefix, longBytes(after + 1)))) != null) {
                    do {
                        byte[] k = bytes(c.getKey());
                        if (!startsWith(k, prefix) || k.length != prefix.length + 8) {
                            break;
                        }
                        if (page.size() == limit) {
                            more = true;
                            break;
                        }
                        String entryType = type;
                        String id = new String(bytes(c.getValue()), StandardCharsets.UTF_8);
                        if (type == null) {
                            int nul = id.indexOf('\0');
                            entryType = id.substring(0, nul);
                            id = id.substring(nul + 1);
                        }
                        ByteIterable value = configs.get(txn, new ArrayByteIterable(key(customer, entryType, id)));
                        if (value == null) {
                            throw new StoreException("The store at " + directory + " has a change entry without its config ("
                                    + entryType + "); it may be damaged", null);
                        }
                        page.add(decode(value, customer, entryType, id));
                        last = readLong(k, prefix.length);
                    } while (c.getNext());
                }
            }
            if (!more) {
                // Nothing else of this customer/type changed up to the snapshot: continue after all of it.
                last = Math.max(last, lastSequence(txn));
            }
            return new Page(page, last, more);
        }));
    }

    /**
     * Writes a whole config (POST): the body's top-level fields except the server's, then the server's
     * fields. A live config keeps its {@code createdAt}.
     *
     * @param body the client's object; top-level {@code null} values are left out
     */
    public Outcome replace(String customer, String type, String id, ObjectNode body, Precondition precondition) {
        return mutate(customer, type, id, (live, current, stamp) -> {
            if (!precondition.test(current)) {
                return new Outcome.PreconditionFailed(current);
            }
            ObjectNode object = stamped(customer, type, id, null, body, live == null ? stamp : live.createdAt(), stamp);
            return object;
        });
    }

    /**
     * Shallow-merges into a live config (PUT): {@code {...stored, ...body}}, where a top-level {@code null}
     * in the body removes that field, and the server's fields are stamped again.
     */
    public Outcome merge(String customer, String type, String id, ObjectNode body, Precondition precondition) {
        return mutate(customer, type, id, (live, current, stamp) -> {
            if (!precondition.test(current)) {
                return new Outcome.PreconditionFailed(current);
            }
            if (live == null) {
                return new Outcome.NotFound();
            }
            return stamped(customer, type, id, live.object(), body, live.createdAt(), stamp);
        });
    }

    /**
     * Deletes a config, leaving a tombstone stamped with the time of the delete.
     *
     * @param fields the client's fields to keep in the tombstone (its own sync metadata), or null
     * @param always whether a tombstone is written even when no live config is there (the extensions: a delete
     *               travels to devices that never saw the config); else such a delete changes nothing
     */
    public Outcome delete(String customer, String type, String id, ObjectNode fields, boolean always,
            Precondition precondition) {
        return mutate(customer, type, id, (live, current, stamp) -> {
            if (!precondition.test(current)) {
                return new Outcome.PreconditionFailed(current);
            }
            if (live == null && !always) {
                return new Outcome.Unchanged();
            }
            ObjectNode tombstone = Json.object();
            tombstone.put("id", id);
            if (fields != null) {
                fields.properties().forEach(e -> {
                    if (!SERVER_FIELDS.contains(e.getKey()) && !e.getKey().equals("deleted") && !e.getValue().isNull()) {
                        tombstone.set(e.getKey(), e.getValue());
                    }
                });
            }
            tombstone.put("configType", type);
            tombstone.put("customerId", customer);
            tombstone.put("createdAt", Json.time(current == null ? stamp : current.createdAt()));
            tombstone.put("updatedAt", Json.time(stamp));
            tombstone.put("deleted", true);
            return new Tombstone(tombstone);
        });
    }

    private static ObjectNode stamped(String customer, String type, String id, ObjectNode base, ObjectNode body,
            Instant createdAt, Instant updatedAt) {
        ObjectNode object = Json.object();
        object.put("id", id);
        if (base != null) {
            base.properties().forEach(e -> {
                if (!SERVER_FIELDS.contains(e.getKey())) {
                    object.set(e.getKey(), e.getValue());
                }
            });
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (SERVER_FIELDS.contains(e.getKey())) {
                continue;
            }
            if (e.getValue().isNull()) {
                object.remove(e.getKey());
            } else {
                object.set(e.getKey(), e.getValue());
            }
        }
        object.put("customerId", customer);
        object.put("configType", type);
        object.put("createdAt", Json.time(createdAt));
        object.put("updatedAt", Json.time(updatedAt));
        return object;
    }

    /**
     * Decides a write from the live config (or {@code null}), what is stored (the live config, a tombstone,
     * or {@code null}) and the write's stamp.
     */
    private interface Mutation {
        /** @return an {@link ObjectNode} to store, a {@link Tombstone}, or an {@link Outcome} to return unwritten */
        Object decide(Entry live, Entry current, Instant stamp);
    }

    private record Tombstone(ObjectNode object) {
    }

    private Outcome mutate(String customer, String type, String id, Mutation mutation) {
        byte[] key = key(customer, type, id);
        synchronized (writeLock) {
            Outcome outcome = call(() -> environment.computeInExclusiveTransaction(txn -> {
                Entry current = read(txn, key, customer, type, id);
                Entry live = current == null || current.deleted() ? null : current;
                Instant stamp = stamp(current);
                Object decision = mutation.decide(live, current, stamp);
                if (decision instanceof Outcome unwritten) {
                    return unwritten;
                }
                boolean deleted = decision instanceof Tombstone;
                ObjectNode object = deleted ? ((Tombstone) decision).object() : (ObjectNode) decision;
                long sequence = lastSequence(txn) + 1;
                if (current != null) {
                    byType.delete(txn, new ArrayByteIterable(concat(typePrefix(customer, type), longBytes(current.sequence()))));
                    byCustomer.delete(txn, new ArrayByteIterable(concat(customerPrefix(customer), longBytes(current.sequence()))));
                }
                byte[] json = Json.bytes(object);
                byte[] value = new byte[9 + json.length];
                System.arraycopy(longBytes(sequence), 0, value, 0, 8);
                value[8] = deleted ? TOMBSTONE : LIVE;
                System.arraycopy(json, 0, value, 9, json.length);
                configs.put(txn, new ArrayByteIterable(key), new ArrayByteIterable(value));
                byType.put(txn, new ArrayByteIterable(concat(typePrefix(customer, type), longBytes(sequence))),
                        new ArrayByteIterable(id.getBytes(StandardCharsets.UTF_8)));
                byCustomer.put(txn, new ArrayByteIterable(concat(customerPrefix(customer), longBytes(sequence))),
                        new ArrayByteIterable((type + '\0' + id).getBytes(StandardCharsets.UTF_8)));
                meta.put(txn, new ArrayByteIterable(META_LAST_SEQUENCE), new ArrayByteIterable(longBytes(sequence)));
                Instant created = Instant.parse(object.get("createdAt").asText());
                return new Outcome.Written(new Entry(customer, type, id, sequence, deleted, object, created, stamp), live);
            }));
            if (outcome instanceof Outcome.Written written) {
                Entry e = written.entry();
                listener.accept(new Change(customer, e.sequence(), type, id, e.updatedAt(), e.deleted()));
            }
            return outcome;
        }
    }

    /**
     * The time of a write: now, at millisecond precision, but always later than the config's previous
     * stamp (tombstones included), so {@code updatedAt} (and with it the ETag) changes with every write
     * even when writes come faster than the clock ticks or the clock steps back.
     */
    private Instant stamp(Entry current) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        if (current != null && !now.isAfter(current.updatedAt())) {
            return current.updatedAt().plusMillis(1);
        }
        return now;
    }

    private long lastSequence(Transaction txn) {
        ByteIterable v = meta.get(txn, new ArrayByteIterable(META_LAST_SEQUENCE));
        return v == null ? 0 : readLong(bytes(v), 0);
    }

    private Entry read(Transaction txn, byte[] key, String customer, String type, String id) {
        ByteIterable value = configs.get(txn, new ArrayByteIterable(key));
        return value == null ? null : decode(value, customer, type, id);
    }

    private Entry decode(ByteIterable value, String customer, String type, String id) {
        byte[] raw = bytes(value);
        try {
            JsonNode node = Json.read(raw, 9, raw.length - 9);
            ObjectNode object = (ObjectNode) node;
            return new Entry(customer, type, id, readLong(raw, 0), raw[8] == TOMBSTONE, object,
                    Instant.parse(object.get("createdAt").asText()), Instant.parse(object.get("updatedAt").asText()));
        } catch (IOException | RuntimeException e) {
            throw new StoreException("The stored copy of " + type + "/" + id + " in the store at " + directory
                    + " is unreadable (" + e.getMessage() + "); it may be damaged", e);
        }
    }

    @Override
    public void close() {
        synchronized (writeLock) {
            if (environment.isOpen()) {
                environment.close();
            }
        }
    }

    private interface StoreCall<T> {
        T run();
    }

    private <T> T call(StoreCall<T> operation) {
        try {
            return operation.run();
        } catch (ExodusException | IllegalStateException e) {
            throw new StoreException("The store at " + directory + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] key(String customer, String type, String id) {
        return (customer + '\0' + type + '\0' + id).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] typePrefix(String customer, String type) {
        return (customer + '\0' + type + '\0').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] customerPrefix(String customer) {
        return (customer + '\0').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] longBytes(long v) {
        byte[] r = new byte[8];
        for (int i = 7; i >= 0; i--) {
            r[i] = (byte) v;
            v >>>= 8;
        }
        return r;
    }

    private static long readLong(byte[] raw, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (raw[offset + i] & 0xff);
        }
        return v;
    }

    private static byte[] bytes(ByteIterable iterable) {
        return Arrays.copyOf(iterable.getBytesUnsafe(), iterable.getLength());
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
