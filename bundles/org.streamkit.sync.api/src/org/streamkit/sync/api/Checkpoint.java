package org.streamkit.sync.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of every live config on this device, kept locally so that all of them can be put back as they
 * were in one step ({@link SyncCoordinator#restoreCheckpoint}).
 *
 * @param name      its name, unique on the device: the time it was taken, in UTC ({@code 2026-12-07T21-04-05Z})
 * @param createdAt when it was taken
 * @param reason    why: {@link #MANUAL}, {@link #GO_LIVE} or {@link #BEFORE_RESTORE}
 * @param configs   how many live configs it holds
 * @since 0.5
 */
public record Checkpoint(String name, Instant createdAt, String reason, int configs) {

    /** Taken by hand (the view's action, {@code streamkit checkpoint create}). */
    public static final String MANUAL = "manual";
    /** Taken when OBS started streaming or recording. */
    public static final String GO_LIVE = "go-live";
    /** Taken by a restore just before it changed anything, so that the restore can be undone. */
    public static final String BEFORE_RESTORE = "before-restore";

    public Checkpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(reason, "reason");
    }
}
