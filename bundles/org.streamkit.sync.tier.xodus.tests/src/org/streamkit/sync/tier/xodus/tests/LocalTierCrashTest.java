package org.streamkit.sync.tier.xodus.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.testing.ChildJvm;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * Kills a writing process with {@code kill -9} at random moments and checks, after each kill, that every
 * write it acknowledged is in both local tiers, whole. The number of kills is
 * {@code -Dstreamkit.crash.trials} (20 in the normal run). Zero losses is the only pass.
 */
class LocalTierCrashTest {

    private record Expected(long n, boolean deleted) {
    }

    @Test
    void noAcknowledgedWriteIsLostWhenTheWriterIsKilled(@TempDir Path folder) throws Exception {
        int trials = Integer.getInteger("streamkit.crash.trials", 20);
        long seed = Long.getLong("streamkit.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        Map<String, Expected> expected = new HashMap<>();
        // Deletes that were in flight when a writer died: they may or may not have happened, in any later check.
        java.util.Set<String> maybeDeleted = new java.util.HashSet<>();
        long hotAtLeast = -1;
        long next = 0;
        int acknowledged = 0;
        int checks = 0;
        List<String> history = new ArrayList<>(); // every line of every trial, for a failure's story
        for (int trial = 0; trial < trials; trial++) {
            List<String> lines = runAndKill(folder, next, random);
            history.add("-- trial " + trial + " from " + next);
            history.addAll(lines);
            String inFlight = null;
            for (String line : lines) {
                String[] p = line.split(" ");
                if (p.length != 4) {
                    continue; // a line cut by the kill
                }
                long n = Long.parseLong(p[3]);
                next = Math.max(next, n + 1);
                if (p[0].equals("B")) {
                    inFlight = p[1] + " " + p[2];
                    continue;
                }
                inFlight = null;
                acknowledged++;
                switch (p[1]) {
                    case "PUT" -> expected.put(p[2], new Expected(n, false));
                    case "DEL" -> expected.put(p[2], new Expected(n, true));
                    case "HOT" -> hotAtLeast = Math.max(hotAtLeast, n);
                    default -> throw new AssertionError("unknown line " + line);
                }
            }
            next++; // the in-flight write may or may not have landed: never reuse its id
            if (inFlight != null && inFlight.startsWith("DEL ")) {
                maybeDeleted.add(inFlight.substring(4));
            }
            try (XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 5000)) {
                FileStore files = FileStore.open("file", folder.resolve("file"), Runnable::run);
                for (StorageTier tier : List.of(xodus, files)) {
                    for (Map.Entry<String, Expected> e : expected.entrySet()) {
                        ConfigKey key = new ConfigKey("crash", e.getKey());
                        Optional<ConfigDocument> stored = tier.get(key);
                        int t = trial;
                        java.util.function.Function<String, java.util.function.Supplier<String>> why = what -> () -> what
                                + " in " + tier.name() + " after trial " + t + " (seed " + seed + "): " + key
                                + story(history, e.getKey());
                        assertTrue(stored.isPresent(), why.apply("acknowledged write lost"));
                        boolean deletingNow = maybeDeleted.contains(e.getKey());
                        if (e.getValue().deleted()) {
                            assertTrue(stored.get().deleted(), why.apply("acknowledged delete lost"));
                        } else if (!(deletingNow && stored.get().deleted())) {
                            assertTrue(!stored.get().deleted(), why.apply("acknowledged write turned into a delete"));
                            assertEquals(e.getValue().n(), stored.get().body().get("n").asLong(), why.apply("wrong version"));
                            assertEquals(900, stored.get().body().get("pad").asText().length(), why.apply("torn body"));
                        }
                        checks++;
                    }
                    if (hotAtLeast >= 0) {
                        long hot = tier.get(new ConfigKey("crash", "hot")).orElseThrow().body().get("n").asLong();
                        assertTrue(hot >= hotAtLeast, tier.name() + ": the last acknowledged update of 'hot' was lost");
                    }
                }
                assertTrue(files.unreadableFiles().isEmpty(), "torn backup files: " + files.unreadableFiles());
            }
        }
        System.out.printf("Crash test: %d kill -9 trials (seed %d), %d acknowledged writes, %d checks, 0 lost%n", trials,
                seed, acknowledged, checks);
        assertTrue(acknowledged > trials, "the writer made progress between kills");
    }

    /** The lines that name a key, with the trial markers, for a failure message. */
    private static String story(List<String> history, String id) {
        StringBuilder b = new StringBuilder();
        for (String line : history) {
            if (line.startsWith("--") || line.contains(" " + id + " ")) {
                b.append("\n  ").append(line);
            }
        }
        return b.toString();
    }

    /** Runs the writer until a random moment after its first acknowledgement, kills it, and returns its journal lines. */
    private static List<String> runAndKill(Path folder, long first, Random random) throws Exception {
        Path journal = folder.resolve("journal.txt");
        long offset = java.nio.file.Files.exists(journal) ? java.nio.file.Files.size(journal) : 0;
        killMidStream(folder, first, random);
        byte[] all = java.nio.file.Files.readAllBytes(journal);
        String written = new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(written.split("\n")));
        if (!written.endsWith("\n") && !lines.isEmpty()) {
            lines.remove(lines.size() - 1); // a line the kill cut short
        }
        return lines;
    }

    private static void killMidStream(Path folder, long first, Random random) throws Exception {
        Process process = ChildJvm.java(CrashWriter.class, CrashWriter.BUNDLES, folder.toString(), Long.toString(first), "PROCESS_CRASH").start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Object firstAck = new Object();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("A ")) {
                        synchronized (firstAck) {
                            firstAck.notifyAll();
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // the process died: what was read is what it said
            }
        }, "crash-writer-output");
        reader.start();
        synchronized (firstAck) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (lines.stream().noneMatch(l -> l.startsWith("A ")) && System.currentTimeMillis() < deadline && process.isAlive()) {
                firstAck.wait(100);
            }
        }
        assertTrue(process.isAlive(), "the writer died by itself; output: " + lines);
        Thread.sleep(random.nextInt(400));
        process.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
        reader.join(10_000);
    }
}
