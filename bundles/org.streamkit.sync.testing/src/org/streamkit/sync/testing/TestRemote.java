package org.streamkit.sync.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConflictException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ChangeLog;

/**
 * A remote tier for tests with the semantics of the local Streamkit API server and its extensions: it keeps
 * every version with the edit's own stamp, keeps tombstones readable, gives each stored version an entity
 * tag of its own and honours conditional writes ({@link StorageTier#ABSENT} and remote versions) with a
 * {@link ConflictException} carrying what it holds, and lists what changed after a cursor. In front of it,
 * a link that can be cut and that fails requests as scripted: before the server applies them, or after (the
 * answer is lost). Several devices may share one {@link Server} through links of their own.
 */
public final class TestRemote implements StorageTier {

    /** What the link does to the next write. */
    public enum Fault {
        /** The request never arrives. */
        DROP,
        /** The write lands but the answer is lost (the client will send it again). */
        LOSE_ACK,
        /** The server says "too many requests, retry after 30 s". */
        RATE_LIMITED,
        /** The server answers 500 before applying the write. */
        SERVER_ERROR,
        /** The server refuses the body for good. */
        REJECT
    }

    /** The server side: what is stored, shared by every link to it. */
    public static final class Server {

        private record Stored(ConfigDocument document, long tag) {
        }

        private final String name;
        private final Map<ConfigKey, Stored> stored = new ConcurrentHashMap<>();
        private final ChangeLog changes;
        private final List<ConfigDocument> accepted = new ArrayList<>();
        private long tags;

        public Server(String name) {
            this.name = name;
            this.changes = new ChangeLog(name);
        }

        /** @return what the server holds for a key (the server's own view: no link, no fault) */
        public synchronized Optional<ConfigDocument> stored(ConfigKey key) {
            Stored s = stored.get(key);
            return s == null ? Optional.empty() : Optional.of(s.document().withRemoteVersion(etag(s)));
        }

        /** Stores a version directly, as another client of the server would. */
        public synchronized ConfigDocument store(ConfigDocument document) {
            Stored s = new Stored(document.withRemoteVersion(null), ++tags);
            stored.put(document.key(), s);
            changes.record(document.key());
            return s.document().withRemoteVersion(etag(s));
        }

        /** @return every write that reached the server through a link, in order */
        public synchronized List<ConfigDocument> accepted() {
            return List.copyOf(accepted);
        }

        /** @return the keys of one type the server holds, tombstones included */
        public synchronized List<ConfigKey> keys(String type) {
            return stored.keySet().stream().filter(k -> k.type().equals(type)).sorted().toList();
        }

        private String etag(Stored s) {
            return '"' + name + "-" + s.tag() + '"';
        }

        private synchronized ConfigDocument write(ConfigDocument document) throws ConflictException {
            Stored current = stored.get(document.key());
            String condition = document.remoteVersion();
            if (ABSENT.equals(condition) && current != null
                    || condition != null && !ABSENT.equals(condition) && (current == null || !condition.equals(etag(current)))) {
                if (current == null) {
                    throw new ConflictException("Precondition failed: nothing stored for " + document.key(),
                            ConfigDocument.tombstone(document.key(), Instant.EPOCH, Instant.EPOCH), null);
                }
                throw new ConflictException("Precondition failed: " + document.key() + " changed",
                        current.document().withRemoteVersion(etag(current)), null);
            }
            ConfigDocument written = store(document);
            accepted.add(written.withRemoteVersion(null));
            return written;
        }

        private synchronized Changes changedSince(String cursor, int limit) {
            ChangeLog.Page page = changes.page(cursor, limit);
            return new Changes(page.keys().stream().map(k -> {
                Stored s = stored.get(k);
                return s.document().withRemoteVersion(etag(s));
            }).toList(), page.nextCursor(), page.hasMore());
        }
    }

    private final String name;
    private final Server server;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Set<String> refusedIds = ConcurrentHashMap.newKeySet();
    private volatile boolean partitioned;

    /** A link named {@code name} to a server of its own. */
    public TestRemote(String name) {
        this(name, new Server(name + "-server"));
    }

    /** A link named {@code name} (the tier name the coordinator sees) to a shared server. */
    public TestRemote(String name, Server server) {
        this.name = name;
        this.server = server;
    }

    public Server server() {
        return server;
    }

    public synchronized TestRemote failNext(Fault... next) {
        faults.addAll(List.of(next));
        return this;
    }

    /** The server refuses (400) every write of a config with this id. */
    public TestRemote refuse(String id) {
        refusedIds.add(id);
        return this;
    }

    public void partition(boolean cut) {
        partitioned = cut;
    }

    /** @return every write that reached the server through any link, in order */
    public List<ConfigDocument> accepted() {
        return server.accepted();
    }

    private void link() throws StorageException {
        if (partitioned) {
            throw new StorageException("The " + name + " server is unreachable", true);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        link();
        return server.stored(key);
    }

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        link();
        Fault fault;
        synchronized (this) {
            fault = faults.poll();
        }
        if (fault == Fault.DROP) {
            throw new StorageException("Connection reset by the " + name + " server", true);
        }
        if (fault == Fault.RATE_LIMITED) {
            throw new StorageException("Too many requests to " + name, true, Duration.ofSeconds(30), null);
        }
        if (fault == Fault.SERVER_ERROR) {
            throw new StorageException("The " + name + " server answered 500", true);
        }
        if (fault == Fault.REJECT || refusedIds.contains(document.id())) {
            throw new StorageException("The " + name + " server refused " + document.key() + " (400)", false);
        }
        ConfigDocument stored = server.write(document);
        if (fault == Fault.LOSE_ACK) {
            throw new StorageException("Timed out waiting for " + name, true);
        }
        return stored;
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        ConfigDocument existing = server.stored(key).orElse(null);
        return put(existing == null ? ConfigDocument.tombstone(key, deletedAt, deletedAt)
                : existing.withRemoteVersion(null).asTombstone(deletedAt));
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        link();
        Set<String> types = new TreeSet<>();
        server.stored.keySet().forEach(k -> types.add(k.type()));
        return types;
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        link();
        ConfigKey.validateType(type);
        return server.keys(type);
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        link();
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        return server.changedSince(cursor, limit);
    }

    @Override
    public TierHealth health() {
        return partitioned ? TierHealth.down("The " + name + " server is unreachable") : TierHealth.up();
    }
}
