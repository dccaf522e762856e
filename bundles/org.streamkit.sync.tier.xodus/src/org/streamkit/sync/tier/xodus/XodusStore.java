package org.streamkit.sync.tier.xodus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ChangeLog;

import com.fasterxml.jackson.databind.ObjectReader;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.bindings.StringBinding;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

/**
 * The primary local store: one Xodus environment with one B-tree ({@code configs}) holding three kinds of
 * entries, told apart by their first byte, so that a write modifies a single tree:
 * <ul>
 * <li>{@code 0 type NUL id} → change sequence (8 bytes) + the document as JSON;</li>
 * <li>{@code 1 sequence} → {@code type NUL id}, one entry per key (its latest change), so
 * {@link #changedSince} reads only what changed instead of scanning;</li>
 * <li>{@code 2 "storeId"} → the store's id, part of every cursor, so a cursor from another store (for
 * example one rebuilt from scratch) reads from the beginning.</li>
 * </ul>
 * Writes run in exclusive transactions and return after the commit: the data is in the log file, so
 * it survives a crash of the process; with {@link Durability#POWER_LOSS} every commit is also fsynced.
 */
public final class XodusStore implements StorageTier, AutoCloseable {

    /** What a returned write survives. */
    public enum Durability {
        /** Committed to the log file (the OS holds it): survives {@code kill -9} of the process. Default. */
        PROCESS_CRASH,
        /** Committed and fsynced: survives a power loss or an OS crash, at the cost of one fsync per write. */
        POWER_LOSS
    }

    private static final ObjectReader DOCUMENT_READER = ConfigJson.reader().forType(ConfigDocument.class);
    private static final byte SEPARATOR = 0;
    private static final byte DOCUMENT = 0;
    private static final byte CHANGE = 1;
    private static final byte META = 2;
    private static final String META_STORE_ID = "storeId";

    private final String name;
    private final Path directory;
    private final Environment environment;
    private final Store store;
    private final String storeId;

    private XodusStore(String name, Path directory, Environment environment) {
        this.name = name;
        this.directory = directory;
        this.environment = environment;
        this.store = environment.computeInExclusiveTransaction(
                txn -> environment.openStore("configs", StoreConfig.WITHOUT_DUPLICATES, txn));
        ByteIterable idKey = new ArrayByteIterable(prefixed(META, META_STORE_ID.getBytes(StandardCharsets.UTF_8)));
        this.storeId = environment.computeInExclusiveTransaction(txn -> {
            ByteIterable id = store.get(txn, idKey);
            if (id != null) {
                return StringBinding.entryToString(id);
            }
            String fresh = UUID.randomUUID().toString().substring(0, 8);
            store.put(txn, idKey, StringBinding.stringToEntry(fresh));
            return fresh;
        });
    }

