package org.streamkit.sync.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.support.CloudUrls;

/**
 * {@code config get [key]} and {@code config set <key> <value>}: every setting of the preference page, and
 * the ones only Configuration Admin had (the cloud's sign-in service and types, OBS's slot and the web
 * dock import), by name, checked before anything is written. Secrets are not settings here: they have
 * commands of their own ({@code login}, {@code obs password}) and never travel in an argument list.
 */
final class ConfigCommand {

    private static final String COORDINATOR_PID = "org.streamkit.sync.coordinator";
    private static final String XODUS_PID = "org.streamkit.sync.tier.xodus";
    private static final String FILE_PID = "org.streamkit.sync.tier.file";
    /** One setting for both local stores: the backup promises what the primary store promises. */
    private static final String DURABILITY = "storage.durability";

    /** How a value is checked and stored. */
    private enum Kind {
        URL, AUTH_URL, TEXT, BOOLEAN, NUMBER, CHOICE, TYPES, SYNC_TYPES
    }

    private record Setting(String key, String pid, String property, Kind kind, String fallback, long min, long max,
            List<String> choices, String help) {
    }

    private static final Map<String, Setting> SETTINGS = new LinkedHashMap<>();

    private static void add(String key, String pid, String property, Kind kind, String fallback, long min, long max,
            List<String> choices, String help) {
        SETTINGS.put(key, new Setting(key, pid, property, kind, fallback, min, max, choices, help));
    }

    static {
        String cloud = RemoteSettings.CLOUD_PID;
        String obs = RemoteSettings.OBS_PID;
        add("cloud.url", cloud, "url", Kind.URL, "", 0, 0, List.of(), "the Streamkit API (https://, or http:// to this machine)");
        add("cloud.authUrl", cloud, RemoteSettings.AUTH_URL, Kind.AUTH_URL, "", 0, 0, List.of(),
                "the sign-in service; default: the API's own host on this machine, else https://auth.idling.app");
        add("cloud.enabled", cloud, StorageTier.ENABLED, Kind.BOOLEAN, "true", 0, 0, List.of(), "sync with the cloud");
        add("cloud.debounceMs", cloud, StorageTier.DEBOUNCE_MS, Kind.NUMBER, "1000", 0, 600_000, List.of(),
                "how long an edit waits before it is sent");
        add("cloud.types", cloud, "types", Kind.TYPES, "text-cyclers,swaps,layouts,notes", 0, 0, List.of(),
                "the config types pulled at least (comma-separated)");
        add("cloud.syncTypes", cloud, StorageTier.SYNC_TYPES, Kind.SYNC_TYPES, "all", 0, 0, List.of(),
                "the config types synced with the cloud (comma-separated), or all");
        add("obs.host", obs, "host", Kind.TEXT, "127.0.0.1", 0, 0, List.of(), "where OBS Studio's WebSocket server listens");
        add("obs.port", obs, "port", Kind.NUMBER, "4455", 1, 65_535, List.of(), "its port");
        add("obs.enabled", obs, StorageTier.ENABLED, Kind.BOOLEAN, "true", 0, 0, List.of(), "sync with OBS Studio");
        add("obs.debounceMs", obs, StorageTier.DEBOUNCE_MS, Kind.NUMBER, "2000", 0, 600_000, List.of(),
                "how long an edit waits before it is sent");
        add("obs.slot", obs, "slot", Kind.TEXT, "streamkit_sync", 0, 0, List.of(), "the persistent-data slot the configs live in");
        add("obs.syncTypes", obs, StorageTier.SYNC_TYPES, Kind.SYNC_TYPES, "all", 0, 0, List.of(),
                "the config types synced with OBS (comma-separated), or all");
        add("obs.importLegacy", obs, "importLegacy", Kind.BOOLEAN, "false", 0, 0, List.of(),
                "copy the web dock's configs (slot strixun_configs) once; that slot is never written");
        add("sync.conflictPolicy", COORDINATOR_PID, "conflictPolicy", Kind.CHOICE, "automatic", 0, 0, List.of("automatic", "ask"),
                "automatic: last write wins; ask: keep both until resolved");
        add("sync.historyDepth", COORDINATOR_PID, "historyDepth", Kind.NUMBER, "20", 0, 1000, List.of(),
                "earlier versions kept per config");
        add("sync.periodicSyncMinutes", COORDINATOR_PID, "periodicSyncMinutes", Kind.NUMBER, "5", 0, 1440, List.of(),
                "minutes between periodic pulls; 0 turns them off");
        add("sync.pullOnStart", COORDINATOR_PID, "pullOnStart", Kind.BOOLEAN, "true", 0, 0, List.of(),
                "pull from a remote tier as soon as it appears");
        add("sync.holdWhileLive", COORDINATOR_PID, "holdWhileLive", Kind.BOOLEAN, "true", 0, 0, List.of(),
                "while OBS streams or records, changes from other devices wait before they reach OBS");
        add("sync.checkpointsKept", COORDINATOR_PID, "checkpointsKept", Kind.NUMBER, "10", 1, 1000, List.of(),
                "how many checkpoints are kept (the newest)");
        add(DURABILITY, XODUS_PID, "durability", Kind.CHOICE, "PROCESS_CRASH", 0, 0, List.of("PROCESS_CRASH", "POWER_LOSS"),
                "what a save survives: a crash of the process, or also a power loss (fsync; slower); Xodus and the backup");
    }

