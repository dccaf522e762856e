package org.streamkit.sync.tier.cloud;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tokens in an Eclipse Secure Storage node, encrypted at rest. */
public final class SecureStorageTokens implements Tokens {

    /** The node under the secure storage root where Streamkit keeps its cloud tokens. */
    public static final String NODE = "org.streamkit.sync/cloud";
    static final String ACCESS = "accessToken";
    static final String REFRESH = "refreshToken";

    private static final Logger LOG = LoggerFactory.getLogger(SecureStorageTokens.class);

    private final ISecurePreferences node;

    public SecureStorageTokens(ISecurePreferences root) {
        this.node = root.node(NODE);
    }

    @Override
    public String accessToken() {
        return read(ACCESS);
    }

    @Override
    public String refreshToken() {
        return read(REFRESH);
    }

    private String read(String key) {
        try {
            return node.get(key, null);
        } catch (StorageException e) {
            LOG.warn("Eclipse Secure Storage could not be read ({}); sign in again", e.getMessage());
            return null;
        }
    }

    @Override
    public void update(String accessToken, String refreshToken) {
        try {
            node.put(ACCESS, accessToken, true);
            if (refreshToken != null) {
                node.put(REFRESH, refreshToken, true);
            }
            node.flush();
        } catch (StorageException | java.io.IOException e) {
            LOG.warn("The refreshed cloud token could not be saved in Eclipse Secure Storage ({})", e.getMessage());
        }
    }
}
