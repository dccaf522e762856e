package org.streamkit.sync.coordinator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncState;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Conflicts and history: the open conflicts and the conflict log, ending a conflict with a new version,
 * and the earlier and losing versions of a config, any of which can be restored as the newest.
 */
final class Conflicts {

    private final SyncContext sync;
    private final LocalWriter writer;
    private final Delivery delivery;

    Conflicts(SyncContext sync, LocalWriter writer, Delivery delivery) {
        this.sync = sync;
        this.writer = writer;
        this.delivery = delivery;
    }

    /** @return the conflicts still open, oldest first */
    List<Conflict> open() {
        List<Conflict> open = new ArrayList<>(sync.store.conflicts(null).stream().filter(Conflict::open).toList());
        open.sort(Comparator.comparing(Conflict::detectedAt));
        return open;
    }

    List<Conflict> log(ConfigKey key) {
        return sync.store.conflicts(key);
    }

    /** Ends a config's open conflicts by saving {@code body} (null: a delete) as a new version that wins everywhere. */
    ConfigDocument resolve(ConfigKey key, ObjectNode body, String resolution) throws StorageException {
        synchronized (sync.lockOf(key)) {
            List<Conflict> open = sync.store.conflicts(key).stream().filter(Conflict::open).toList();
            ConfigDocument saved = writer.saveNewVersion(key, body);
            for (Conflict c : open) {
                sync.store.saveConflict(new Conflict(c.key(), c.tier(), c.mine(), c.theirs(), c.detectedAt(), resolution));
                sync.store.entry(c.tier(), key).ifPresent(e -> sync.store.update(e.holding(false).retryAt(sync.timer.now())));
                sync.events.state(key, c.tier(), SyncState.PENDING, "Resolved: " + resolution);
            }
            delivery.schedule(sync.timer.now());
            return saved;
        }
    }

    List<ConfigDocument> history(ConfigKey key) {
        return sync.store.history(key);
    }

    ConfigDocument restore(ConfigKey key, Instant version) throws StorageException {
        ConfigDocument old = sync.store.history(key).stream().filter(d -> d.updatedAt().equals(version)).findFirst()
                .orElseThrow(() -> new StorageException("No version of " + key + " from " + version + " is in its history", false));
        return writer.saveNewVersion(key, old.deleted() ? null : old.body());
    }
}
