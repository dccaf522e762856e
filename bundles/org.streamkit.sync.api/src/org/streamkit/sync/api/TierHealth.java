package org.streamkit.sync.api;

import java.time.Instant;
import java.util.Objects;

/**
 * The state of a tier as the user should see it, with a reason that says what happened and what to do.
 *
 * @param status what the tier can do now
 * @param reason a sentence for people; empty when {@link Status#UP}
 * @param since  when the tier entered this status
 * @since 0.1
 */
public record TierHealth(Status status, String reason, Instant since) {

    /** What a tier can do. */
    public enum Status {
        /** Reads and writes work. */
        UP,
        /** It works in part or with problems (for example some files could not be read); see the reason. */
        DEGRADED,
        /** It cannot serve requests now (for example its store is locked or its server unreachable). */
        DOWN
    }

    public TierHealth {
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(since, "since");
    }

    public static TierHealth up() {
        return new TierHealth(Status.UP, "", Instant.now());
    }

    public static TierHealth degraded(String reason) {
        return new TierHealth(Status.DEGRADED, reason, Instant.now());
    }

    public static TierHealth down(String reason) {
        return new TierHealth(Status.DOWN, reason, Instant.now());
    }

    /** @return whether the tier serves requests (up or degraded) */
    public boolean available() {
        return status != Status.DOWN;
    }
}
