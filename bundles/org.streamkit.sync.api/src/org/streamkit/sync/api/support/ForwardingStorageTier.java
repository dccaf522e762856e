package org.streamkit.sync.api.support;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;

/**
 * A {@link StorageTier} that hands every call to another: the base of the tier components, which keep
 * their OSGi wiring and leave the storing to a plain class that tests can build on its own.
 *
 * @since 0.1
 */
public abstract class ForwardingStorageTier implements StorageTier {

    /**
     * @return the tier to hand calls to
     * @throws StorageException when there is none now (for example a store that could not be opened),
     *                          with the reason
     */
    protected abstract StorageTier delegate() throws StorageException;

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        return delegate().get(key);
    }

    @Override
    public ConfigDocument put(ConfigDocument document) throws StorageException {
        return delegate().put(document);
    }

    @Override
    public List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
        return delegate().putAll(documents);
    }

    @Override
    public List<ConfigDocument> documents(String type) throws StorageException {
        return delegate().documents(type);
    }

    @Override
    public ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException {
        return delegate().delete(key, deletedAt);
    }

    @Override
    public Set<String> listTypes() throws StorageException {
        return delegate().listTypes();
    }

    @Override
    public List<ConfigKey> listKeys(String type) throws StorageException {
        return delegate().listKeys(type);
    }

    @Override
    public Changes changedSince(String cursor, int limit) throws StorageException {
        return delegate().changedSince(cursor, limit);
    }

    /** The delegate's health, or {@code DOWN} with the reason there is none. */
    @Override
    public TierHealth health() {
        try {
            return delegate().health();
        } catch (StorageException e) {
            return TierHealth.down(e.getMessage());
        }
    }
}
