package org.streamkit.sync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.api.support.CloudUrls;
import org.streamkit.sync.api.support.ConfigBackup;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.tier.cloud.CloudSignIn;
import org.streamkit.sync.tier.cloud.MemoryTokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The commands of {@code ./streamkit <command>}. Exit codes: 0 success, 1 failure (one line on stderr
 * saying why), 2 bad usage. {@code --json} prints machine-readable output on stdout.
 */
final class Cli {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    /** How long {@code sync} waits for a remote tier to connect before it reports it unreachable. */
    static final Duration CONNECT_WAIT = Duration.ofSeconds(8);

    static final String HELP = """
            usage: streamkit <command> [--json]
              list [type]                 the live configs (of one type)
              get <type> <id>             one config as JSON
              put <type> <id> <file|-> [--sync [--timeout N]]   save a config from a JSON file or standard
                                          input (--sync: then sync as below, and exit as sync does)
              delete <type> <id>          delete a config
              sync [--timeout N]          wait for every remote tier to connect (8 s at most), pull from it and
                                          deliver the outbox (N s in all, default 30); exits 1 naming what
                                          could not be synced
              status                      tiers, health, metrics, and each waiting write with its reason
              retry [<type> <id> [tier]]  send parked writes again now (all of them without arguments)
              conflicts                   open conflicts
              resolve <type> <id> <mine|theirs|file>   end a conflict
              local [<type> <id> on|off]  the configs kept on this machine only; on: keep one here (it is not
                                          sent to or taken from any remote), off: let it sync again
              held                        changes from other devices held while OBS is live (streaming or
                                          recording); they reach OBS when it is off air
              apply [<type> <id>]         send held changes to OBS now (all of them without arguments)
              checkpoint [list]           the checkpoints kept, newest first (taken by hand, when OBS goes live,
                                          and before a restore)
              checkpoint create           take a checkpoint of every config now
              checkpoint restore <name>   put every config back as that checkpoint holds it (a checkpoint of
                                          the state before is taken first: restore it to undo)
              export <file>               write every live config to a JSON backup
              import <file>               merge a JSON backup (last write wins; 1,000 configs per commit)
              daemon                      keep this workspace syncing without a screen, and run the commands
                                          ./streamkit forwards to it, until stopped
              server [--port N] [--core [--list-cap N]]   run the local Streamkit API server until stopped
              token <customer> [--minutes N]   mint an access token of the local server
              remote                      the remote tiers and their settings
              remote cloud set <url>      the Streamkit API to sync with (https://, or http:// to this machine)
              remote cloud token <file|->   sign in with an access token (kept encrypted in Secure Storage)
              remote cloud auth <url|default>   the sign-in service that refreshes the sign-in (default: the
                                          API's own host on this machine, else https://auth.idling.app)
              remote obs set <host> <port>  where OBS Studio's WebSocket server listens
              config get [key]            every setting (or one) with its value; config set <key> <value>
                                          changes one (the preference page's, and OBS's importLegacy)
              login <email>               sign in to the cloud with a code mailed to you (asks for it here)
              logout                      sign out of the cloud (the sign-in ends at the service too)
              whoami                      who this workspace is signed in to the cloud as
              obs password [--password-stdin]   the OBS WebSocket password (asked for here, not echoed;
                                          empty removes it), kept encrypted in Secure Storage
              remote <cloud|obs> on|off   turn a remote tier on or off (its settings are kept)
              encryption                  whether the cloud's configs are end-to-end encrypted, and whether this
                                          device has the key
              encryption on [--passphrase-stdin]   encrypt the account's configs with a passphrase (the first
                                          device chooses it; the others enter it once); the key is kept in
                                          Secure Storage and what the cloud held unencrypted is encrypted
              encryption forget           remove the key from this device (it syncs again once it is entered)
            """;

    /** The server {@code streamkit server} runs in this process, for commands forwarded to it; or null. */
    private static final java.util.concurrent.atomic.AtomicReference<StreamkitServer> RUNNING_SERVER =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final Supplier<SyncCoordinator> coordinator;
    private final Supplier<RemoteSettings> settings;
    private final Supplier<Set<String>> configuredRemotes;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Path serverFolder;
    private boolean json;

    /**
     * @param settings          the remote tiers' settings
     * @param configuredRemotes the remote tiers the settings turn on (the ones {@code sync} waits for)
     */
    Cli(Supplier<SyncCoordinator> coordinator, Supplier<RemoteSettings> settings, Supplier<Set<String>> configuredRemotes,
            PrintStream out, PrintStream err, InputStream in, Path serverFolder) {
        this.coordinator = coordinator;
        this.settings = settings;
        this.configuredRemotes = configuredRemotes;
        this.out = out;
        this.err = err;
        this.in = in;
        this.serverFolder = serverFolder;
    }

