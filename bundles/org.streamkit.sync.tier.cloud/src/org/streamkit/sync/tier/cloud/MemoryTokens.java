package org.streamkit.sync.tier.cloud;

/**
 * Tokens held in memory only, for a session that must not keep them and for tests; the product keeps them
 * in Eclipse Secure Storage ({@link SecureStorageTokens}).
 */
public final class MemoryTokens implements Tokens {

    private volatile String access;
    private volatile String refresh;
    private volatile int updates;

    /**
     * @param access  the access token, or null
     * @param refresh the refresh token, or null
     */
    public MemoryTokens(String access, String refresh) {
        this.access = access;
        this.refresh = refresh;
    }

    @Override
    public String accessToken() {
        return access;
    }

    @Override
    public String refreshToken() {
        return refresh;
    }

    @Override
    public void update(String accessToken, String refreshToken) {
        access = accessToken;
        if (refreshToken != null) {
            refresh = refreshToken;
        }
        updates++;
    }

    /** @return how many times the tokens were replaced after a refresh */
    public int updates() {
        return updates;
    }
}
