package org.streamkit.sync.api;

/**
 * A remote tier refused a write because its copy changed since this device last saw it (for example an
 * HTTP {@code 412} to an {@code If-Match}). It carries the remote's current version, so the coordinator
 * can resolve the conflict instead of retrying blindly.
 *
 * @since 0.1
 */
public class ConflictException extends StorageException {

    private static final long serialVersionUID = 1L;

    private final transient ConfigDocument current;

    public ConflictException(String message, ConfigDocument current, Throwable cause) {
        super(message, false, cause);
        this.current = current;
    }

    /** @return the remote's current version of the config (a tombstone if it was deleted there) */
    public ConfigDocument current() {
        return current;
    }
}
