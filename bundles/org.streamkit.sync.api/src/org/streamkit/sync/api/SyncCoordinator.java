package org.streamkit.sync.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one entry point for reading and writing configs. It composes the registered {@link StorageTier}s by
 * ranking: reads fall back from the highest tier to the lowest and refill the tiers above the one that
 * answered; writes go to every local tier before they return and reach remote tiers through a durable,
 * debounced outbox. Conflicts are resolved last-write-wins (or left open for a person, by policy); the
 * losing version always stays in the config's history. Nothing is ever deleted because it is missing
 * somewhere: only a tombstone deletes.
 *
 * @since 0.1
 */
public interface SyncCoordinator {

    /** @return the config if it exists and is not deleted; reads never wait for a remote that local tiers can answer */
    Optional<ConfigDocument> get(ConfigKey key) throws StorageException;

    /** @return the config or its tombstone, as the highest tier that knows it has it */
    Optional<ConfigDocument> getIncludingDeleted(ConfigKey key) throws StorageException;

    /**
     * @return the live configs of a type, merged last-write-wins, in key order: the local tiers' configs,
     *         and those only a reachable remote tier holds yet (read in parallel); never waits on a failure
     */
    List<ConfigDocument> list(String type) throws StorageException;

    /** @return every type the local tiers hold */
    Set<String> types() throws StorageException;

    /**
     * Saves a config: validates it, stamps it, writes every local tier and queues it for the remote tiers.
     * Returns once the local write and the outbox entry are durable.
     *
     * @throws ConfigValidationException for a body that is not acceptable; nothing is written
     * @throws StorageException          when no local tier could store it
     */
    ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException;

    /** Deletes a config (a tombstone, written and queued like {@link #put}). */
    ConfigDocument delete(ConfigKey key) throws StorageException;

    /**
     * Takes a version made elsewhere (a config from a backup) as it is, with its own stamp, under the same
     * last-write-wins rule as everything else: it is saved here and queued for the remote tiers only when it
     * is newer than this device's version, and a remote that holds a newer one keeps it.
     *
     * @return whether the version was taken
     * @since 0.2
     */
    boolean importVersion(ConfigDocument version) throws StorageException;

    /**
     * Takes many versions made elsewhere (a backup) as {@link #importVersion} takes each, committed in
     * batches: far fewer commits, the same rule, except that a version with this device's content (the same
     * body, or both deleted) is not taken, since nothing would change. When it returns, every version it
     * names is as durable as an acknowledged {@link #put}; when it throws, the versions taken before the
     * failure stay taken.
     *
     * @param versions the versions, at most one per key (for a key given twice, the newer counts)
     * @return the keys whose version was taken (newer than this device's), in the order given
     * @since 0.4
     */
    default List<ConfigKey> importVersions(List<ConfigDocument> versions) throws StorageException {
        List<ConfigKey> taken = new ArrayList<>();
        for (ConfigDocument v : versions) {
            ConfigDocument here = getIncludingDeleted(v.key()).orElse(null);
            if (!v.sameContent(here) && importVersion(v)) {
                taken.add(v.key());
            }
        }
        return taken;
    }

    /** Pulls what changed from every available remote tier and delivers every due outbox entry now. */
    void syncNow();

    /** @return the tiers, the outbox and the metrics now */
    SyncStatus status();

    /** @return where one config stands with one tier */
    SyncState state(ConfigKey key, String tier);

    /** @return the outbox, oldest first */
    List<PendingWrite> outbox();

    /** Tries a pending or failed outbox entry again now. */
    void retry(ConfigKey key, String tier);

    /** Drops an outbox entry: that change will not be sent to that tier (the local copy stays). */
    void discard(ConfigKey key, String tier);

    /**
     * Turns "work offline" on or off. While it is on, the coordinator leaves the remote tiers alone: it
     * neither sends nor pulls, reads and listings ask only the local tiers, and edits are saved locally and
     * wait in the outbox (their state is {@link SyncState#OFFLINE}). Turning it off pulls from every remote
     * tier and delivers what is due. The choice is kept across restarts.
     */
    void workOffline(boolean offline);

    /** @return whether "work offline" is on (see {@link #workOffline(boolean)}) */
    boolean workingOffline();

    /** @return conflicts still open (policy "ask"), oldest first */
    List<Conflict> conflicts();

    /** @return every conflict recorded for a config, resolved ones included, newest first */
    List<Conflict> conflictLog(ConfigKey key);

    /**
     * Ends an open conflict by saving {@code body} as a new version (mine, theirs, or a merge of both).
     *
     * @param resolution {@code "mine"}, {@code "theirs"} or {@code "merged"}
     */
    ConfigDocument resolve(ConfigKey key, ObjectNode body, String resolution) throws StorageException;

    /** @return earlier and losing versions of a config, newest first (at most the configured depth) */
    List<ConfigDocument> history(ConfigKey key);

    /** Saves an earlier version (as listed by {@link #history}) as the newest. */
    ConfigDocument restore(ConfigKey key, Instant version) throws StorageException;

    /** Compares every tier by key and stamp, reports the differences, and repairs stale copies if asked. */
    AuditReport audit(boolean repair);

    /**
     * Takes a checkpoint of every live config this device holds (its local tiers), kept in its sync state.
     * Only the newest checkpoints are kept (a setting); the oldest go first.
     *
     * @param reason {@link Checkpoint#MANUAL} or {@link Checkpoint#GO_LIVE}
     * @since 0.5
     */
    Checkpoint createCheckpoint(String reason) throws StorageException;

    /**
     * @return the checkpoints kept, newest first
     * @since 0.5
     */
    List<Checkpoint> checkpoints();

    /**
     * Puts every config back as a checkpoint holds it, as new versions (which reach every remote like an edit):
     * a config whose body differs gets the checkpoint's body, one deleted since is brought back, and one made
     * since is deleted. A checkpoint of the state before is taken first, so restoring that one undoes it.
     *
     * @throws StorageException when there is no checkpoint of that name (nothing changes then)
     * @since 0.5
     */
    CheckpointRestore restoreCheckpoint(String name) throws StorageException;

    /**
     * @return the writes held while a remote tier is on air (OBS streaming or recording): versions from other
     *         devices or remotes that would change what the overlays show; they go when it is off air, or when
     *         applied ({@link #applyHeld}). Edits on this device are never held.
     * @since 0.5
     */
    List<PendingWrite> heldWhileLive();

    /**
     * Sends held writes now, though the tier is still on air.
     *
     * @param key the config whose held writes go, or null for every held write
     * @return how many were released
     * @since 0.5
     */
    int applyHeld(ConfigKey key);

    /**
     * Keeps a config on this machine only, or lets it sync again. Kept here, it is neither sent to nor taken
     * from any remote tier (what a remote already holds of it stays there); let go, it is sent to every remote
     * tier that syncs its type.
     *
     * @since 0.5
     */
    void machineOnly(ConfigKey key, boolean only) throws StorageException;

    /**
     * @return the configs kept on this machine only
     * @since 0.5
     */
    Set<ConfigKey> machineOnly();
}
