package org.streamkit.sync.ui.internal.preferences;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;

import org.eclipse.osgi.util.NLS;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The Streamkit settings a user changes on the preference page: where the cloud and OBS tiers connect,
 * their secrets, their debounce, and how the coordinator syncs. A plain value; {@link SettingsStore}
 * reads and writes it, and the checks here say in words what is wrong with a value as typed.
 *
 * @param cloudEnabled        whether configs sync with the cloud
 * @param cloudUrl            the cloud API URL (kept while the cloud is turned off)
 * @param cloudToken          the cloud access token (kept in Secure Storage); empty: none
 * @param cloudDebounceMs     how long the cloud tier waits for more edits before it sends
 * @param obsEnabled          whether configs sync with OBS Studio
 * @param obsHost             OBS Studio's WebSocket host
 * @param obsPort             OBS Studio's WebSocket port
 * @param obsPassword         the OBS WebSocket password (kept in Secure Storage); empty: none
 * @param obsDebounceMs       how long the OBS tier waits for more edits before it sends
 * @param askOnConflict       true: keep both versions of a conflict until the user chooses
 * @param historyDepth        earlier versions kept per config
 * @param periodicSyncMinutes minutes between pulls from the remote tiers; 0: off
 * @param holdWhileLive       while OBS streams or records, changes from other devices wait before they reach it
 * @param checkpointsKept     how many checkpoints are kept (the newest)
 * @param cloudSyncTypes      the config types synced with the cloud, comma-separated; empty: every type
 * @param obsSyncTypes        the config types synced with OBS, comma-separated; empty: every type
 */
public record SyncSettings(boolean cloudEnabled, String cloudUrl, String cloudToken, long cloudDebounceMs,
        boolean obsEnabled, String obsHost, int obsPort, String obsPassword, long obsDebounceMs, boolean askOnConflict,
        int historyDepth, int periodicSyncMinutes, boolean holdWhileLive, int checkpointsKept, String cloudSyncTypes,
        String obsSyncTypes) {

    /**
     * The defaults of the tiers' and the coordinator's components (see their Metatype definitions): no cloud
     * until a URL is set; OBS on this machine, on as soon as its feature is installed.
     */
    public static final SyncSettings DEFAULTS = new SyncSettings(false, "", "", 1000, true, "127.0.0.1", 4455, "", 2000,
            false, 20, 5, true, 10, "", "");

    /** The largest debounce accepted, in milliseconds (an hour). */
    public static final long MAX_DEBOUNCE_MS = 3_600_000;
    /** The most earlier versions kept per config. */
    public static final int MAX_HISTORY = 1000;
    /** The most checkpoints kept. */
    public static final int MAX_CHECKPOINTS = 1000;
    /** The longest time between periodic pulls, in minutes (a day). */
    public static final int MAX_PERIODIC_MINUTES = 1440;

    public SyncSettings {
        cloudUrl = cloudUrl == null ? "" : cloudUrl.strip();
        cloudToken = cloudToken == null ? "" : cloudToken.strip();
        obsHost = obsHost == null || obsHost.isBlank() ? "127.0.0.1" : obsHost.strip(); //$NON-NLS-1$
        obsPassword = obsPassword == null ? "" : obsPassword;
        cloudSyncTypes = types(cloudSyncTypes);
        obsSyncTypes = types(obsSyncTypes);
    }

    /** @return a list of types as the page shows it: trimmed, comma and space between them */
    private static String types(String text) {
        if (text == null) {
            return ""; //$NON-NLS-1$
        }
        return java.util.Arrays.stream(text.split(",")).map(String::strip).filter(t -> !t.isEmpty()) //$NON-NLS-1$
                .collect(java.util.stream.Collectors.joining(", ")); //$NON-NLS-1$
    }

    /** @return why a list of config types cannot be used as typed, or null when it can (empty: every type) */
    public static String checkTypes(String text) {
        try {
            StorageTier.syncTypes(Map.of(StorageTier.SYNC_TYPES, text == null ? "" : text)); //$NON-NLS-1$
            return null;
        } catch (IllegalArgumentException e) { // a ConfigValidationException
            return e.getMessage();
        }
    }

    /** @return these settings with another cloud access token */
    public SyncSettings withCloudToken(String token) {
        return new SyncSettings(cloudEnabled, cloudUrl, token, cloudDebounceMs, obsEnabled, obsHost, obsPort, obsPassword,
                obsDebounceMs, askOnConflict, historyDepth, periodicSyncMinutes, holdWhileLive, checkpointsKept, cloudSyncTypes,
                obsSyncTypes);
    }

    /**
     * @return these settings with the cloud account and the secrets of {@code other}: what "Restore Defaults"
     *         keeps, so that it never signs the user out
     */
    public SyncSettings withAccountOf(SyncSettings other) {
        return new SyncSettings(other.cloudEnabled, other.cloudUrl, other.cloudToken, cloudDebounceMs, obsEnabled, obsHost,
                obsPort, other.obsPassword, obsDebounceMs, askOnConflict, historyDepth, periodicSyncMinutes, holdWhileLive,
                checkpointsKept, cloudSyncTypes, obsSyncTypes);
    }

    /**
     * Checks a cloud API URL by the cloud tier's rules: {@code https://}, or plain {@code http://} only to
     * this machine (a token must not travel unencrypted).
     *
     * @return why the URL cannot be used, or null when it can (an empty URL turns the cloud tier off)
     */
    public static String checkCloudUrl(String url) {
        String text = url == null ? "" : url.strip(); //$NON-NLS-1$
        if (text.isEmpty()) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return NLS.bind(Messages.Prefs_urlNotUrl, e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT); //$NON-NLS-1$
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) { //$NON-NLS-1$ //$NON-NLS-2$
            return Messages.Prefs_urlScheme;
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) { //$NON-NLS-1$
            return NLS.bind(Messages.Prefs_urlPlainHttp, uri.getHost());
        }
        return null;
    }

    /** As the cloud tier decides it: localhost or a loopback address written as numbers; never a lookup. */
    static boolean loopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host; //$NON-NLS-1$ //$NON-NLS-2$
        if (h.equalsIgnoreCase("localhost")) { //$NON-NLS-1$
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) { //$NON-NLS-1$
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal address: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** @return why a token cannot be used as typed, or null when it can (empty: sign out) */
    public static String checkToken(String token) {
        String text = token == null ? "" : token.strip(); //$NON-NLS-1$
        return text.chars().anyMatch(Character::isWhitespace) ? Messages.Prefs_tokenSpaces : null;
    }

    /** @return why the OBS host cannot be used, or null when it can (empty: this machine) */
    public static String checkHost(String host) {
        String h = host == null ? "" : host.strip(); //$NON-NLS-1$
        if (h.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI("ws", null, h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h, 4455, "/", null, //$NON-NLS-1$ //$NON-NLS-2$ //$NON-NLS-3$ //$NON-NLS-4$ //$NON-NLS-5$ //$NON-NLS-6$
                    null);
            return uri.getHost() == null ? NLS.bind(Messages.Prefs_badHost, h) : null;
        } catch (URISyntaxException e) {
            return NLS.bind(Messages.Prefs_badHost, h);
        }
    }

    /**
     * Parses a whole number typed into a field.
     *
     * @return the number, or null when the text is not a whole number from {@code min} to {@code max}
     */
    public static Long number(String text, long min, long max) {
        try {
            long value = Long.parseLong(text == null ? "" : text.strip()); //$NON-NLS-1$
            return value < min || value > max ? null : value;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
