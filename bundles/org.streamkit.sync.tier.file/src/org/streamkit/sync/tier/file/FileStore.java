package org.streamkit.sync.tier.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ChangeLog;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The backup store: one JSON file per config at {@code <root>/<type>/<encoded id>.json} (see
 * {@link FileNames}), readable and restorable by hand.
 * <p>
 * A write goes to a temporary file in the same folder and is atomically renamed over the old file, so a
 * crash at any moment leaves either the old or the new version, never a torn one. With
 * {@link Durability#PROCESS_CRASH} (the default) that is all: after {@link #put} returns the file survives
 * {@code kill -9} of the process, and the operating system writes it to disk soon after. With
 * {@link Durability#POWER_LOSS} the temporary file is fsynced before the rename and the folder after it
 * (where the platform allows), so the file is on disk when {@link #put} returns; {@link #putAll} fsyncs
 * every file of the batch first and each folder once.
 * <p>
 * A file that is empty, truncated, invalid or not where its id belongs is skipped with a warning naming
 * it, counted in {@link #health()}, and left untouched; it never stops the other files from loading.
 * {@link #changedSince} is served from a change log filled by one scan of the folder (in the background,
 * when the store opens or, if asked, on the first call that needs it) and by every write after that.
 */
public final class FileStore implements StorageTier {

    /** What a save survives once {@link FileStore#put} returned. */
    public enum Durability {
        /** A crash of the process ({@code kill -9}): the file is renamed into place, not fsynced. */
        PROCESS_CRASH,
        /** A power loss or an OS crash too: the file and its folder are fsynced. */
        POWER_LOSS
    }

    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
    private static final ObjectReader READER = ConfigJson.reader().forType(ConfigDocument.class);
    private static final ObjectWriter WRITER = ConfigJson.writer().withDefaultPrettyPrinter();
    private static final String TEMP_SUFFIX = ".tmp";
    private static final long FOLDER_CHECK_MILLIS = 1000;

    private final String name;
    private final Path root;
    private final Instant openedAt = Instant.now();
    private final ChangeLog changeLog;
    private final Object[] locks = new Object[64];
    private final Map<Path, String> unreadable = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> scan = new CompletableFuture<>();
    private final AtomicBoolean scanStarted = new AtomicBoolean();
    private final Executor scanner;
    private final boolean fsync;
    private volatile boolean folderUsable;
    private volatile long folderCheckedAt = System.nanoTime() - FOLDER_CHECK_MILLIS * 2_000_000L;

    private FileStore(String name, Path root, Executor scanner, Durability durability) {
        this.name = name;
        this.root = root;
        this.scanner = scanner;
        this.fsync = durability == Durability.POWER_LOSS;
        this.changeLog = new ChangeLog(name);
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * Opens (creating if needed) a store in a folder, {@link Durability#PROCESS_CRASH}, and starts scanning
     * it on {@code scanner}.
     *
     * @throws StorageException when the folder cannot be created or written
     */
    public static FileStore open(String name, Path root, Executor scanner) throws StorageException {
        FileStore store = open(name, root, scanner, Durability.PROCESS_CRASH);
        store.startScan();
        return store;
    }

    /**
     * Opens (creating if needed) a store in a folder. Its scan (which fills the change log and finds the
     * files that cannot be read) runs on {@code scanner} when {@link #startScan()} is called, or on the
     * first call that needs it ({@link #changedSince}, {@link #awaitScan}): a process that only reads and
     * writes a few configs never reads the whole folder.
     *
     * @throws StorageException when the folder cannot be created or written
     */
    public static FileStore open(String name, Path root, Executor scanner, Durability durability) throws StorageException {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new StorageException("The backup folder " + root + " could not be created (" + e
                    + "). Check its permissions and free space, or configure another folder.", false, e);
        }
        if (!Files.isWritable(root)) {
            throw new StorageException("The backup folder " + root + " is not writable. Fix its permissions or"
                    + " configure another folder.", false);
        }
        return new FileStore(name, root, scanner, durability);
    }

    /** Starts the scan of the folder on the scanner, unless it started already. */
    public void startScan() {
        if (scanStarted.compareAndSet(false, true)) {
            try {
                scanner.execute(() -> {
                    try {
                        scan();
                        scan.complete(null);
                    } catch (RuntimeException | Error e) {
                        scan.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) { // the scanner was shut down
                scan.completeExceptionally(e);
            }
        }
    }

    /** @return the folder the store lives in */
    public Path root() {
        return root;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        return read(fileOf(key), key);
    }

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        synchronized (lockOf(document.key())) {
            write(List.of(document), true);
        }
        return document;
    }

    /**
     * Writes the documents' temporary files first (with {@link Durability#POWER_LOSS}, each fsynced), then
     * renames them into place and fsyncs each folder once. A document already renamed stays stored when a
     * later one fails.
     */
    @Override
    public List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
        Map<Object, List<ConfigDocument>> byLock = new java.util.LinkedHashMap<>();
        for (ConfigDocument d : documents) {
            byLock.computeIfAbsent(lockOf(d.key()), l -> new ArrayList<>()).add(d);
        }
        Set<Path> folders = new java.util.LinkedHashSet<>();
        for (Map.Entry<Object, List<ConfigDocument>> group : byLock.entrySet()) {
            synchronized (group.getKey()) {
                folders.addAll(write(group.getValue(), false));
            }
        }
        if (fsync) {
            folders.forEach(FileStore::fsyncFolder);
        }
        return List.copyOf(documents);
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        synchronized (lockOf(key)) {
            ConfigDocument tombstone = read(fileOf(key), key).map(d -> d.asTombstone(deletedAt))
                    .orElseGet(() -> ConfigDocument.tombstone(key, deletedAt, deletedAt));
            write(List.of(tombstone), true);
            return tombstone;
        }
    }

    /**
     * Writes documents of keys whose locks are held: temporary files, then renames, then (when asked) the
     * folders are fsynced.
     *
     * @return the folders written into
     */
    private Set<Path> write(List<ConfigDocument> documents, boolean syncFolders) throws StorageException {
        List<Path[]> renames = new ArrayList<>(documents.size()); // {temp, file}
        Set<Path> folders = new java.util.LinkedHashSet<>();
        int renamed = 0;
        ConfigKey current = null;
        try {
            for (ConfigDocument document : documents) {
                current = document.key();
                Path file = fileOf(document.key());
                Path folder = file.getParent();
                Path temp = folder.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                        + TEMP_SUFFIX);
                if (!folders.contains(folder) && !Files.isDirectory(folder)) {
                    Files.createDirectories(folder);
                    if (fsync) {
                        fsyncFolder(root);
                    }
                }
                renames.add(new Path[] { temp, file });
                folders.add(folder);
                byte[] bytes = WRITER.writeValueAsBytes(document);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    if (fsync) {
                        channel.force(true);
                    }
                }
            }
            for (Path[] move : renames) {
                current = documents.get(renamed).key();
                try {
                    Files.move(move[0], move[1], StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the file system of " + root + " cannot rename files atomically", e);
                }
                renamed++;
                unreadable.remove(move[1]);
                changeLog.record(documents.get(renamed - 1).key());
            }
            if (fsync && syncFolders) {
                folders.forEach(FileStore::fsyncFolder);
            }
            return folders;
        } catch (IOException e) {
            for (int i = renamed; i < renames.size(); i++) {
                deleteQuietly(renames.get(i)[0]);
            }
            throw new StorageException("Could not write " + current + " to the backup folder " + root + ": " + e
                    + ". Check free space and permissions.", true, e);
        }
    }

    /** Makes a rename or a new file in a folder durable; not every platform can (Windows cannot). */
    private static void fsyncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The platform does not support syncing a folder; the file itself was synced.
        }
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        Set<String> types = new TreeSet<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path folder : folders) {
                String type = folder.getFileName().toString();
                if (isType(type) && hasConfigFile(folder)) {
                    types.add(type);
                }
            }
        } catch (IOException e) {
            throw unreadableFolder(root, e);
        }
        return types;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        ConfigKey.validateType(type);
        Path folder = root.resolve(type);
        List<ConfigKey> keys = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return keys;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, FileStore::isConfigFile)) {
            for (Path file : files) {
                if (!unreadable.containsKey(file)) {
                    keyOf(type, file).ifPresent(keys::add);
                }
            }
        } catch (IOException e) {
            throw unreadableFolder(folder, e);
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        ChangeLog.checkLimit(limit);
        startScan();
        awaitScan();
        ChangeLog.Page page = changeLog.page(cursor, limit);
        List<ConfigDocument> documents = new ArrayList<>(page.keys().size());
        for (ConfigKey key : page.keys()) {
            read(fileOf(key), key).ifPresent(documents::add);
        }
        return new Changes(documents, page.nextCursor(), page.hasMore());
    }

    @Override
    public TierHealth health() {
        if (!folderUsable()) {
            return TierHealth.down("The backup folder " + root + " is missing or not writable.");
        }
        if (!unreadable.isEmpty()) {
            Map.Entry<Path, String> first = unreadable.entrySet().iterator().next();
            return TierHealth.degraded(unreadable.size() + " backup file(s) could not be read and are skipped (left"
                    + " untouched on disk), e.g. " + first.getKey() + ": " + first.getValue()
                    + ". Fix or remove them; the other tiers still hold these configs.");
        }
        return TierHealth.up();
    }

    /**
     * @return whether the folder is there and writable, as found at most {@value #FOLDER_CHECK_MILLIS} ms ago
     *         (health is asked before every read and write; two file system calls each time add up)
     */
    private boolean folderUsable() {
        long now = System.nanoTime();
        if (now - folderCheckedAt > FOLDER_CHECK_MILLIS * 1_000_000L) {
            folderUsable = Files.isDirectory(root) && Files.isWritable(root);
            folderCheckedAt = now;
        }
        return folderUsable;
    }

    /** @return the files skipped as unreadable, with the reason for each */
    public Map<Path, String> unreadableFiles() {
        return Map.copyOf(unreadable);
    }

    /** Starts the scan if it has not started, and waits until it is complete (reads do not need it). */
    public void awaitScan() throws StorageException {
        startScan();
        try {
            scan.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while the backup folder " + root + " was being scanned", true, e);
        } catch (ExecutionException e) {
            throw new StorageException("The backup folder " + root + " could not be scanned: " + e.getCause(), true, e);
        }
    }

    /** Cancels the opening scan if it still runs. */
    public void close() {
        scan.cancel(false);
    }

    private void scan() {
        long started = System.nanoTime();
        int loaded = 0;
        List<ConfigDocument> found = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path folder : folders) {
                String type = folder.getFileName().toString();
                if (!isType(type)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                    for (Path file : files) {
                        if (isConfigFile(file)) {
                            Optional<ConfigKey> key = keyOf(type, file);
                            if (key.isPresent()) {
                                read(file, key.get()).ifPresent(found::add);
                            }
                        } else if (isStaleTemp(file)) {
                            // A write that a crash interrupted before its rename: never acknowledged, never data.
                            deleteQuietly(file);
                        }
                    }
                }
            }
        } catch (IOException | StorageException e) {
            LOG.warn("The backup folder {} could not be scanned completely: {}", root, e.toString());
        }
        found.sort(Comparator.comparing(ConfigDocument::updatedAt));
        for (ConfigDocument document : found) {
            changeLog.record(document.key());
            loaded++;
        }
        LOG.info("Backup folder {} scanned: {} configs, {} unreadable file(s), {} ms", root, loaded, unreadable.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    private boolean isStaleTemp(Path file) {
        String n = file.getFileName().toString();
        if (!n.startsWith(".") || !n.endsWith(TEMP_SUFFIX)) {
            return false;
        }
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(openedAt.minusSeconds(1));
        } catch (IOException e) {
            return false;
        }
    }

    /** The key of a config file: from its name, or from its content when the name is hashed. */
    private Optional<ConfigKey> keyOf(String type, Path file) throws StorageException {
        String fileName = file.getFileName().toString();
        Optional<String> id = FileNames.decode(fileName);
        if (id.isPresent()) {
            try {
                return Optional.of(new ConfigKey(type, id.get()));
            } catch (ConfigValidationException e) {
                skip(file, "its name is not a valid config id (" + e.getMessage() + ")");
                return Optional.empty();
            }
        }
        if (FileNames.hashed(fileName)) {
            Optional<ConfigDocument> document = readAny(file);
            if (document.isPresent() && document.get().type().equals(type)
                    && fileOf(document.get().key()).equals(file)) {
                return Optional.of(document.get().key());
            }
            if (document.isPresent()) {
                skip(file, "it holds " + document.get().key() + ", which belongs in another file");
            }
            return Optional.empty();
        }
        skip(file, "its name was not made by Streamkit");
        return Optional.empty();
    }

    /** Reads the document of a key from its file; a missing file is empty, a bad one is skipped. */
    private Optional<ConfigDocument> read(Path file, ConfigKey key) throws StorageException {
        Optional<ConfigDocument> document = readAny(file);
        if (document.isPresent() && !document.get().key().equals(key)) {
            skip(file, "it holds " + document.get().key() + " instead of " + key);
            return Optional.empty();
        }
        return document;
    }

    private Optional<ConfigDocument> readAny(Path file) throws StorageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("Could not read the backup file " + file + ": " + e, true, e);
        }
        if (bytes.length == 0) {
            skip(file, "it is empty");
            return Optional.empty();
        }
        try {
            ConfigDocument document = READER.readValue(bytes);
            unreadable.remove(file);
            return Optional.of(document);
        } catch (IOException | RuntimeException e) {
            skip(file, "it is not a valid config document (" + firstLine(e.getMessage()) + ")");
            return Optional.empty();
        }
    }

    private void skip(Path file, String reason) {
        if (unreadable.put(file, reason) == null) {
            LOG.warn("Skipping backup file {}: {}. It is left untouched.", file, reason);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private Path fileOf(ConfigKey key) {
        return root.resolve(key.type()).resolve(FileNames.encode(key.id()));
    }

    private Object lockOf(ConfigKey key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    private static boolean isType(String folderName) {
        try {
            ConfigKey.validateType(folderName);
            return true;
        } catch (ConfigValidationException e) {
            return false;
        }
    }

    private static boolean isConfigFile(Path file) {
        String n = file.getFileName().toString();
        return !n.startsWith(".") && n.endsWith(FileNames.EXTENSION) && Files.isRegularFile(file);
    }

    private static boolean hasConfigFile(Path folder) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, FileStore::isConfigFile)) {
            return files.iterator().hasNext();
        }
    }

    private static StorageException unreadableFolder(Path folder, IOException e) {
        return new StorageException("Could not list the backup folder " + folder + ": " + e, true, e);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", file, e.toString());
        }
    }
}