    /** Thrown for bad usage: the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    int run(String[] raw) {
        List<String> args = new ArrayList<>();
        for (String a : raw) {
            if (a.equals("--json")) {
                json = true;
            } else {
                args.add(a);
            }
        }
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")) {
            out.print(HELP);
            return args.isEmpty() ? USAGE : OK;
        }
        String command = args.remove(0);
        try {
            return switch (command) {
                case "list" -> list(args);
                case "get" -> get(args);
                case "put" -> put(args);
                case "delete" -> delete(args);
                case "sync" -> sync(args);
                case "status" -> status(args);
                case "conflicts" -> conflicts(args);
                case "resolve" -> resolve(args);
                case "checkpoint" -> checkpoint(args);
                case "held" -> held(args);
                case "local" -> local(args);
                case "apply" -> apply(args);
                case "export" -> export(args);
                case "import" -> importBackup(args);
                case "server" -> server(args);
                case "token" -> token(args);
                case "remote" -> remote(args);
                case "retry" -> retry(args);
                case "config" -> new ConfigCommand(settings.get(), out, err).run(args, json);
                case "login" -> login(args);
                case "logout" -> logout(args);
                case "whoami" -> whoami(args);
                case "obs" -> obs(args);
                case "encryption" -> encryption(args);
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("streamkit: " + e.getMessage());
            err.print(HELP);
            return USAGE;
        } catch (ConfigValidationException | StorageException | IOException | IllegalStateException
                | org.eclipse.equinox.security.storage.StorageException e) {
            err.println("streamkit: " + command + ": " + oneLine(e.getMessage()));
            return FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILURE;
        } catch (RuntimeException | OutOfMemoryError e) {
            // Never an exit code of 0 for a command that did not finish: say what stopped it.
            err.println("streamkit: " + command + ": failed: " + e
                    + (e instanceof OutOfMemoryError ? " (run it with a larger heap: STREAMKIT_HEAP=4g ./streamkit …)" : ""));
            return FAILURE;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "failed" : message.replace('\n', ' ');
    }

    private static void arity(List<String> args, int min, int max, String usage) throws UsageException {
        if (args.size() < min || args.size() > max) {
            throw new UsageException("usage: streamkit " + usage);
        }
    }

    private ConfigKey key(List<String> args) throws UsageException {
        try {
            return new ConfigKey(args.get(0), args.get(1));
        } catch (ConfigValidationException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int list(List<String> args) throws UsageException, StorageException {
        arity(args, 0, 1, "list [type]");
        SyncCoordinator c = coordinator.get();
        List<ConfigDocument> all = new ArrayList<>();
        for (String type : args.isEmpty() ? c.types() : List.of(args.get(0))) {
            try {
                all.addAll(c.list(type));
            } catch (ConfigValidationException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (json) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            all.forEach(d -> array.add(tree(d)));
            out.println(ConfigJson.pretty(array));
        } else {
            StringBuilder lines = new StringBuilder(all.size() * 80); // one write: the stream may flush every line
            for (ConfigDocument d : all) {
                JsonNode name = d.body().get("name");
                String key = d.key().toString();
                lines.append(key).append(" ".repeat(Math.max(1, 41 - key.length()))).append(d.updatedAt()).append("  ")
                        .append(name == null ? "" : name.asText()).append(System.lineSeparator());
            }
            out.print(lines);
            out.flush();
        }
        return OK;
    }

    private int get(List<String> args) throws UsageException, StorageException {
        arity(args, 2, 2, "get <type> <id>");
        ConfigKey key = key(args);
        Optional<ConfigDocument> found = coordinator.get().get(key);
        if (found.isEmpty()) {
            err.println("streamkit: get: no config " + key);
            return FAILURE;
        }
        out.println(json ? ConfigJson.pretty(tree(found.get())) : ConfigJson.pretty(found.get().body()));
        return OK;
    }

    private int put(List<String> args) throws UsageException, StorageException, IOException, InterruptedException {
        String usage = "put <type> <id> <file|-> [--sync [--timeout N]]";
        List<String> rest = new ArrayList<>(args);
        boolean andSync = rest.remove("--sync");
        List<String> syncArgs = List.of();
        int timeout = rest.indexOf("--timeout");
        if (timeout >= 0) {
            if (!andSync || timeout + 1 >= rest.size()) {
                throw new UsageException("usage: streamkit " + usage);
            }
            syncArgs = List.of("--timeout", rest.get(timeout + 1));
            number(syncArgs, 1, usage);
            rest.subList(timeout, timeout + 2).clear();
        }
        arity(rest, 3, 3, usage);
        ConfigKey key = key(rest);
        String text = rest.get(2).equals("-") ? new String(in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(Path.of(rest.get(2)), StandardCharsets.UTF_8);
        ConfigDocument saved = coordinator.get().put(key, ConfigJson.parseObject(text));
        report(saved, "Saved");
        return andSync ? sync(syncArgs) : OK;
    }

    /** {@code retry [<type> <id> [tier]]}: sends parked (failed) writes again now; all of them without arguments. */
    private int retry(List<String> args) throws UsageException {
        arity(args, 0, 3, "retry [<type> <id> [tier]]");
        if (args.size() == 1) {
            throw new UsageException("usage: streamkit retry [<type> <id> [tier]]");
        }
        SyncCoordinator c = coordinator.get();
        ConfigKey key = args.isEmpty() ? null : key(args);
        int n = 0;
        for (PendingWrite w : c.outbox()) {
            boolean chosen = key == null ? w.failed() : w.key().equals(key) && (args.size() < 3 || w.tier().equals(args.get(2)));
            if (chosen) {
                c.retry(w.key(), w.tier());
                n++;
            }
        }
        if (key != null && n == 0) {
            err.println("streamkit: retry: " + key + " waits for no remote tier" + (args.size() == 3 ? " named " + args.get(2) : ""));
            return FAILURE;
        }
        err.println(n == 0 ? "No parked writes" : "Sending " + n + (n == 1 ? " write" : " writes") + " again; `streamkit sync` waits for them");
        return OK;
    }

