package org.streamkit.sync.api;

import java.time.Duration;
import java.util.Optional;

/**
 * A tier could not carry out a request. The message names the tier and, where known, the config, and
 * says what to do. {@link #retryable()} tells whether the same request may succeed later (an unreachable
 * server, a locked store) or never will (a rejected body).
 *
 * @since 0.1
 */
public class StorageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;
    private final Duration retryAfter;

    public StorageException(String message, boolean retryable, Throwable cause) {
        this(message, retryable, null, cause);
    }

    /**
     * @param retryAfter how long the tier asked callers to wait before retrying (for example an HTTP
     *                   {@code Retry-After}), or {@code null}
     */
    public StorageException(String message, boolean retryable, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public StorageException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    /** @return whether repeating the same request later may succeed */
    public boolean retryable() {
        return retryable;
    }

    /** @return how long the tier asked to wait before a retry, when it said */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
