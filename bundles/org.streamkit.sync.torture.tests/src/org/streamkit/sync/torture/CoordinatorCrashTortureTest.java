package org.streamkit.sync.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.ChildJvm;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.tier.cloud.MemoryTokens;

/**
 * {@code kill -9} of a device saving configs through the coordinator, as the product does (memory, Xodus,
 * file, the durable outbox and the cloud tier to the local API server), at random moments. After each kill
 * the device starts again on the same folders: every save it acknowledged must be there, locally and, once
 * the outbox drained, on the server. Trials: {@code -Dstreamkit.torture.kills} (5 in the normal run).
 */
class CoordinatorCrashTortureTest {

    private static final List<String> BUNDLES = List.of("org.streamkit.sync.api", "org.streamkit.sync.coordinator",
            "org.streamkit.sync.testing",
            "org.streamkit.sync.tier.memory", "org.streamkit.sync.tier.xodus", "org.streamkit.sync.tier.file",
            "org.streamkit.sync.tier.cloud", "jetbrains.exodus", "com.fasterxml.jackson.core.jackson-core",
            "com.fasterxml.jackson.core.jackson-databind", "com.fasterxml.jackson.core.jackson-annotations",
            "com.fasterxml.jackson.datatype.jackson-datatype-jsr310", "org.apache.httpcomponents.client5.httpclient5",
            "org.apache.httpcomponents.core5.httpcore5", "org.apache.httpcomponents.core5.httpcore5-h2", "slf4j.api",
            "slf4j.simple");

    @Test
    void noSaveTheDeviceAcknowledgedIsLostWhenItIsKilled(@TempDir Path folder) throws Exception {
        int trials = Integer.getInteger("streamkit.torture.kills", 5);
        long seed = Long.getLong("streamkit.torture.seed", System.nanoTime());
        Random random = new Random(seed);
        Path device = Files.createDirectories(folder.resolve("device"));
        Map<String, Long> acknowledged = new HashMap<>();
        int acks = 0;
        long next = 0;
        long drainMillis = 0;
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0).build());
                CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer", Duration.ofHours(2)), null),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20)) {
            CloudStore truth = new CloudStore("cloud", http, Set.of("crash"));
            String token = server.mintToken("streamer", Duration.ofHours(2));
            for (int trial = 0; trial < trials; trial++) {
                Files.deleteIfExists(device.resolve("journal.txt"));
                Process child = ChildJvm.java(CoordinatorCrashWriter.class, BUNDLES, device.toString(), Long.toString(next),
                        server.uri().toString(), token).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                // Kill it at a random moment once it is saving: after 1 to 400 acknowledged saves.
                int target = 1 + random.nextInt(400);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (countAcks(device) < target && child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                assertTrue(child.isAlive(), "the writer died by itself; see the test output");
                child.destroyForcibly().waitFor(); // SIGKILL
                List<String> lines = Files.readAllLines(device.resolve("journal.txt"), StandardCharsets.UTF_8);
                for (String line : lines) {
                    String[] p = line.split(" ");
                    if (p.length == 4 && p[0].equals("A")) {
                        acknowledged.merge(p[2], Long.parseLong(p[3]), Math::max);
                        acks++;
                    }
                    if (p.length == 4) {
                        next = Math.max(next, Long.parseLong(p[3]) + 1);
                    }
                }
                // Start again on the same folders: everything acknowledged is there, and reaches the server.
                long start = System.nanoTime();
                try (CoordinatorCrashWriter.Device again = CoordinatorCrashWriter.open(device, scheduler, server.uri(), token)) {
                    for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
                        // Read from the local tiers themselves: a read through the coordinator could come from the server.
                        // A write the kill cut off between the two tiers is made whole when the tiers join again.
                        ConfigDocument local = again.local().agreed(new ConfigKey("crash", e.getKey()), Duration.ofSeconds(30))
                                .filter(d -> !d.deleted())
                                .orElseThrow(() -> new AssertionError("acknowledged save of " + e.getKey() + " lost (seed " + seed + ")"));
                        assertTrue(local.body().get("n").asLong() >= e.getValue(), "crash/" + e.getKey() + " went back from n="
                                + e.getValue() + " to " + local.body().get("n") + " (seed " + seed + ")");
                    }
                    long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!again.coordinator().outbox().isEmpty() && System.nanoTime() < limit) {
                        again.coordinator().syncNow();
                        Thread.sleep(50);
                    }
                    assertEquals(List.of(), again.coordinator().outbox(), "the outbox drains after the restart (seed " + seed + ")");
                    drainMillis = Math.max(drainMillis, (System.nanoTime() - start) / 1_000_000);
                    for (String id : acknowledged.keySet()) {
                        ConfigKey key = new ConfigKey("crash", id);
                        Optional<ConfigDocument> remote = truth.get(key);
                        assertTrue(remote.isPresent() && remote.get().sameVersion(again.local().live(key).orElseThrow()),
                                key + " on the server differs from the device after the restart (seed " + seed + ")");
                    }
                }
            }
        } finally {
            scheduler.shutdownNow();
        }
        TortureReport.add("kill -9", String.format(java.util.Locale.ROOT,
                "%d kill -9 trials of a device saving through the coordinator (memory, Xodus, file, outbox, cloud; seed %d):"
                        + " %d acknowledged saves of %d configs, 0 lost locally, 0 lost on the way to the server; the outbox drained"
                        + " within %d ms of each restart",
                trials, seed, acks, acknowledged.size(), drainMillis));
    }

    private static long countAcks(Path device) {
        try {
            Path journal = device.resolve("journal.txt");
            if (!Files.exists(journal)) {
                return 0;
            }
            return Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("A ")).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
