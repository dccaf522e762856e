package org.streamkit.sync.tier.cloud;

/** Tokens held in memory, for tests; the product keeps them in Eclipse Secure Storage. */
final class MemoryTokens implements Tokens {

    private volatile String access;
    private volatile String refresh;
    volatile int updates;

    MemoryTokens(String access, String refresh) {
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
}