    /**
     * Opens (creating if needed) the store in a directory.
     *
     * @param lockTimeoutMs how long to wait for another process to release the store's lock
     * @throws StorageException with a reason that says what to do when the store is locked or damaged
     */
    public static XodusStore open(String name, Path directory, Durability durability, long lockTimeoutMs)
            throws StorageException {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StorageException("The Xodus store folder " + directory + " could not be created (" + e
                    + "). Check its permissions and free space, or configure another folder.", false, e);
        }
        EnvironmentConfig config = new EnvironmentConfig()
                .setLogDurableWrite(durability == Durability.POWER_LOSS)
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
            return new XodusStore(name, directory, environment);
        } catch (RuntimeException e) {
            environment.close();
            throw openFailure(directory, e);
        }
    }

    /**
     * What {@link #openOrSetAside} found.
     *
     * @param store    the open store
     * @param note     what happened, for people, when the store was damaged and set aside; else {@code null}
     * @param setAside where the damaged store was moved, or {@code null}
     */
    public record Opened(XodusStore store, String note, Path setAside) {
    }

    /**
     * Opens the store; when it is damaged (not when it is merely locked by another process), moves the
     * damaged folder aside (next to it, named {@code <folder>.damaged-<time>}, kept for inspection) and opens
     * a new, empty store in its place, which the coordinator refills from the other tiers.
     *
     * @throws StorageException when the store is locked, or a new store cannot be made either
     */
    public static Opened openOrSetAside(String name, Path directory, Durability durability, long lockTimeoutMs)
            throws StorageException {
        try {
            return new Opened(open(name, directory, durability, lockTimeoutMs), null, null);
        } catch (StorageException damaged) {
            if (damaged.retryable()) {
                throw damaged; // locked by another process: never move a store someone is using
            }
            String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
            Path aside = directory.resolveSibling(directory.getFileName() + ".damaged-" + stamp);
            try {
                Files.move(directory, aside);
            } catch (IOException e) {
                throw new StorageException(damaged.getMessage() + " Moving it aside to " + aside + " failed too (" + e + ").",
                        false, damaged);
            }
            XodusStore fresh = open(name, directory, durability, lockTimeoutMs);
            String cause = damaged.getCause() == null ? damaged.getMessage() : String.valueOf(damaged.getCause().getMessage());
            String note = "The Xodus store could not be opened (" + cause + "). It was moved to " + aside
                    + " and a new store is being refilled from the other tiers.";
            return new Opened(fresh, note, aside);
        }
    }

    private static StorageException openFailure(Path directory, RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        if (message.toLowerCase(java.util.Locale.ROOT).contains("lock")) {
            return new StorageException("The Xodus store at " + directory
                    + " is in use by another process (is Streamkit or Eclipse already running with this workspace?)."
                    + " Close that process, or configure another store folder.", true, e);
        }
        return new StorageException("The Xodus store at " + directory + " could not be opened (" + message
                + "); it may be damaged. Streamkit keeps working from its other tiers. To rebuild it, stop Streamkit,"
                + " move that folder aside and start again: the other tiers refill it.", false, e);
    }

    /** @return the folder the store lives in */
    public Path directory() {
        return directory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        byte[] k = keyBytes(key);
        ByteIterable value = call(() -> environment.computeInReadonlyTransaction(txn -> store.get(txn, documentKey(k))));
        return value == null ? Optional.empty() : Optional.of(decode(value, key));
    }

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        byte[] k = keyBytes(document.key());
        byte[] json = encode(document);
        call(() -> {
            environment.executeInExclusiveTransaction(txn -> write(txn, k, json));
            return null;
        });
        return document;
    }

    /** Stores the documents in one transaction: all of them, or none. */
    @Override
    public List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
        List<byte[][]> encoded = new ArrayList<>(documents.size());
        for (ConfigDocument d : documents) {
            encoded.add(new byte[][] { keyBytes(d.key()), encode(d) });
        }
        call(() -> {
            environment.executeInExclusiveTransaction(txn -> {
                for (byte[][] e : encoded) {
                    write(txn, e[0], e[1]);
                }
            });
            return null;
        });
        return List.copyOf(documents);
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        byte[] k = keyBytes(key);
        return call(() -> environment.computeInExclusiveTransaction(txn -> {
            ByteIterable old = store.get(txn, documentKey(k));
            ConfigDocument tombstone = old == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt)
                    : decodeUnchecked(old, key).asTombstone(deletedAt);
            write(txn, k, encode(tombstone));
            return tombstone;
        }));
    }

    private void write(Transaction txn, byte[] key, byte[] json) {
        ByteIterable k = documentKey(key);
        // The next sequence is taken before the key's old change entry goes: that entry may be the newest,
        // and reusing its number would hide this change from a cursor taken at the old one.
        long sequence = lastSequence(txn) + 1;
        ByteIterable old = store.get(txn, k);
        if (old != null) {
            store.delete(txn, changeKey(sequenceOf(old)));
        }
        byte[] value = new byte[8 + json.length];
        putLong(value, sequence);
        System.arraycopy(json, 0, value, 8, json.length);
        store.put(txn, k, new ArrayByteIterable(value));
        store.put(txn, changeKey(sequence), new ArrayByteIterable(key));
    }

    /**
     * The newest sequence handed out. A change entry is removed only in the transaction that adds a newer
     * one for the same key (after that one's number is taken), so the last change entry never goes back.
     */
    private long lastSequence(Transaction txn) {
        try (Cursor c = store.openCursor(txn)) {
            if (c.getSearchKeyRange(new ArrayByteIterable(new byte[] { META })) != null ? c.getPrev() : c.getLast()) {
                byte[] k = bytes(c.getKey());
                if (k.length == 9 && k[0] == CHANGE) {
                    return readLong(k, 1);
                }
            }
            return 0;
        }
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            Set<String> types = new TreeSet<>();
            try (Cursor cursor = store.openCursor(txn)) {
                boolean found = cursor.getSearchKeyRange(new ArrayByteIterable(new byte[] { DOCUMENT })) != null;
                while (found) {
                    byte[] k = bytes(cursor.getKey());
                    if (k[0] != DOCUMENT) {
                        break;
                    }
                    int sep = indexOf(k, SEPARATOR, 1);
                    types.add(new String(k, 1, sep - 1, StandardCharsets.UTF_8));
                    // Jump past every key of this type: the next byte after NUL is 1.
                    byte[] next = Arrays.copyOf(k, sep + 1);
                    next[sep] = 1;
                    found = cursor.getSearchKeyRange(new ArrayByteIterable(next)) != null;
                }
            }
            return types;
        }));
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        return ofType(type, (key, value) -> key).stream().sorted().toList();
    }

    /** Reads the documents of a type in one read-only transaction, with one cursor. */
    @Override
    public List<ConfigDocument> documents(String type) throws StorageException {
        List<ConfigDocument> found = new ArrayList<>(ofType(type, (key, value) -> decodeUnchecked(value, key)));
        found.sort(java.util.Comparator.comparing(ConfigDocument::key));
        return found;
    }

    /** @return what {@code read} makes of each stored document of a type (key and value), in store order */
    private <T> List<T> ofType(String type, java.util.function.BiFunction<ConfigKey, ByteIterable, T> read)
            throws StorageException {
        ConfigKey.validateType(type);
        byte[] prefix = prefixed(DOCUMENT, (type + '\0').getBytes(StandardCharsets.UTF_8));
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            List<T> found = new ArrayList<>();
            try (Cursor cursor = store.openCursor(txn)) {
                if (cursor.getSearchKeyRange(new ArrayByteIterable(prefix)) != null) {
                    do {
                        byte[] k = bytes(cursor.getKey());
                        if (!startsWith(k, prefix)) {
                            break;
                        }
                        ConfigKey key = new ConfigKey(type, new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8));
                        found.add(read.apply(key, cursor.getValue()));
                    } while (cursor.getNext());
                }
            }
            return found;
        }));
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        ChangeLog.checkLimit(limit);
        long after = ChangeLog.parse(name, storeId, cursor);
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            List<ConfigDocument> page = new ArrayList<>();
            long last = after;
            boolean more = false;
            try (Cursor c = store.openCursor(txn)) {
                if (c.getSearchKeyRange(changeKey(after + 1)) != null) {
                    do {
                        byte[] ck = bytes(c.getKey());
                        if (ck[0] != CHANGE) {
                            break;
                        }
                        if (page.size() == limit) {
                            more = true;
                            break;
                        }
                        byte[] k = bytes(c.getValue());
                        ByteIterable value = store.get(txn, documentKey(k));
                        page.add(decodeUnchecked(value, keyOf(k)));
                        last = readLong(ck, 1);
                    } while (c.getNext());
                }
            }
            if (!more) {
                last = Math.max(last, lastSequence(txn));
            }
            return new Changes(page, ChangeLog.format(storeId, last), more);
        }));
    }

    @Override
    public TierHealth health() {
        return environment.isOpen() ? TierHealth.up() : TierHealth.down("The Xodus store at " + directory + " is closed");
    }

    /** @return how many documents (tombstones included) the store holds */
    public long size() throws StorageException {
        return call(() -> environment.computeInReadonlyTransaction(txn -> {
            long count = 0;
            try (Cursor c = store.openCursor(txn)) {
                if (c.getSearchKeyRange(new ArrayByteIterable(new byte[] { DOCUMENT })) != null) {
                    do {
                        if (c.getKey().iterator().next() != DOCUMENT) {
                            break;
                        }
                        count++;
                    } while (c.getNext());
                }
            }
            return count;
        }));
    }

    @Override
    public void close() {
        if (environment.isOpen()) {
            environment.close();
        }
    }

    private interface XodusCall<T> {
        T run();
    }

    /** Runs an Xodus operation, turning its failures into a {@link StorageException} that names the store. */
    private <T> T call(XodusCall<T> operation) throws StorageException {
        try {
            return operation.run();
        } catch (ExodusException | IllegalStateException e) {
            throw new StorageException("The Xodus store at " + directory + " failed: " + e.getMessage(),
                    environment.isOpen(), e);
        } catch (StoredDocumentException e) {
            throw new StorageException(e.getMessage(), false, e);
        }
    }

    private static byte[] keyBytes(ConfigKey key) {
        return (key.type() + '\0' + key.id()).getBytes(StandardCharsets.UTF_8);
    }

    private static ConfigKey keyOf(byte[] k) {
        int sep = indexOf(k, SEPARATOR, 0);
        return new ConfigKey(new String(k, 0, sep, StandardCharsets.UTF_8),
                new String(k, sep + 1, k.length - sep - 1, StandardCharsets.UTF_8));
    }

    private static byte[] encode(ConfigDocument document) {
        try {
            return ConfigJson.writer().writeValueAsBytes(document);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A config document could not be written as JSON", e);
        }
    }

    private ConfigDocument decode(ByteIterable value, ConfigKey key) throws StorageException {
        try {
            return decodeUnchecked(value, key);
        } catch (StoredDocumentException e) {
            throw new StorageException(e.getMessage(), false, e);
        }
    }

    private ConfigDocument decodeUnchecked(ByteIterable value, ConfigKey key) {
        byte[] raw = bytes(value);
        try {
            return DOCUMENT_READER.readValue(raw, 8, raw.length - 8);
        } catch (IOException | RuntimeException e) {
            throw new StoredDocumentException("The stored copy of " + key + " in the Xodus store at " + directory
                    + " is unreadable (" + e.getMessage() + "); the other tiers still hold it", e);
        }
    }

    /** A stored value that does not decode: reported, never silently dropped. */
    private static final class StoredDocumentException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoredDocumentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static long sequenceOf(ByteIterable value) {
        return readLong(value.getBytesUnsafe(), 0);
    }

    private static long readLong(byte[] raw, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (raw[offset + i] & 0xff);
        }
        return v;
    }

    private static byte[] prefixed(byte kind, byte[] rest) {
        byte[] k = new byte[rest.length + 1];
        k[0] = kind;
        System.arraycopy(rest, 0, k, 1, rest.length);
        return k;
    }

    private static ByteIterable documentKey(byte[] key) {
        return new ArrayByteIterable(prefixed(DOCUMENT, key));
    }

    private static ByteIterable changeKey(long sequence) {
        byte[] k = new byte[9];
        k[0] = CHANGE;
        for (int i = 8; i >= 1; i--) {
            k[i] = (byte) sequence;
            sequence >>>= 8;
        }
        return new ArrayByteIterable(k);
    }

    private static void putLong(byte[] target, long v) {
        for (int i = 7; i >= 0; i--) {
            target[i] = (byte) v;
            v >>>= 8;
        }
    }

    private static byte[] bytes(ByteIterable iterable) {
        return Arrays.copyOf(iterable.getBytesUnsafe(), iterable.getLength());
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
