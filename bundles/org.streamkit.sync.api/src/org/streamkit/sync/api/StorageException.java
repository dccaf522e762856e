package org.streamkit.sync.api;

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

    public StorageException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public StorageException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    /** @return whether repeating the same request later may succeed */
    public boolean retryable() {
        return retryable;
    }
}
