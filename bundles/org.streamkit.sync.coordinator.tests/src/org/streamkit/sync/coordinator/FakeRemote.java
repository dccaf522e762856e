package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * A remote tier for tests: a store (possibly shared by several devices) behind a link that can be cut,
 * can fail writes as scripted (before or after applying them), and can stamp writes with a server clock.
 */
final class FakeRemote implements StorageTier {

    /** What the link does to the next write. */
    enum Fault {
        /** The request never arrives. */
        DROP,
        /** The write lands but the acknowledgement is lost (the client will send it again). */
        LOSE_ACK,
        /** The server says "too many requests, retry after 30 s". */
        RATE_LIMITED,
        /** The server refuses the body for good. */
        REJECT
    }

    private final String name;
    private final MemoryStore server;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<ConfigDocument> accepted = new ArrayList<>();
    private volatile boolean partitioned;
    private Supplier<Instant> serverClock;

    FakeRemote(String name, MemoryStore server) {
        this.name = name;
        this.server = server;
    }

    /** Every later write is stamped by this clock, as the deployed API does. */
    FakeRemote stampingWith(Supplier<Instant> clock) {
        this.serverClock = clock;
        return this;
    }

    synchronized FakeRemote failNext(Fault... next) {
        faults.addAll(List.of(next));
        return this;
    }

    void partition(boolean cut) {
        partitioned = cut;
    }

    /** @return every write that reached the server, in order */
    synchronized List<ConfigDocument> accepted() {
        return List.copyOf(accepted);
    }

    Coordinator.Tier asTier(int ranking, Duration debounce) {
        return new Coordinator.Tier(this, name, ranking, System.identityHashCode(this), true, debounce);
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
        return server.get(key);
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
        if (fault == Fault.REJECT) {
            throw new StorageException("The " + name + " server refused " + document.key() + " (400)", false);
        }
        ConfigDocument stored = document;
        if (serverClock != null) {
            Instant t = serverClock.get();
            stored = document.withTimes(document.createdAt(), t);
        }
        synchronized (this) {
            server.put(stored);
            accepted.add(stored);
        }
        if (fault == Fault.LOSE_ACK) {
            throw new StorageException("Timed out waiting for " + name, true);
        }
        return stored;
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        link();
        return server.delete(key, deletedAt);
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        link();
        return server.listTypes();
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        link();
        return server.listKeys(type);
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        link();
        return server.changedSince(cursor, limit);
    }

    @Override
    public TierHealth health() {
        return partitioned ? TierHealth.down("The " + name + " server is unreachable") : TierHealth.up();
    }
}
