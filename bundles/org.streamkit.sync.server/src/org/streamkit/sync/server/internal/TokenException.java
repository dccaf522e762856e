package org.streamkit.sync.server.internal;

/**
 * A token was refused. The message says why and what to do; it never contains the token and is safe
 * to return to the client.
 */
public final class TokenException extends Exception {

    private static final long serialVersionUID = 1L;

    public TokenException(String message) {
        super(message);
    }
}
