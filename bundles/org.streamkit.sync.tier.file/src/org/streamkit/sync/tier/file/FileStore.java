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
 * A write goes to a temporary file in the same folder, is fsynced, atomically renamed over the old file,
 * and the folder is fsynced where the platform allows: after {@link #put} returns, the file is whole and
 * on disk, and a crash at any moment leaves either the old or the new version, never a torn one.
 * <p>
 * A file that is empty, truncated, invalid or not where its id belongs is skipped with a warning naming
 * it, counted in {@link #health()}, and left untouched; it never stops the other files from loading.
 * {@link #changedSince} is served from a change log filled by one scan of the folder when the store
 * opens (in the background) and by every write after that.
 */
public final class FileStore implements StorageTier {

    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
    private static final ObjectReader READER = ConfigJson.reader().forType(ConfigDocument.class);
    private static final ObjectWriter WRITER = ConfigJson.writer().withDefaultPrettyPrinter();
    private static final String TEMP_SUFFIX = ".tmp";

    private final String name;
    private final Path root;
    private final Instant openedAt = Instant.now();
    private final ChangeLog changeLog;
    private final Object[] locks = new Object[64];
    private final Map<Path, String> unreadable = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> scan;

    private FileStore(String name, Path root, Executor scanner) {
        this.name = name;
        this.root = root;
        this.changeLog = new ChangeLog(name);
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        this.scan = CompletableFuture.runAsync(this::scan, scanner);
    }

    /**
     * Opens (creating if needed) a store in a folder and starts scanning it on {@code scanner}.
     *
     * @throws StorageException when the folder cannot be created or written
     */
    public static FileStore open(String name, Path root, Executor scanner) throws StorageException {
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
        return new FileStore(name, root, scanner);
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
            write(document);
        }
        return document;
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        synchronized (lockOf(key)) {
            ConfigDocument tombstone = read(fileOf(key), key).map(d -> d.asTombstone(deletedAt))
                    .orElseGet(() -> ConfigDocument.tombstone(key, deletedAt, deletedAt));
            write(tombstone);
            return tombstone;
        }
    }

    private void write(ConfigDocument document) throws StorageException {
        Path file = fileOf(document.key());
        Path folder = file.getParent();
        Path temp = folder.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + TEMP_SUFFIX);
        try {
            if (!Files.isDirectory(folder)) {
                Files.createDirectories(folder);
                fsyncFolder(root);
            }
            byte[] bytes = WRITER.writeValueAsBytes(document);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + root + " cannot rename files atomically", e);
            }
            fsyncFolder(folder);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StorageException("Could not write " + document.key() + " to the backup folder " + root + ": " + e
                    + ". Check free space and permissions.", true, e);
        }
        unreadable.remove(file);
        changeLog.record(document.key());
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
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
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

    /** @return the files skipped as unreadable, with the reason for each */
    public Map<Path, String> unreadableFiles() {
        return Map.copyOf(unreadable);
    }

    /** Waits until the opening scan is complete (a test or benchmark hook; reads do not need it). */
    public void awaitScan() throws StorageException {
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
