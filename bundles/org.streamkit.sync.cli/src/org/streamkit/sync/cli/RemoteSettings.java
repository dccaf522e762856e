package org.streamkit.sync.cli;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.StorageException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.streamkit.sync.api.StorageTier;

/**
 * The remote tiers' settings where their components take them from, as the preference page writes them:
 * Configuration Admin for the cloud tier ({@value #CLOUD_PID}) and the OBS tier ({@value #OBS_PID}), and
 * Eclipse Secure Storage, encrypted, for the cloud token and the OBS password. Declarative Services
 * restarts a component whose configuration changes, so a running instance takes a change at once.
 */
final class RemoteSettings {

    static final String CLOUD_PID = "org.streamkit.sync.tier.cloud";
    static final String OBS_PID = "org.streamkit.sync.tier.obs";
    static final String CLOUD_NODE = "org.streamkit.sync/cloud";
    static final String OBS_NODE = "org.streamkit.sync/obs";
    static final String ACCESS_TOKEN = "accessToken";
    static final String REFRESH_TOKEN = "refreshToken";
    static final String OBS_PASSWORD = "password";
    /** The cloud tier's property naming the sign-in service (empty: the default). */
    static final String AUTH_URL = "authUrl";
    /** Any bundle may take these configurations (a tier bundle can be updated or reinstalled). */
    private static final String ANY_LOCATION = "?";

    private final ConfigurationAdmin admin;
    private final ISecurePreferences secure;

    RemoteSettings(ConfigurationAdmin admin, ISecurePreferences secure) {
        this.admin = admin;
        this.secure = secure;
    }

    /** @return a configuration's properties (empty when there is none) */
    Map<String, Object> read(String pid) throws IOException {
        Configuration c = find(pid);
        Map<String, Object> out = new LinkedHashMap<>();
        Dictionary<String, Object> properties = c == null ? null : c.getProperties();
        if (properties != null) {
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                out.put(key, properties.get(key));
            }
        }
        return out;
    }

    /** Sets properties of a configuration (creating it), keeping the others. */
    void update(String pid, Map<String, Object> values) throws IOException {
        Configuration c = find(pid);
        if (c == null) {
            c = admin.getConfiguration(pid, ANY_LOCATION);
        }
        Hashtable<String, Object> next = new Hashtable<>();
        for (Map.Entry<String, Object> e : read(pid).entrySet()) {
            if (!e.getKey().equals(Constants.SERVICE_PID) && !e.getKey().equals("service.bundleLocation")) {
                next.put(e.getKey(), e.getValue());
            }
        }
        next.putAll(values);
        c.update(next);
    }

    /** @return whether a tier's configuration turns it on (a tier without one is on) */
    static boolean enabled(Map<String, Object> properties) {
        return !StorageTier.turnedOff(properties);
    }

    /** @return whether a secret is saved (its value is never read out here) */
    boolean hasSecret(String node, String key) throws StorageException {
        return secure().node(node).get(key, null) != null;
    }

    /** @return a secret, decrypted, for this process's own use (never printed), or null when none is saved */
    String readSecret(String node, String key) throws StorageException {
        return secure().node(node).get(key, null);
    }

    /** Saves a sign-in (access and refresh token) encrypted, in one flush; a null refresh token removes the old one. */
    void saveSignIn(String accessToken, String refreshToken) throws StorageException, IOException {
        ISecurePreferences preferences = secure().node(CLOUD_NODE);
        preferences.put(ACCESS_TOKEN, accessToken, true);
        if (refreshToken == null) {
            preferences.remove(REFRESH_TOKEN);
        } else {
            preferences.put(REFRESH_TOKEN, refreshToken, true);
        }
        preferences.flush();
    }

    /**
     * Saves a secret encrypted, or removes it when {@code value} is empty.
     *
     * @param alsoRemove keys of the same node that belong to the secret being replaced
     */
    void saveSecret(String node, String key, String value, String... alsoRemove) throws StorageException, IOException {
        ISecurePreferences preferences = secure().node(node);
        if (value.isEmpty()) {
            preferences.remove(key);
        } else {
            preferences.put(key, value, true);
        }
        for (String other : alsoRemove) {
            preferences.remove(other);
        }
        preferences.flush();
    }

    /** @return the Secure Storage root the secrets are kept under */
    ISecurePreferences secureRoot() throws StorageException {
        return secure();
    }

    private ISecurePreferences secure() throws StorageException {
        if (secure == null) {
            throw new StorageException(StorageException.INTERNAL_ERROR,
                    "Eclipse Secure Storage could not be opened, so no secret can be saved or read");
        }
        return secure;
    }

    private Configuration find(String pid) throws IOException {
        try {
            Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            return found == null || found.length == 0 ? null : found[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(pid, e);
        }
    }
}
