package org.streamkit.sync.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.bench.Table.Latency;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.tier.cloud.CloudEvents;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * The cloud tier against the local Streamkit API server on 127.0.0.1: an incremental pull of 10 changes
 * among 100,000 stored configs (time and bytes, beside a full listing), edit → visible on a second
 * device through the change stream, and the requests 1,000 rapid edits cause. Prints one table.
 */
class CloudBenchmark {

    private static final int STORED = Integer.getInteger("streamkit.bench.cloudConfigs", 100_000);
    private final Path work = Path.of(System.getProperty("streamkit.test.output", "target"), "bench-cloud");

    private static Coordinator device(Path folder, ScheduledExecutorService scheduler, CloudHttp http, Duration debounce)
            throws Exception {
        Coordinator c = Coordinator.open(folder, new ExecutorTimer(scheduler), scheduler,
                new Settings(false, 20, Duration.ZERO, false, Duration.ofMillis(200), Duration.ofSeconds(5)), EventSink.NONE);
        c.addTier(new Coordinator.Tier(new MemoryStore("memory"), "memory", 500, 1, false, Duration.ZERO));
        c.addTier(new Coordinator.Tier(new CloudStore("cloud", http, Set.of("notes")), "cloud", 100, 2, true, debounce));
        return c;
    }

    @Test
    void cloudFigures() throws Exception {
        LocalTierBenchmark.deleteTree(work);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
        Table table = new Table("Cloud tier against the local server, one run", "measurement", "figure", "target", "result");
        try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(work.resolve("server")).host("127.0.0.1")
                .port(0).rateLimit(0, 1).build())) {
            String token = server.mintToken("streamer");
            // 1. 100,000 stored configs, 10 changed: an incremental pull against a full listing.
            try (CloudHttp writer = new CloudHttp(server.uri(), new MemoryTokens(token, null), Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 30)) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> work = new ArrayList<>();
                CloudStore store = new CloudStore("cloud", writer, Set.of("notes"));
                for (int t = 0; t < 8; t++) {
                    int slice = t;
                    work.add(pool.submit(() -> {
                        for (int i = slice; i < STORED; i += 8) {
                            store.put(org.streamkit.sync.api.ConfigDocument.of(new ConfigKey("notes", "n" + i),
                                    ConfigJson.newObject().put("name", "config " + i).put("pad", "p".repeat(200)),
                                    java.time.Instant.now(), java.time.Instant.now()));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(30, TimeUnit.MINUTES);
                }
                pool.shutdown();
            }
            try (CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(token, null), Duration.ofSeconds(5), Duration.ofSeconds(60), 1L << 30)) {
                CloudStore reader = new CloudStore("cloud", http, Set.of("notes"));
                long bytes0 = http.bytesReceived();
                long t0 = System.nanoTime();
                Pulls.Pulled full = Pulls.all(reader, 5000);
                long fullMs = (System.nanoTime() - t0) / 1_000_000;
                long fullBytes = http.bytesReceived() - bytes0;
                assertEquals(STORED, full.documents());
                try (CloudHttp writer = new CloudHttp(server.uri(), new MemoryTokens(token, null), Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 20)) {
                    CloudStore store = new CloudStore("cloud", writer, Set.of("notes"));
                    for (int i = 0; i < 10; i++) {
                        store.put(org.streamkit.sync.api.ConfigDocument.of(new ConfigKey("notes", "n" + (i * 9973)),
                                ConfigJson.newObject().put("name", "changed " + i), java.time.Instant.now(), java.time.Instant.now()));
                    }
                }
                long bytes1 = http.bytesReceived();
                long t1 = System.nanoTime();
                org.streamkit.sync.api.Changes changes = reader.changedSince(full.cursor(), 5000);
                long incMicros = (System.nanoTime() - t1) / 1000;
                long incBytes = http.bytesReceived() - bytes1;
                assertEquals(10, changes.documents().size());
                table.row("full listing of " + STORED + " configs (first sync)", fullMs + " ms, " + fullBytes / 1024 + " KiB", "—", "—");
                table.row("incremental pull: " + STORED + " stored, 10 changed", String.format(Locale.ROOT, "%.1f ms, %d bytes",
                        incMicros / 1000.0, incBytes), "only the changes travel", incBytes * 100 < fullBytes ? "PASS" : "MISS");
            }

            // 2. Edit → visible on a second device through the change stream, with the product's 1 s debounce.
            try (CloudHttp httpA = new CloudHttp(server.uri(), new MemoryTokens(token, null), Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 24);
                    CloudHttp httpB = new CloudHttp(server.uri(), new MemoryTokens(token, null), Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 24);
                    Coordinator a = device(work.resolve("a"), scheduler, httpA, Duration.ofSeconds(1));
                    Coordinator b = device(work.resolve("b"), scheduler, httpB, Duration.ofSeconds(1));
                    CloudEvents stream = new CloudEvents(httpB, key -> b.pullSoon("cloud"))) {
                stream.start();
                waitUntil(stream::connected);
                b.syncNow(); // catch up with the 100,000 first, so each sample measures one change
                long[] visible = new long[12];
                for (int i = 0; i < visible.length; i++) {
                    ConfigKey key = new ConfigKey("notes", "live-" + i);
                    long t0 = System.nanoTime();
                    a.put(key, ConfigJson.newObject().put("name", "edit " + i));
                    waitUntil(() -> {
                        try {
                            return b.get(key).isPresent();
                        } catch (Exception e) {
                            return false;
                        }
                    });
                    visible[i] = System.nanoTime() - t0;
                }
                Latency l = Latency.of(visible);
                table.row("edit → visible on a second device (change stream, debounce 1 s), p50 / p99",
                        Table.time(l.p50()) + " / " + Table.time(l.p99()), "≤ debounce + 1 s", l.p99() <= 2_000_000_000L ? "PASS" : "MISS");

                // 3. Requests caused by 1,000 rapid edits of one config.
                long before = httpA.requests();
                ConfigKey rapid = new ConfigKey("notes", "rapid");
                for (int i = 0; i < 1000; i++) {
                    a.put(rapid, ConfigJson.newObject().put("n", i));
                }
                waitUntil(() -> {
                    try {
                        return b.get(rapid).map(d -> d.body().get("n").asInt() == 999).orElse(false);
                    } catch (Exception e) {
                        return false;
                    }
                });
                long requests = httpA.requests() - before;
                table.row("cloud requests caused by 1,000 rapid edits of one config", requests + " (read, write, read back)",
                        "≤ 1 % of the edits", requests <= 10 ? "PASS" : "MISS");
            }
        } finally {
            scheduler.shutdownNow();
        }
        table.publish("cloud.md", String.format(Locale.ROOT, "Run %s on %d cores, Java %s; server and clients on 127.0.0.1.",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(2);
        }
    }
}
