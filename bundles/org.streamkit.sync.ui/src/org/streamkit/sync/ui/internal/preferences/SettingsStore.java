package org.streamkit.sync.ui.internal.preferences;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.StorageException;
import org.eclipse.osgi.util.NLS;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Reads and writes {@link SyncSettings} where the components take them from: Configuration Admin for the
 * sync coordinator ({@value #COORDINATOR_PID}), the cloud tier ({@value #CLOUD_PID}) and the OBS tier
 * ({@value #OBS_PID}), and Eclipse Secure Storage, encrypted, for the cloud token and the OBS password. A
 * tier turned off keeps its configuration, marked {@link StorageTier#ENABLED} false.
 * Declarative Services restarts a component whose configuration changes, so what is saved applies at
 * once, without restarting the workbench. Only what changed is written, so a component whose settings
 * stay the same keeps running; values left at a component's default are not written at all.
 */
public final class SettingsStore {

    /** The sync coordinator's configuration. */
    public static final String COORDINATOR_PID = "org.streamkit.sync.coordinator"; //$NON-NLS-1$
    /** The cloud tier's configuration; the tier exists only once it holds a URL. */
    public static final String CLOUD_PID = "org.streamkit.sync.tier.cloud"; //$NON-NLS-1$
    /** The OBS tier's configuration (optional: without it the tier connects to this machine). */
    public static final String OBS_PID = "org.streamkit.sync.tier.obs"; //$NON-NLS-1$
    /** The Secure Storage node of the cloud tokens, as the cloud tier reads them. */
    public static final String CLOUD_NODE = "org.streamkit.sync/cloud"; //$NON-NLS-1$
    public static final String ACCESS_TOKEN = "accessToken"; //$NON-NLS-1$
    public static final String REFRESH_TOKEN = "refreshToken"; //$NON-NLS-1$
    /** The Secure Storage node of the OBS WebSocket password, as the OBS tier reads it. */
    public static final String OBS_NODE = "org.streamkit.sync/obs"; //$NON-NLS-1$
    public static final String OBS_PASSWORD = "password"; //$NON-NLS-1$

    static final String URL = "url"; //$NON-NLS-1$
    static final String HOST = "host"; //$NON-NLS-1$
    static final String PORT = "port"; //$NON-NLS-1$
    static final String CONFLICT_POLICY = "conflictPolicy"; //$NON-NLS-1$
    static final String HISTORY_DEPTH = "historyDepth"; //$NON-NLS-1$
    static final String PERIODIC_SYNC = "periodicSyncMinutes"; //$NON-NLS-1$
    static final String HOLD_WHILE_LIVE = "holdWhileLive"; //$NON-NLS-1$
    /** The config types a remote tier syncs (see {@link StorageTier#SYNC_TYPES}). */
    static final String SYNC_TYPES = StorageTier.SYNC_TYPES;
    static final String CHECKPOINTS_KEPT = "checkpointsKept"; //$NON-NLS-1$
    static final String ASK = "ask"; //$NON-NLS-1$
    static final String AUTOMATIC = "automatic"; //$NON-NLS-1$
    /**
     * Configuration properties become the component's service properties, so this one sets the debounce
     * the coordinator reads from the tier's registration.
     */
    static final String DEBOUNCE = StorageTier.DEBOUNCE_MS;
    /** Turns a tier off while keeping its settings (see {@link StorageTier#ENABLED}). */
    static final String ENABLED = StorageTier.ENABLED;
    /** Any bundle may take these configurations (a tier bundle can be updated or reinstalled). */
    private static final String ANY_LOCATION = "?"; //$NON-NLS-1$

    /**
     * The settings read, and a warning when part of them could not be read.
     *
     * @param settings what is in force (defaults where nothing is configured)
     * @param warning  null, or what could not be read and what saving does about it
     */
    public record Loaded(SyncSettings settings, String warning) {
    }

    private final ConfigurationAdmin admin;
    private final ISecurePreferences secure;

    /**
     * @param admin  Configuration Admin
     * @param secure the root of Eclipse Secure Storage, or null when it cannot be opened
     */
    public SettingsStore(ConfigurationAdmin admin, ISecurePreferences secure) {
        this.admin = Objects.requireNonNull(admin);
        this.secure = secure;
    }

    /** Reads the settings in force. */
    public Loaded load() throws IOException {
        SyncSettings d = SyncSettings.DEFAULTS;
        Dictionary<String, Object> cloud = properties(CLOUD_PID);
        Dictionary<String, Object> obs = properties(OBS_PID);
        Dictionary<String, Object> sync = properties(COORDINATOR_PID);
        List<String> problems = new ArrayList<>();
        String token = secret(CLOUD_NODE, ACCESS_TOKEN, problems);
        String password = secret(OBS_NODE, OBS_PASSWORD, problems);
        String url = text(cloud, URL, d.cloudUrl());
        SyncSettings settings = new SyncSettings(!url.isBlank() && enabled(cloud), url, token,
                number(cloud, DEBOUNCE, d.cloudDebounceMs()), enabled(obs), text(obs, HOST, d.obsHost()),
                (int) number(obs, PORT, d.obsPort()), password, number(obs, DEBOUNCE, d.obsDebounceMs()),
                ASK.equalsIgnoreCase(text(sync, CONFLICT_POLICY, AUTOMATIC)),
                (int) number(sync, HISTORY_DEPTH, d.historyDepth()),
                (int) number(sync, PERIODIC_SYNC, d.periodicSyncMinutes()),
                Boolean.parseBoolean(text(sync, HOLD_WHILE_LIVE, Boolean.toString(d.holdWhileLive()))),
                (int) number(sync, CHECKPOINTS_KEPT, d.checkpointsKept()), types(cloud), types(obs));
        return new Loaded(settings, problems.isEmpty() ? null : String.join(" ", problems)); //$NON-NLS-1$
    }

    /** @return whether the cloud or OBS tier has a configuration (set by the preference page or the command line) */
    public boolean tiersConfigured() throws IOException {
        return find(CLOUD_PID) != null || find(OBS_PID) != null;
    }

    /** @return the sign-in service set for the cloud tier ({@code authUrl}), or empty for its default */
    public String authUrl() throws IOException {
        Dictionary<String, Object> cloud = properties(CLOUD_PID);
        return text(cloud, "authUrl", ""); //$NON-NLS-1$ //$NON-NLS-2$
    }

    /** @return the access token of the sign-in saved in Secure Storage, or null */
    public String accessToken() throws StorageException {
        return secure().node(CLOUD_NODE).get(ACCESS_TOKEN, null);
    }

    /** Forgets the sign-in at once: both tokens, in one flush. */
    public void removeSignIn() throws StorageException, IOException {
        ISecurePreferences node = secure().node(CLOUD_NODE);
        node.remove(ACCESS_TOKEN);
        node.remove(REFRESH_TOKEN);
        node.flush();
    }

    /** Saves a sign-in at once, both tokens in one flush (a null refresh token removes the old one). */
    public void saveSignIn(String accessToken, String refreshToken) throws StorageException, IOException {
        ISecurePreferences node = secure().node(CLOUD_NODE);
        // The refresh token first: whoever reads the new access token (the cloud tier) finds its refresh token too.
        if (refreshToken == null) {
            node.remove(REFRESH_TOKEN);
        } else {
            node.put(REFRESH_TOKEN, refreshToken, true);
        }
        node.put(ACCESS_TOKEN, accessToken, true);
        node.flush();
    }

    /**
     * Writes what differs between {@code before} (as loaded) and {@code after}: the secrets first, so a
     * tier that restarts with its new configuration finds them.
     *
     * @return what was written: Secure Storage nodes and configuration PIDs, in order
     * @throws IOException      when Configuration Admin cannot store a configuration
     * @throws StorageException when Secure Storage cannot store a secret
     */
    public List<String> save(SyncSettings before, SyncSettings after) throws IOException, StorageException {
        List<String> written = new ArrayList<>();
        // A pasted token comes without a refresh token; an old one belongs to the sign-in it replaces.
        if (saveSecret(CLOUD_NODE, ACCESS_TOKEN, before.cloudToken(), after.cloudToken(), REFRESH_TOKEN)) {
            written.add(CLOUD_NODE);
        }
        boolean newPassword = saveSecret(OBS_NODE, OBS_PASSWORD, before.obsPassword(), after.obsPassword());
        if (newPassword) {
            written.add(OBS_NODE);
        }

        SyncSettings d = SyncSettings.DEFAULTS;
        // Turned off, a tier keeps its configuration (the URL stays for the day it is turned on again) and
        // registers as off, so the coordinator drops what waited for it. Never configured, it stays absent.
        Map<String, Object> cloudValues = values(DEBOUNCE, after.cloudDebounceMs(), ENABLED, after.cloudEnabled(), SYNC_TYPES,
                after.cloudSyncTypes());
        if (!after.cloudUrl().isEmpty()) {
            cloudValues.put(URL, after.cloudUrl());
        }
        if ((after.cloudEnabled() || !after.cloudUrl().isEmpty() || find(CLOUD_PID) != null)
                && update(CLOUD_PID, cloudValues, values(DEBOUNCE, d.cloudDebounceMs(), ENABLED, true, SYNC_TYPES, ""), false)) { //$NON-NLS-1$
            written.add(CLOUD_PID);
        }
        // The OBS tier reads its password when it connects: a new password restarts it, so it connects again.
        if (update(OBS_PID,
                values(HOST, after.obsHost(), PORT, after.obsPort(), DEBOUNCE, after.obsDebounceMs(), ENABLED,
                        after.obsEnabled(), SYNC_TYPES, after.obsSyncTypes()),
                values(HOST, d.obsHost(), PORT, d.obsPort(), DEBOUNCE, d.obsDebounceMs(), ENABLED, true, SYNC_TYPES, ""), //$NON-NLS-1$
                newPassword && after.obsEnabled())) {
            written.add(OBS_PID);
        }
        if (update(COORDINATOR_PID,
                values(CONFLICT_POLICY, after.askOnConflict() ? ASK : AUTOMATIC, HISTORY_DEPTH, after.historyDepth(),
                        PERIODIC_SYNC, after.periodicSyncMinutes(), HOLD_WHILE_LIVE, after.holdWhileLive(), CHECKPOINTS_KEPT,
                        after.checkpointsKept()),
                values(CONFLICT_POLICY, AUTOMATIC, HISTORY_DEPTH, d.historyDepth(), PERIODIC_SYNC,
                        d.periodicSyncMinutes(), HOLD_WHILE_LIVE, d.holdWhileLive(), CHECKPOINTS_KEPT, d.checkpointsKept()),
                false)) {
            written.add(COORDINATOR_PID);
        }
        return written;
    }

    // ---------------------------------------------------------------------------------- Secure Storage

    private ISecurePreferences secure() throws StorageException {
        if (secure == null) {
            throw new StorageException(StorageException.INTERNAL_ERROR, Messages.Prefs_noSecureStorage);
        }
        return secure;
    }

    private String secret(String node, String key, List<String> problems) {
        try {
            return secure().node(node).get(key, ""); //$NON-NLS-1$
        } catch (StorageException e) {
            problems.add(NLS.bind(Messages.Prefs_secretUnreadable, node, e.getMessage()));
            return ""; //$NON-NLS-1$
        }
    }

    /** @return whether anything was written */
    private boolean saveSecret(String node, String key, String before, String after, String... alsoRemove)
            throws StorageException, IOException {
        if (before.equals(after)) {
            return false;
        }
        ISecurePreferences preferences = secure().node(node);
        if (after.isEmpty()) {
            preferences.remove(key);
        } else {
            preferences.put(key, after, true); // encrypted at rest
        }
        for (String other : alsoRemove) {
            preferences.remove(other);
        }
        preferences.flush();
        return true;
    }

    // ------------------------------------------------------------------------------- Configuration Admin

    private Configuration find(String pid) throws IOException {
        try {
            Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")"); //$NON-NLS-1$ //$NON-NLS-2$ //$NON-NLS-3$
            return found == null || found.length == 0 ? null : found[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(pid, e);
        }
    }

    private Dictionary<String, Object> properties(String pid) throws IOException {
        Configuration configuration = find(pid);
        return configuration == null ? null : configuration.getProperties();
    }

    /**
     * Puts values into a configuration, keeping the properties it has that are not among them. A value
     * equal to the component's default is not written into a configuration that lacks it.
     *
     * @param force write (creating the configuration if need be) even when no value changed, so that its
     *              component restarts
     * @return whether the configuration was written
     */
    private boolean update(String pid, Map<String, Object> values, Map<String, Object> defaults, boolean force)
            throws IOException {
        Configuration configuration = find(pid);
        Dictionary<String, Object> current = configuration == null ? null : configuration.getProperties();
        Hashtable<String, Object> next = new Hashtable<>();
        if (current != null) {
            for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                next.put(key, current.get(key));
            }
        }
        boolean changed = false;
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            Object old = next.get(entry.getKey());
            Object value = entry.getValue();
            if (old == null && same(value, defaults.get(entry.getKey()))) {
                continue;
            }
            if (!same(old, value)) {
                next.put(entry.getKey(), value);
                changed = true;
            }
        }
        if (!changed && !force) {
            return false;
        }
        if (configuration == null) {
            configuration = admin.getConfiguration(pid, ANY_LOCATION);
        }
        configuration.update(next);
        return true;
    }

    /** Configuration values compare by their text: a port typed as a String or an Integer is the same. */
    private static boolean same(Object a, Object b) {
        return a != null && b != null && String.valueOf(a).equals(String.valueOf(b));
    }

    private static Map<String, Object> values(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** @return false only when the configuration turns its tier off */
    private static boolean enabled(Dictionary<String, Object> properties) {
        return properties == null || !StorageTier.turnedOff(FrameworkUtil.asMap(properties));
    }

    /** @return the config types a tier syncs as text (the command line writes a list, the page a text) */
    private static String types(Dictionary<String, Object> properties) {
        Object value = properties == null ? null : properties.get(SYNC_TYPES);
        return value instanceof String[] list ? String.join(",", list) : value == null ? "" : String.valueOf(value); //$NON-NLS-1$ //$NON-NLS-2$
    }

    private static String text(Dictionary<String, Object> properties, String key, String otherwise) {
        Object value = properties == null ? null : properties.get(key);
        return value == null ? otherwise : String.valueOf(value);
    }

    private static long number(Dictionary<String, Object> properties, String key, long otherwise) {
        Object value = properties == null ? null : properties.get(key);
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return value == null ? otherwise : Long.parseLong(String.valueOf(value).strip());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
