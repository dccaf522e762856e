package org.streamkit.sync.tier.xodus.tests;

import java.nio.file.Path;
import java.time.Instant;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * The child process of {@link LocalTierCrashTest}: writes configs to both local tiers in a loop until it
 * is killed. Before each operation it prints {@code B <op> <id> <n>}, and once both tiers have returned
 * {@code A <op> <id> <n>}: an "A" line is an acknowledged write. Each line also goes to {@code journal.txt}
 * first, which is what the test reads.
 * <p>
 * Arguments: {@code <folder> <first n> <durability>}. It also serves as the process that holds a store's
 * lock ({@code hold <folder>}).
 */
public final class CrashWriter {

    /** Flushed on every line: a "B" line must be out before its write starts, an "A" line as soon as it ends. */
    private static final java.io.PrintStream OUT = new java.io.PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, java.nio.charset.StandardCharsets.UTF_8);
    /**
     * The same lines, each appended to {@code journal.txt} in one write: what a process wrote to a file
     * survives its kill -9 (the OS holds it), so the test reads its record from there, not from a pipe
     * whose last lines can still be in transit when the process dies.
     */
    private static java.io.FileOutputStream journal;

    private static void say(String line) throws java.io.IOException {
        journal.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        OUT.println(line);
    }

    /** What the child process needs besides this fragment's host: the fragment itself and the tiers' libraries. */
    static final java.util.List<String> BUNDLES = java.util.List.of("org.streamkit.sync.tier.xodus.tests",
            "org.streamkit.sync.tier.xodus", "org.streamkit.sync.tier.file", "org.streamkit.sync.api", "jetbrains.exodus",
            "com.fasterxml.jackson.core.jackson-core", "com.fasterxml.jackson.core.jackson-databind",
            "com.fasterxml.jackson.core.jackson-annotations", "slf4j.api", "slf4j.simple");

    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[args.length > 0 && args[0].equals("hold") ? 1 : 0]);
        if (args[0].equals("hold")) {
            try (XodusStore store = XodusStore.open("xodus", folder, XodusStore.Durability.PROCESS_CRASH, 0)) {
                OUT.println("HOLDING " + store.directory());
                Thread.sleep(60_000); // killed by the test long before
            }
            return;
        }
        long n = Long.parseLong(args[1]);
        journal = new java.io.FileOutputStream(folder.resolve("journal.txt").toFile(), true);
        XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.valueOf(args[2]), 5000);
        FileStore files = FileStore.open("file", folder.resolve("file"), Runnable::run);
        String pad = "p".repeat(900);
        while (true) {
            ConfigKey key = new ConfigKey("crash", "c" + n);
            write("PUT", key, n, xodus, files, pad);
            if (n % 5 == 0) {
                write("HOT", new ConfigKey("crash", "hot"), n, xodus, files, pad);
            }
            if (n % 7 == 0 && n > 5) {
                ConfigKey old = new ConfigKey("crash", "c" + (n - 5));
                say("B DEL " + old.id() + " " + n);
                Instant now = Instant.now();
                xodus.delete(old, now);
                files.delete(old, now);
                say("A DEL " + old.id() + " " + n);
            }
            n++;
        }
    }

    private static void write(String op, ConfigKey key, long n, XodusStore xodus, FileStore files, String pad)
            throws Exception {
        say("B " + op + " " + key.id() + " " + n);
        Instant now = Instant.now();
        ConfigDocument doc = ConfigDocument.of(key, ConfigJson.newObject().put("n", n).put("pad", pad), now, now);
        xodus.put(doc);
        files.put(doc);
        say("A " + op + " " + key.id() + " " + n);
    }
}
