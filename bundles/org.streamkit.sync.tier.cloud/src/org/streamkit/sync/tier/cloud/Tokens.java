package org.streamkit.sync.tier.cloud;

/**
 * Where the cloud tier keeps the user's tokens. The product keeps them in Eclipse Secure Storage
 * ({@link SecureStorageTokens}); nothing else ever sees them (not logs, not files, not exceptions).
 */
public interface Tokens {

    /** @return the access token (a JWT), or null when the user has not signed in */
    String accessToken();

    /** @return the refresh token, or null */
    String refreshToken();

    /** Replaces the tokens after a refresh. */
    void update(String accessToken, String refreshToken);
}