    private final RemoteSettings settings;
    private final PrintStream out;
    private final PrintStream err;

    ConfigCommand(RemoteSettings settings, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    /** @return the exit code */
    int run(List<String> args, boolean json) throws Cli.UsageException, IOException {
        String usage = "usage: streamkit config get [key] | config set <key> <value>   (keys: " + String.join(", ", SETTINGS.keySet())
                + ")";
        if (args.isEmpty() || args.get(0).equals("get") && args.size() <= 2) {
            List<Setting> shown = new ArrayList<>();
            if (args.size() == 2) {
                shown.add(setting(args.get(1), usage));
            } else {
                shown.addAll(SETTINGS.values());
            }
            com.fasterxml.jackson.databind.node.ObjectNode node = org.streamkit.sync.api.ConfigJson.newObject();
            for (Setting s : shown) {
                Object value = settings.read(s.pid()).get(s.property());
                String text = value == null ? s.fallback() : value instanceof String[] list ? (list.length == 0 ? "all" : String.join(",", list)) : value.toString();
                if (json) {
                    node.put(s.key(), text);
                } else if (args.size() == 2) {
                    out.println(text);
                } else {
                    out.printf(Locale.ROOT, "%-24s %-36s %s%s%n", s.key(), text.isEmpty() ? "(not set)" : text, s.help(),
                            value == null ? " [default]" : "");
                }
            }
            if (json) {
                out.println(org.streamkit.sync.api.ConfigJson.pretty(node));
            }
            return Cli.OK;
        }
        if (!args.get(0).equals("set") || args.size() != 3) {
            throw new Cli.UsageException(usage);
        }
        Setting s = setting(args.get(1), usage);
        Object value = parse(s, args.get(2).strip());
        // Without a URL there is no cloud tier: its other settings wait for one (a configuration without
        // a URL would start a tier that cannot work).
        if (s.pid().equals(RemoteSettings.CLOUD_PID) && s.kind() != Kind.URL
                && String.valueOf(settings.read(s.pid()).getOrDefault("url", "")).isBlank()) {
            throw new IllegalStateException("set the cloud's URL first: streamkit config set cloud.url <url>");
        }
        settings.update(s.pid(), Map.of(s.property(), value));
        if (s.key().equals(DURABILITY)) {
            settings.update(FILE_PID, Map.of(s.property(), value));
        }
        err.println(s.key() + " = " + (value instanceof String[] list ? (list.length == 0 ? "all" : String.join(",", list)) : value)
                + (value.equals("") ? " (the default)" : ""));
        return Cli.OK;
    }

    private static Setting setting(String key, String usage) throws Cli.UsageException {
        Setting s = SETTINGS.get(key);
        if (s == null) {
            throw new Cli.UsageException("no setting '" + key + "'; " + usage.substring("usage: ".length()));
        }
        return s;
    }

    /** @return the value as Configuration Admin keeps it */
    private static Object parse(Setting s, String text) throws Cli.UsageException {
        String name = s.key();
        try {
            return switch (s.kind()) {
                case URL -> CloudUrls.check(text).toString();
                case AUTH_URL -> text.equals("default") || text.isEmpty() ? "" : CloudUrls.check(text).toString();
                case TEXT -> {
                    if (text.isEmpty() || text.chars().anyMatch(Character::isISOControl)) {
                        throw new IllegalArgumentException("it must be one line of text, not empty");
                    }
                    yield text;
                }
                case BOOLEAN -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "on", "yes" -> Boolean.TRUE;
                    case "false", "off", "no" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("it is true or false");
                };
                case NUMBER -> {
                    long n;
                    try {
                        n = Long.parseLong(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("it is a whole number from " + s.min() + " to " + s.max());
                    }
                    if (n < s.min() || n > s.max()) {
                        throw new IllegalArgumentException("it is a whole number from " + s.min() + " to " + s.max());
                    }
                    yield s.property().equals(StorageTier.DEBOUNCE_MS) ? (Object) n : (Object) (int) n;
                }
                case CHOICE -> {
                    if (!s.choices().contains(text)) {
                        throw new IllegalArgumentException("it is one of " + String.join(", ", s.choices()));
                    }
                    yield text;
                }
                case TYPES -> types(text, "name at least one type");
                case SYNC_TYPES -> text.equalsIgnoreCase("all") ? new String[0] : types(text, "name at least one type, or all");
            };
        } catch (IllegalArgumentException e) { // a ConfigValidationException too
            throw new Cli.UsageException(name + " cannot be '" + text + "': " + e.getMessage());
        }
    }

    /** @return the config types of a comma-separated list, each checked; {@code none} says what an empty one lacks */
    private static String[] types(String text, String none) {
        List<String> types = new ArrayList<>();
        for (String t : text.split(",")) {
            if (!t.isBlank()) {
                types.add(ConfigKey.validateType(t.strip()));
            }
        }
        if (types.isEmpty()) {
            throw new IllegalArgumentException(none);
        }
        return types.toArray(String[]::new);
    }
}
