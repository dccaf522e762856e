package org.streamkit.sync.api;

import java.util.Objects;

/**
 * What {@link SyncCoordinator#restoreCheckpoint} did.
 *
 * @param restored the checkpoint that was put back
 * @param undo     the checkpoint taken just before, which puts things back as they were before the restore
 * @param changed  configs saved again with the checkpoint's body
 * @param deleted  configs deleted because the checkpoint does not hold them (they were made after it)
 * @since 0.5
 */
public record CheckpointRestore(Checkpoint restored, Checkpoint undo, int changed, int deleted) {

    public CheckpointRestore {
        Objects.requireNonNull(restored, "restored");
        Objects.requireNonNull(undo, "undo");
    }
}
