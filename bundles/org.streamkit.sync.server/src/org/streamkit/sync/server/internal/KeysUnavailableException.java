package org.streamkit.sync.server.internal;

/** The configured JWKS could not be read, so a token signed by one of its keys cannot be checked now. */
public final class KeysUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeysUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
