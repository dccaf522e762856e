package org.streamkit.sync.api;

import java.time.Instant;

/**
 * Two versions of one config made independently: this device's and a remote tier's.
 *
 * @param key        the config
 * @param tier       the remote tier the other version came from
 * @param mine       this device's version
 * @param theirs     the remote's version
 * @param detectedAt when the coordinator saw it
 * @param resolution how it ended: empty while open, else {@code "mine"}, {@code "theirs"} or
 *                   {@code "merged"}, with {@code "auto:"} in front when last-write-wins decided
 * @since 0.1
 */
public record Conflict(ConfigKey key, String tier, ConfigDocument mine, ConfigDocument theirs, Instant detectedAt,
        String resolution) {

    /** @return whether a person still has to choose */
    public boolean open() {
        return resolution == null || resolution.isEmpty();
    }
}