    private int delete(List<String> args) throws UsageException, StorageException {
        arity(args, 2, 2, "delete <type> <id>");
        report(coordinator.get().delete(key(args)), "Deleted");
        return OK;
    }

    private void report(ConfigDocument d, String verb) {
        if (json) {
            out.println(ConfigJson.pretty(tree(d)));
        } else {
            out.println(verb + " " + d.key() + " (" + d.updatedAt() + ")");
        }
    }

    /**
     * Waits (bounded) until every remote tier the settings turn on is there and answers, pulls from each and
     * delivers the outbox, then prints the status. Exit code 1, with the reasons, when a remote could not be
     * reached or writes still wait for one.
     */
    private int sync(List<String> args) throws UsageException, InterruptedException {
        Duration timeout = Duration.ofSeconds(30);
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--now" -> { } // what sync always does
                case "--timeout" -> timeout = Duration.ofSeconds(number(args, ++i, "sync [--timeout N]"));
                default -> throw new UsageException("usage: streamkit sync [--timeout N]");
            }
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        // A remote tier connects within a few seconds when its server is there (OBS takes one or two); one
        // that is still away after that is reported, not waited for until the timeout.
        long connected = start + Math.min(timeout.toNanos(), CONNECT_WAIT.toNanos());
        err.println("Syncing…");
        SyncCoordinator c = coordinator.get();
        Set<String> expected = configuredRemotes.get();
        Map<String, String> unreachable = unreachable(c.status(), expected, false);
        while (!unreachable.isEmpty() && System.nanoTime() < connected) {
            Thread.sleep(50);
            unreachable = unreachable(c.status(), expected, false);
        }
        List<PendingWrite> left = List.of();
        for (int round = 0; round < 2; round++) { // once more when something failed and time is left
            c.syncNow();
            unreachable = unreachable(c.status(), expected, false);
            left = waiting(c, unreachable.keySet());
            while (!left.isEmpty() && left.stream().anyMatch(w -> !w.failed()) && System.nanoTime() < deadline) {
                Thread.sleep(50); // a delivery under way in the background, or waiting out a short backoff
                unreachable = unreachable(c.status(), expected, false);
                left = waiting(c, unreachable.keySet());
            }
            unreachable = unreachable(c.status(), expected, true);
            left = waiting(c, unreachable.keySet());
            if (unreachable.isEmpty() && left.isEmpty() || System.nanoTime() >= deadline) {
                break;
            }
        }
        int code = status(List.of());
        for (Map.Entry<String, String> u : unreachable.entrySet()) {
            err.println("streamkit: sync: " + u.getKey() + " could not be synced: " + oneLine(u.getValue()));
        }
        for (PendingWrite w : left) {
            err.println("streamkit: sync: " + w.key() + " did not reach " + w.tier() + (w.lastError().isEmpty() ? ""
                    : ": " + oneLine(w.lastError())));
        }
        return unreachable.isEmpty() && left.isEmpty() ? code : FAILURE;
    }

    /**
     * @param failures whether a tier whose last pull or delivery failed counts too
     * @return the expected remote tiers that are not registered or do not answer (or failed), with the reason
     */
    private static Map<String, String> unreachable(SyncStatus status, Set<String> expected, boolean failures) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (String name : expected) {
            Optional<TierStatus> t = status.tiers().stream().filter(s -> s.name().equals(name)).findFirst();
            if (t.isEmpty() || !t.get().present()) {
                out.put(name, "the " + name + " tier has not started");
            } else if (!t.get().health().available()) {
                out.put(name, t.get().health().reason());
            } else if (failures && t.get().lastError() != null && !t.get().lastError().isBlank()) {
                out.put(name, t.get().lastError());
            }
        }
        return out;
    }

    /** @return the outbox entries for remote tiers that are reachable (the others were reported already) */
    private static List<PendingWrite> waiting(SyncCoordinator c, Set<String> unreachable) {
        return c.outbox().stream().filter(w -> !unreachable.contains(w.tier())).toList();
    }

    private int status(List<String> args) throws UsageException {
        arity(args, 0, 0, "status");
        SyncStatus s = coordinator.get().status();
        if (json) {
            ObjectNode node = ConfigJson.newObject();
            ArrayNode tiers = node.putArray("tiers");
            for (TierStatus t : s.tiers()) {
                tiers.addObject().put("name", t.name()).put("ranking", t.ranking()).put("kind", t.kind()).put("present", t.present())
                        .put("health", t.health().status().name()).put("reason", t.health().reason()).put("pending", t.pending())
                        .put("failed", t.failed()).put("reads", t.reads()).put("lastError", t.lastError());
            }
            var m = s.metrics();
            node.putObject("metrics").put("deliveries", m.deliveries()).put("deliveryErrors", m.deliveryErrors())
                    .put("conflicts", m.conflicts()).put("reads", m.reads()).put("readMisses", m.readMisses())
                    .put("ackLatencyP50Ms", m.ackLatencyP50Ms()).put("ackLatencyP99Ms", m.ackLatencyP99Ms())
                    .put("outboxDepth", m.outboxDepth()).put("successRate", m.successRate());
            node.put("offline", s.offline());
            ArrayNode outbox = node.putArray("outbox");
            java.util.Set<String> held = heldIds();
            for (PendingWrite w : coordinator.get().outbox()) {
                outbox.addObject().put("type", w.key().type()).put("id", w.key().id()).put("tier", w.tier())
                        .put("attempts", w.attempts()).put("failed", w.failed()).put("lastError", w.lastError())
                        .put("nextAttempt", w.nextAttempt() == null ? null : w.nextAttempt().toString())
                        .put("heldWhileLive", held.contains(w.tier() + '\n' + w.key()));
            }
            out.println(ConfigJson.pretty(node));
        } else {
            for (TierStatus t : s.tiers()) {
                out.printf(Locale.ROOT, "%-8s %4d %-6s %-8s pending %d, failed %d%s%n", t.name(), t.ranking(), t.kind(),
                        t.health().status(), t.pending(), t.failed(),
                        t.health().reason().isEmpty() ? "" : " — " + t.health().reason());
            }
            var m = s.metrics();
            out.printf(Locale.ROOT, "outbox %d, delivered %d, errors %d, conflicts %d, ack p50 %.0f ms, p99 %.0f ms%n",
                    m.outboxDepth(), m.deliveries(), m.deliveryErrors(), m.conflicts(), m.ackLatencyP50Ms(), m.ackLatencyP99Ms());
            java.util.Set<String> held = heldIds();
            for (PendingWrite w : coordinator.get().outbox()) {
                out.printf(Locale.ROOT, "  %s → %s: %s%s%n", w.key(), w.tier(),
                        w.failed() ? "parked after " + w.attempts() + " attempts (streamkit retry sends it again)"
                                : held.contains(w.tier() + '\n' + w.key()) ? "held while live (streamkit apply sends it now)"
                                : w.attempts() == 0 ? "waiting" : "waiting, attempt " + (w.attempts() + 1) + " next",
                        w.lastError().isEmpty() ? "" : " — " + oneLine(w.lastError()));
            }
        }
        return OK;
    }

    private int conflicts(List<String> args) throws UsageException {
        arity(args, 0, 0, "conflicts");
        List<Conflict> open = coordinator.get().conflicts();
        if (json) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (Conflict c : open) {
                ObjectNode node = array.addObject().put("type", c.key().type()).put("id", c.key().id()).put("tier", c.tier())
                        .put("detectedAt", c.detectedAt().toString());
                node.set("mine", tree(c.mine()));
                node.set("theirs", tree(c.theirs()));
            }
            out.println(ConfigJson.pretty(array));
        } else {
            if (open.isEmpty()) {
                out.println("No open conflicts.");
            }
            for (Conflict c : open) {
                out.println(c.key() + " with " + c.tier() + ": mine " + c.mine().updatedAt() + ", theirs " + c.theirs().updatedAt());
            }
        }
        return OK;
    }

    private int resolve(List<String> args) throws UsageException, StorageException, IOException {
        arity(args, 3, 3, "resolve <type> <id> <mine|theirs|file>");
        ConfigKey key = key(args);
        SyncCoordinator c = coordinator.get();
        Conflict open = c.conflicts().stream().filter(x -> x.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no open conflict for " + key));
        String how = args.get(2);
        ConfigDocument saved = switch (how) {
            case "mine" -> c.resolve(key, open.mine().deleted() ? null : open.mine().body(), "mine");
            case "theirs" -> c.resolve(key, open.theirs().deleted() ? null : open.theirs().body(), "theirs");
            default -> c.resolve(key, ConfigJson.parseObject(Files.readString(Path.of(how))), "merged");
        };
        report(saved, "Resolved");
        return OK;
    }

    /** @return the writes held while live, each as tier, newline, key */
    private java.util.Set<String> heldIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (PendingWrite w : coordinator.get().heldWhileLive()) {
            ids.add(w.tier() + '\n' + w.key());
        }
        return ids;
    }

    private int held(List<String> args) throws UsageException {
        arity(args, 0, 0, "held");
        List<PendingWrite> held = coordinator.get().heldWhileLive();
        if (json) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (PendingWrite w : held) {
                array.addObject().put("type", w.key().type()).put("id", w.key().id()).put("tier", w.tier())
                        .put("version", w.version().toString());
            }
            out.println(ConfigJson.pretty(array));
        } else if (held.isEmpty()) {
            out.println("No changes are held.");
        } else {
            out.println(held.size() + (held.size() == 1 ? " change" : " changes") + " held while live:");
            for (PendingWrite w : held) {
                out.println("  " + w.key() + " for " + w.tier() + " (" + w.version() + ")");
            }
        }
        return OK;
    }

    private int local(List<String> args) throws UsageException, StorageException {
        String usage = "local [<type> <id> on|off]";
        SyncCoordinator c = coordinator.get();
        if (args.isEmpty()) {
            java.util.Set<ConfigKey> kept = new java.util.TreeSet<>(c.machineOnly());
            if (json) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                kept.forEach(k -> array.addObject().put("type", k.type()).put("id", k.id()));
                out.println(ConfigJson.pretty(array));
            } else if (kept.isEmpty()) {
                out.println("No config is kept on this machine only.");
            } else {
                kept.forEach(k -> out.println(k));
            }
            return OK;
        }
        arity(args, 3, 3, usage);
        ConfigKey key = key(args);
        boolean only = switch (args.get(2)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException("usage: streamkit " + usage);
        };
        c.machineOnly(key, only);
        out.println(only ? key + " is kept on this machine only: it is not sent to or taken from any remote."
                : key + " syncs again: it goes to every remote that syncs its type.");
        return OK;
    }

    private int apply(List<String> args) throws UsageException {
        if (args.size() != 0 && args.size() != 2) {
            throw new UsageException("usage: streamkit apply [<type> <id>]");
        }
        ConfigKey key = args.isEmpty() ? null : key(args);
        int released = coordinator.get().applyHeld(key);
        out.println(released == 0 ? "Nothing was held" + (key == null ? "." : " for " + key + ".")
                : "Applied " + released + (released == 1 ? " held change" : " held changes") + "; it goes to OBS now.");
        return OK;
    }

    private int checkpoint(List<String> args) throws UsageException, StorageException {
        String usage = "checkpoint [list] | checkpoint create | checkpoint restore <name>";
        String what = args.isEmpty() ? "list" : args.get(0);
        SyncCoordinator c = coordinator.get();
        switch (what) {
            case "list" -> {
                arity(args, 0, 1, usage);
                List<Checkpoint> all = c.checkpoints();
                if (json) {
                    ArrayNode array = JsonNodeFactory.instance.arrayNode();
                    for (Checkpoint k : all) {
                        array.addObject().put("name", k.name()).put("createdAt", k.createdAt().toString()).put("reason", k.reason())
                                .put("configs", k.configs());
                    }
                    out.println(ConfigJson.pretty(array));
                } else if (all.isEmpty()) {
                    out.println("No checkpoints yet. Take one with: streamkit checkpoint create");
                } else {
                    for (Checkpoint k : all) {
                        out.printf(java.util.Locale.ROOT, "%-24s %-15s %,d configs%n", k.name(), k.reason(), k.configs());
                    }
                }
            }
            case "create" -> {
                arity(args, 1, 1, usage);
                Checkpoint k = c.createCheckpoint(Checkpoint.MANUAL);
                out.println("Checkpoint " + k.name() + " taken: " + k.configs() + " configs");
            }
            case "restore" -> {
                arity(args, 2, 2, usage);
                CheckpointRestore r = c.restoreCheckpoint(args.get(1));
                out.println("Checkpoint " + r.restored().name() + " restored: " + r.changed() + " configs saved again, " + r.deleted()
                        + " deleted. To undo: streamkit checkpoint restore " + r.undo().name());
            }
            default -> throw new UsageException("usage: streamkit " + usage);
        }
        return OK;
    }

    private int export(List<String> args) throws UsageException, StorageException, IOException {
        arity(args, 1, 1, "export <file>");
        List<ConfigDocument> documents = ConfigBackup.liveConfigs(coordinator.get());
        Path file = Path.of(args.get(0));
        ConfigBackup.write(file, documents);
        err.println("Exported " + documents.size() + " configs to " + file);
        return OK;
    }

    /** How many configs of a backup are committed together. */
    static final int IMPORT_BATCH = 1000;

    private int importBackup(List<String> args) throws UsageException, StorageException, IOException {
        arity(args, 1, 1, "import <file>");
        List<ConfigDocument> documents = ConfigBackup.read(Path.of(args.get(0))); // all or nothing: parse first
        SyncCoordinator c = coordinator.get();
        int taken = 0;
        // In batches, each committed before the next starts: what a line reports as stored stays stored,
        // whatever happens to the process after it.
        for (int from = 0; from < documents.size(); from += IMPORT_BATCH) {
            int to = Math.min(documents.size(), from + IMPORT_BATCH);
            List<ConfigDocument> batch = new ArrayList<>(to - from);
            for (ConfigDocument d : documents.subList(from, to)) {
                batch.add(d.withRemoteVersion(null));
            }
            taken += c.importVersions(batch).size();
            if (documents.size() > IMPORT_BATCH) {
                err.println("Stored the first " + to + " of " + documents.size() + " configs");
            }
        }
        err.println("Imported " + taken + " of " + documents.size()
                + " configs (the others are the same as, or older than, what is here)");
        return OK;
    }

    private int server(List<String> args) throws UsageException, IOException, InterruptedException {
        ServerConfig.Builder config = ServerConfig.builder(serverFolder);
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--port" -> config.port(number(args, ++i, "server --port N"));
                case "--core" -> config.extensions(false);
                case "--list-cap" -> config.coreListCap(number(args, ++i, "server --list-cap N"));
                default -> throw new UsageException("usage: streamkit server [--port N] [--core [--list-cap N]]");
            }
        }
        try (StreamkitServer server = StreamkitServer.start(config.build())) {
            RUNNING_SERVER.set(server);
            out.println("Streamkit API server on " + server.uri() + " (data in " + serverFolder + "); stop with Ctrl+C");
            out.flush();
            new java.util.concurrent.CountDownLatch(1).await();
        } finally {
            RUNNING_SERVER.set(null);
        }
        return OK;
    }

    private int token(List<String> args) throws UsageException, IOException {
        if (args.isEmpty()) {
            throw new UsageException("usage: streamkit token <customer> [--minutes N]");
        }
        String customer = args.get(0);
        Duration ttl = Duration.ofMinutes(15);
        if (args.size() == 3 && args.get(1).equals("--minutes")) {
            ttl = Duration.ofMinutes(number(args, 2, "token <customer> [--minutes N]"));
        } else if (args.size() != 1) {
            throw new UsageException("usage: streamkit token <customer> [--minutes N]");
        }
        StreamkitServer running = RUNNING_SERVER.get();
        if (running != null) { // forwarded to the process that runs the server: it signs with the key it holds
            try {
                out.println(running.mintToken(customer, ttl));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            return OK;
        }
        // The server's key lives in its data folder; a short-lived instance on a free port signs the token.
        try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(serverFolder).port(0).build())) {
            out.println(server.mintToken(customer, ttl));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return OK;
    }

    /** {@code remote}: the remote tiers' settings, as the preference page shows and sets them. */
    private int remote(List<String> args) throws UsageException, IOException, org.eclipse.equinox.security.storage.StorageException {
        RemoteSettings s = settings.get();
        if (args.isEmpty()) {
            Map<String, Object> cloud = s.read(RemoteSettings.CLOUD_PID);
            Map<String, Object> obs = s.read(RemoteSettings.OBS_PID);
            String url = String.valueOf(cloud.getOrDefault("url", ""));
            String auth = String.valueOf(cloud.getOrDefault(RemoteSettings.AUTH_URL, ""));
            out.printf(Locale.ROOT, "cloud  %-3s  %s  (%s%s)%n", url.isEmpty() || !RemoteSettings.enabled(cloud) ? "off" : "on",
                    url.isEmpty() ? "no URL set" : url,
                    s.hasSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.ACCESS_TOKEN) ? "signed in" : "not signed in",
                    auth.isBlank() ? "" : "; sign-in service " + auth);
            out.printf(Locale.ROOT, "obs    %-3s  %s:%s  (%s)%n", RemoteSettings.enabled(obs) ? "on" : "off",
                    obs.getOrDefault("host", "127.0.0.1"), obs.getOrDefault("port", 4455),
                    s.hasSecret(RemoteSettings.OBS_NODE, RemoteSettings.OBS_PASSWORD) ? "password set" : "no password");
            return OK;
        }
        String usage = "remote [cloud set <url> | cloud token <file|-> | cloud auth <url|default> | obs set <host> <port>"
                + " | <cloud|obs> on|off]";
        String tier = args.get(0);
        if (!tier.equals("cloud") && !tier.equals("obs") || args.size() < 2) {
            throw new UsageException("usage: streamkit " + usage);
        }
        String pid = tier.equals("cloud") ? RemoteSettings.CLOUD_PID : RemoteSettings.OBS_PID;
        switch (args.get(1)) {
            case "on", "off" -> {
                arity(args, 2, 2, usage);
                if (tier.equals("cloud") && args.get(1).equals("on")
                        && String.valueOf(s.read(pid).getOrDefault("url", "")).isBlank()) {
                    throw new IllegalStateException("set the cloud's URL first: streamkit remote cloud set <url>");
                }
                s.update(pid, Map.of(StorageTier.ENABLED, args.get(1).equals("on")));
                err.println("The " + tier + " tier is " + args.get(1));
            }
            case "set" -> {
                if (tier.equals("cloud")) {
                    arity(args, 3, 3, usage);
                    String url;
                    try {
                        url = CloudUrls.check(args.get(2)).toString();
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                    s.update(pid, Map.of("url", url));
                    err.println("The cloud tier syncs with " + url);
                } else {
                    arity(args, 4, 4, usage);
                    int port = number(args, 3, usage);
                    if (port < 1 || port > 65535 || args.get(2).isBlank()) {
                        throw new UsageException("OBS needs a host and a port from 1 to 65535");
                    }
                    s.update(pid, Map.of("host", args.get(2).strip(), "port", port));
                    err.println("The OBS tier connects to " + args.get(2).strip() + ":" + port);
                }
            }
            case "auth" -> {
                if (!tier.equals("cloud")) {
                    throw new UsageException("usage: streamkit " + usage);
                }
                arity(args, 3, 3, usage);
                if (String.valueOf(s.read(pid).getOrDefault("url", "")).isBlank()) {
                    throw new IllegalStateException("set the cloud's URL first: streamkit remote cloud set <url>");
                }
                String auth = "";
                if (!args.get(2).equals("default")) {
                    try {
                        auth = CloudUrls.check(args.get(2)).toString();
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage().replace("cloud API URL", "sign-in service URL"));
                    }
                }
                s.update(pid, Map.of(RemoteSettings.AUTH_URL, auth));
                err.println(auth.isEmpty() ? "The sign-in is refreshed by the default sign-in service"
                        : "The sign-in is refreshed by " + auth);
            }
            case "token" -> {
                if (!tier.equals("cloud")) {
                    throw new UsageException("usage: streamkit " + usage);
                }
                arity(args, 3, 3, usage);
                String token = (args.get(2).equals("-") ? new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(args.get(2)), StandardCharsets.UTF_8)).strip();
                if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
                    throw new UsageException("a token is one word without spaces");
                }
                // A pasted token comes without a refresh token; an old one belongs to the sign-in it replaces.
                s.saveSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.ACCESS_TOKEN, token, RemoteSettings.REFRESH_TOKEN);
                err.println("Signed in to the cloud with the token (kept encrypted in Secure Storage)");
            }
            default -> throw new UsageException("usage: streamkit " + usage);
        }
        return OK;
    }

    /** The most lines {@code login} reads while waiting for a code that is 9 digits. */
    private static final int MAX_CODE_LINES = 10;

    /** {@code login <email>}: the auth service mails a code; the sign-in is saved before this says it worked. */
    private int login(List<String> args) throws UsageException, IOException, org.eclipse.equinox.security.storage.StorageException,
            StorageException {
        arity(args, 1, 1, "login <email>");
        RemoteSettings s = settings.get();
        Map<String, Object> cloud = s.read(RemoteSettings.CLOUD_PID);
        String url = String.valueOf(cloud.getOrDefault("url", ""));
        if (url.isBlank()) {
            throw new IllegalStateException("set the cloud's URL first: streamkit remote cloud set <url>");
        }
        String email = args.get(0).strip();
        java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        try (CloudSignIn signIn = new CloudSignIn(url, String.valueOf(cloud.getOrDefault(RemoteSettings.AUTH_URL, "")))) {
            err.println(signIn.requestCode(email) + " (sign-in service " + signIn.authService() + ")");
            for (int read = 0; read < MAX_CODE_LINES; read++) {
                err.print("Code from the email: ");
                err.flush();
                String code = lines.readLine();
                if (code == null) {
                    throw new IllegalStateException("no code was entered; not signed in");
                }
                try {
                    MemoryTokens tokens = new MemoryTokens(null, null);
                    CloudSignIn.Account account = signIn.verify(email, code, tokens);
                    s.saveSignIn(tokens.accessToken(), tokens.refreshToken()); // saved before it says it worked
                    out.println("Signed in as " + account.email() + " (customer " + account.customerId() + "); the sign-in is"
                            + " kept encrypted in Secure Storage and refreshed by itself");
                    return OK;
                } catch (CloudSignIn.SignInException e) {
                    err.println(e.getMessage());
                    if (e.codeGone()) {
                        return FAILURE;
                    }
                }
            }
            err.println("No valid code after " + MAX_CODE_LINES + " lines; not signed in");
            return FAILURE;
        } catch (CloudSignIn.SignInException e) {
            err.println("streamkit: login: " + e.getMessage());
            return FAILURE;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** {@code logout}: ends the sign-in at the service (best effort) and forgets it here. */
    private int logout(List<String> args) throws UsageException, IOException, org.eclipse.equinox.security.storage.StorageException {
        arity(args, 0, 0, "logout");
        RemoteSettings s = settings.get();
        String access = s.readSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.ACCESS_TOKEN);
        if (access == null) {
            err.println("Not signed in to the cloud");
            return OK;
        }
        Map<String, Object> cloud = s.read(RemoteSettings.CLOUD_PID);
        String url = String.valueOf(cloud.getOrDefault("url", ""));
        boolean ended = false;
        if (!url.isBlank()) {
            try (CloudSignIn signIn = new CloudSignIn(url, String.valueOf(cloud.getOrDefault(RemoteSettings.AUTH_URL, "")))) {
                ended = signIn.logout(access);
            } catch (IllegalArgumentException e) {
                ended = false;
            }
        }
        s.saveSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.ACCESS_TOKEN, "", RemoteSettings.REFRESH_TOKEN);
        out.println(ended ? "Signed out (the sign-in ended at the service)"
                : "Signed out here (the sign-in service could not be told; its refresh token is forgotten)");
        return OK;
    }

    /** {@code whoami}: the account the saved sign-in names (read from its token; the token itself is never shown). */
    private int whoami(List<String> args) throws UsageException, org.eclipse.equinox.security.storage.StorageException {
        arity(args, 0, 0, "whoami");
        RemoteSettings s = settings.get();
        String access = s.readSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.ACCESS_TOKEN);
        if (access == null) {
            err.println("streamkit: whoami: not signed in to the cloud (streamkit login <email>)");
            return FAILURE;
        }
        boolean refreshable = s.hasSecret(RemoteSettings.CLOUD_NODE, RemoteSettings.REFRESH_TOKEN);
        Optional<CloudSignIn.Account> account = CloudSignIn.account(access);
        if (json) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            account.ifPresent(a -> {
                node.put("email", a.email());
                node.put("customerId", a.customerId());
                node.put("displayName", a.displayName());
                node.put("accessTokenExpires", a.expiresAt() == null ? null : a.expiresAt().toString());
            });
            node.put("refreshable", refreshable);
            out.println(node.toPrettyString());
            return OK;
        }
        if (account.isEmpty()) {
            out.println("Signed in with a token that names no account" + (refreshable ? "" : " (not refreshable)"));
            return OK;
        }
        CloudSignIn.Account a = account.get();
        out.println("Signed in as " + (a.email().isEmpty() ? a.customerId() : a.email()) + " (customer " + a.customerId() + ")");
        boolean expired = a.expiresAt() != null && a.expiresAt().isBefore(java.time.Instant.now());
        err.println((expired ? "The access token expired at " : "The access token is good until ") + a.expiresAt()
                + (refreshable ? "; it is refreshed by itself" : "; no refresh token: sign in again when it expires"));
        return OK;
    }

    /** {@code encryption [on [--passphrase-stdin] | forget]}: the cloud's end-to-end encryption on this device. */
    private int encryption(List<String> args) throws UsageException, IOException, StorageException,
            org.eclipse.equinox.security.storage.StorageException {
        String usage = "encryption [on [--passphrase-stdin] | forget]";
        String what = args.isEmpty() ? "status" : args.get(0);
        boolean stdin = args.size() == 2 && args.get(1).equals("--passphrase-stdin");
        if (args.size() > 2 || args.size() == 2 && (!what.equals("on") || !stdin) || !List.of("status", "on", "forget").contains(what)) {
            throw new UsageException("usage: streamkit " + usage);
        }
        RemoteSettings s = settings.get();
        if (what.equals("forget")) {
            org.streamkit.sync.tier.cloud.Encryption.forget(s.secureRoot());
            org.streamkit.sync.tier.cloud.Encryption.keyChanged();
            err.println("The encryption key is removed from this device; an encrypted account's configs no longer sync here"
                    + " until the passphrase is entered again (streamkit encryption on)");
            return OK;
        }
        Map<String, Object> cloud = s.read(RemoteSettings.CLOUD_PID);
        String url = String.valueOf(cloud.getOrDefault("url", ""));
        if (url.isBlank()) {
            throw new IllegalStateException("set the cloud's URL first: streamkit remote cloud set <url>");
        }
        try (org.streamkit.sync.tier.cloud.Encryption e = new org.streamkit.sync.tier.cloud.Encryption(url,
                String.valueOf(cloud.getOrDefault(RemoteSettings.AUTH_URL, "")), s.secureRoot())) {
            if (what.equals("status")) {
                org.streamkit.sync.tier.cloud.Encryption.State state = e.state();
                if (json) {
                    ObjectNode node = JsonNodeFactory.instance.objectNode();
                    node.put("on", state.on());
                    node.put("accountKey", state.accountKey());
                    node.put("deviceKey", state.deviceKey());
                    node.put("problem", state.problem());
                    out.println(node.toPrettyString());
                } else if (!state.on()) {
                    out.println("End-to-end encryption is off: the cloud stores this account's configs as they are");
                } else {
                    out.println("End-to-end encryption is on (key " + state.accountKey() + ")"
                            + (state.problem() == null ? "; this device has the key" : ""));
                }
                if (state.problem() != null) {
                    err.println(state.problem());
                    return FAILURE;
                }
                return OK;
            }
            boolean first = e.firstDevice();
            char[] passphrase = passphrase(stdin, first);
            try {
                int sealed = e.turnOn(passphrase);
                org.streamkit.sync.tier.cloud.Encryption.keyChanged();
                out.println((first ? "End-to-end encryption is on for this account" : "This device has the account's encryption key")
                        + " (kept encrypted in Secure Storage); " + sealed + " configs the cloud held unencrypted are encrypted now."
                        + " Run streamkit sync to take and send what waited.");
                return OK;
            } catch (org.streamkit.sync.tier.cloud.Encryption.WrongPassphraseException wrong) {
                err.println("streamkit: encryption: " + wrong.getMessage());
                return FAILURE;
            } catch (IllegalArgumentException tooShort) {
                throw new UsageException(tooShort.getMessage());
            } finally {
                java.util.Arrays.fill(passphrase, '\0');
            }
        } catch (IllegalArgumentException badUrl) {
            throw new UsageException(badUrl.getMessage());
        }
    }

    /** @return the passphrase from standard input (one line) or the terminal (twice for a new one), never echoed */
    private char[] passphrase(boolean stdin, boolean first) throws UsageException, IOException {
        if (stdin) {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new UsageException("no passphrase on standard input");
            }
            return line.toCharArray();
        }
        char[] typed = typed(first ? "Choose the account's encryption passphrase: " : "The account's encryption passphrase: ",
                "passphrase", "--passphrase-stdin");
        if (typed.length == 0) {
            throw new UsageException("no passphrase was entered");
        }
        if (first) {
            char[] again = typed("The same again: ", "passphrase", "--passphrase-stdin");
            if (!java.util.Arrays.equals(typed, again)) {
                throw new UsageException("the two passphrases differ; nothing was changed");
            }
        }
        return typed;
    }

    /**
     * @return a secret typed on the terminal, not echoed (empty when nothing was typed)
     * @throws UsageException when there is no terminal: the secret is then piped in with {@code option}
     */
    private static char[] typed(String prompt, String what, String option) throws UsageException {
        java.io.Console console = System.console();
        if (console == null) {
            throw new UsageException("no terminal to ask for the " + what + " on: pipe it in with " + option);
        }
        char[] typed = console.readPassword(prompt);
        return typed == null ? new char[0] : typed;
    }

    /** {@code obs password [--password-stdin]}: the OBS WebSocket password, into Secure Storage. */
    private int obs(List<String> args) throws UsageException, IOException, org.eclipse.equinox.security.storage.StorageException {
        String usage = "obs password [--password-stdin]";
        if (args.isEmpty() || !args.get(0).equals("password") || args.size() > 2
                || args.size() == 2 && !args.get(1).equals("--password-stdin")) {
            throw new UsageException("usage: streamkit " + usage);
        }
        String password;
        if (args.size() == 2) {
            password = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            password = password.endsWith("\r\n") ? password.substring(0, password.length() - 2)
                    : password.endsWith("\n") ? password.substring(0, password.length() - 1) : password;
        } else {
            password = new String(typed("OBS WebSocket password (empty removes it): ", "password", "--password-stdin"));
        }
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            throw new UsageException("a password is one line");
        }
        settings.get().saveSecret(RemoteSettings.OBS_NODE, RemoteSettings.OBS_PASSWORD, password);
        err.println(password.isEmpty() ? "The OBS password is removed" : "The OBS password is saved (encrypted in Secure Storage)");
        return OK;
    }

    private static int number(List<String> args, int index, String usage) throws UsageException {
        try {
            return Integer.parseInt(args.get(index));
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            throw new UsageException("usage: streamkit " + usage);
        }
    }

    private static JsonNode tree(ConfigDocument d) {
        try {
            return ConfigJson.reader().readTree(ConfigJson.writer().writeValueAsBytes(d));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
