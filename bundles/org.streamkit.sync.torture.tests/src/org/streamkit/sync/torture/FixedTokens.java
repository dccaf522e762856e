package org.streamkit.sync.torture;

import org.streamkit.sync.tier.cloud.Tokens;

/** A signed-in user's tokens, held in memory for a test. */
final class FixedTokens implements Tokens {

    private volatile String access;

    FixedTokens(String access) {
        this.access = access;
    }

    @Override
    public String accessToken() {
        return access;
    }

    @Override
    public String refreshToken() {
        return null;
    }

    @Override
    public void update(String accessToken, String refreshToken) {
        access = accessToken;
    }
}
