package org.streamkit.sync.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.bench.Table.Latency;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;
import org.streamkit.sync.tier.xodus.XodusStore.Durability;

/**
 * The coordinator's figures: a durable local write through the whole chain beside one raw fsync, a hot
 * read from the memory tier, a read that falls back to Xodus, how many remote writes 1,000 edits per
 * second cause, and the memory the cache holds per 10,000 configs. Prints one table; asserts no timing.
 */
class CoordinatorBenchmark {

    private static final String PAD = "x".repeat(1024 - 60);
    private final Path work = Path.of(System.getProperty("streamkit.test.output", "target"), "bench-coordinator");

    /** Store sizes of the durable-write curve; {@code -Dstreamkit.bench.coordinator.sizes=100,1000} runs fewer. */
    private static final int[] SIZES = Arrays.stream(System.getProperty("streamkit.bench.coordinator.sizes", "100,1000,10000,100000")
            .split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();

    /** One raw write of 1 KB and fsync, as a program that saves a file durably does. */
    private void rawFsync(byte[] kilobyte) throws Exception {
        try (FileChannel channel = FileChannel.open(work.resolve("raw.bin"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(kilobyte));
            channel.force(true);
        }
    }

    /**
     * @return the p50/p99 of 300 puts through a coordinator, of a raw 1 KB write + fsync between them, and of
     *         300 raw writes + fsync alone (after the puts, with nothing else writing: the baseline)
     */
    private Latency[] durableWrites(Coordinator coordinator) throws Exception {
        byte[] kilobyte = new byte[1024];
        long[] write = new long[300];
        long[] raw = new long[300];
        for (int i = -50; i < 300; i++) {
            long t0 = System.nanoTime();
            coordinator.put(new ConfigKey("bench", "w" + Math.floorMod(i, 100)), ConfigJson.newObject().put("i", i).put("pad", PAD));
            long t1 = System.nanoTime();
            rawFsync(kilobyte);
            long t2 = System.nanoTime();
            if (i >= 0) {
                write[i] = t1 - t0;
                raw[i] = t2 - t1;
            }
        }
        Thread.sleep(200); // the backup writes of the last puts end
        long[] alone = new long[300];
        for (int i = -50; i < 300; i++) {
            long t0 = System.nanoTime();
            rawFsync(kilobyte);
            if (i >= 0) {
                alone[i] = System.nanoTime() - t0;
            }
        }
        return new Latency[] { Latency.of(write), Latency.of(raw), Latency.of(alone) };
    }

    /**
     * A coordinator over the product's local tiers (the memory cache, Xodus and the file backup, all in one
     * durability mode) and a remote that counts what it receives, holding {@code size} configs first.
     */
    private static final class Chain implements AutoCloseable {
        final XodusStore xodus;
        final Coordinator coordinator;
        final CountingRemote remote = new CountingRemote();
        final MemoryStore memory = new MemoryStore("memory");

        Chain(Path folder, boolean powerLoss, int size, ScheduledExecutorService scheduler, java.util.concurrent.Executor background,
                Settings settings) throws Exception {
            xodus = XodusStore.open("xodus", folder.resolve("xodus"), powerLoss ? Durability.POWER_LOSS : Durability.PROCESS_CRASH, 1000);
            FileStore files = FileStore.open("file", folder.resolve("file"), Runnable::run,
                    powerLoss ? FileStore.Durability.POWER_LOSS : FileStore.Durability.PROCESS_CRASH);
            coordinator = Coordinator.open(folder.resolve("state"), new ExecutorTimer(scheduler), background, settings, EventSink.NONE);
            // As the product registers them: the memory tier is a cache, not a durable tier.
            coordinator.addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
            coordinator.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
            coordinator.addTier(new Coordinator.Tier(files, "file", 300, 3, false, Duration.ZERO));
            coordinator.addTier(new Coordinator.Tier(remote, "cloud", 100, 4, true, Duration.ofSeconds(1)));
            Instant stamp = Instant.parse("2026-01-01T00:00:00Z");
            for (int from = 0; from < size; from += 1000) {
                List<ConfigDocument> batch = new java.util.ArrayList<>();
                for (int i = from; i < Math.min(size, from + 1000); i++) {
                    batch.add(ConfigDocument.of(new ConfigKey("filled", "f" + i), ConfigJson.newObject().put("pad", PAD), stamp, stamp));
                }
                coordinator.importVersions(batch);
            }
        }

        @Override
        public void close() throws Exception {
            coordinator.close();
            xodus.close();
        }
    }

    @Test
    void coordinatorFigures() throws Exception {
        LocalTierBenchmark.deleteTree(work);
        Files.createDirectories(work);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        Table table = new Table("Through the coordinator, one run", "measurement", "figure", "beside", "target", "result");
        // 1. Memory the cache holds per 10,000 configs of 1 KB.
        long before = usedHeap();
        MemoryStore cache = new MemoryStore("cache");
        for (int i = 0; i < 10_000; i++) {
            Instant now = Instant.now();
            cache.put(ConfigDocument.of(new ConfigKey("mem", "m" + i), ConfigJson.newObject().put("pad", PAD), now, now));
        }
        long after = usedHeap();
        assertEquals(10_000, cache.size());
        double held = (after - before) / 1048576.0;
        double json = 10_000 * 1024 / 1048576.0;
        table.row("heap held by the memory tier per 10,000 configs of 1 KB", String.format(Locale.ROOT, "%.1f MiB", held),
                String.format(Locale.ROOT, "10,000 × 1 KB = %.1f MiB of JSON (%.2f×)", json, held / json), "≤ 1.2× the JSON",
                held <= 1.2 * json ? "PASS" : "MISS");

        java.util.concurrent.ExecutorService background = Executors.newFixedThreadPool(2);
        Settings settings = new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(5));
        try (XodusStore xodus = XodusStore.open("xodus", work.resolve("xodus"), Durability.PROCESS_CRASH, 1000)) {
            // 2. Durable local write through the chain, round-robin with one raw write + fsync, in both modes, at
            // each store size. The baseline is a raw write + fsync measured alone, after the puts; the one between
            // the puts is printed beside it. A first chain, not counted, runs while the JIT compiles the path.
            for (boolean powerLoss : new boolean[] { false, true }) {
                Path folder = work.resolve("warm-up");
                try (Chain chain = new Chain(folder, powerLoss, 0, scheduler, background, settings)) {
                    durableWrites(chain.coordinator);
                }
                LocalTierBenchmark.deleteTree(folder);
            }
            for (int size : SIZES) {
                for (boolean powerLoss : new boolean[] { false, true }) {
                    Path folder = work.resolve((powerLoss ? "power-" : "crash-") + size);
                    try (Chain chain = new Chain(folder, powerLoss, size, scheduler, background, settings)) {
                        Latency[] l = durableWrites(chain.coordinator);
                        double ratio = (double) l[0].p50() / l[2].p50();
                        double target = powerLoss ? 1.5 : 0.2;
                        table.row(String.format(Locale.ROOT, "durable local write (memory cache + Xodus + file + outbox), %s, %,d configs, p50 / p99",
                                powerLoss ? "POWER_LOSS" : "PROCESS_CRASH (default)", size),
                                Table.time(l[0].p50()) + " / " + Table.time(l[0].p99()),
                                Table.ratio(ratio) + " of a raw fsync alone (" + Table.time(l[2].p50()) + "; between the puts "
                                        + Table.time(l[1].p50()) + ")",
                                powerLoss ? "≤ 1.5×" : "≤ 0.2× (no fsync on the path)", ratio <= target ? "PASS" : "MISS");
                    }
                    LocalTierBenchmark.deleteTree(folder);
                }
            }
            MemoryStore memory = new MemoryStore("memory");
            FileStore files = FileStore.open("file", work.resolve("file"), Runnable::run);
            CountingRemote remote = new CountingRemote();
            try (Coordinator coordinator = Coordinator.open(work.resolve("state"), new ExecutorTimer(scheduler), background,
                    settings, EventSink.NONE)) {
                coordinator.addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
                coordinator.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
                coordinator.addTier(new Coordinator.Tier(files, "file", 300, 3, false, Duration.ZERO));
                coordinator.addTier(new Coordinator.Tier(remote, "cloud", 100, 4, true, Duration.ofSeconds(1)));
                for (int i = 0; i < 100; i++) {
                    coordinator.put(new ConfigKey("bench", "w" + i), ConfigJson.newObject().put("i", i).put("pad", PAD));
                }

                // 3. Hot read: the memory tier answers.
                ConfigKey hot = new ConfigKey("bench", "w1");
                long[] batches = new long[2000];
                int perBatch = 1000;
                Optional<ConfigDocument> sink = Optional.empty();
                for (int b = -200; b < batches.length; b++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < perBatch; i++) {
                        sink = coordinator.get(hot);
                    }
                    if (b >= 0) {
                        batches[b] = (System.nanoTime() - t0);
                    }
                }
                assertTrue(sink.isPresent());
                Arrays.sort(batches);
                double hotNanos = (double) batches[batches.length / 2] / perBatch;
                table.row("hot read (memory tier answers), p50 of 1,000-read batches",
                        String.format(Locale.ROOT, "%.3f µs", hotNanos / 1000), "—", "≤ 0.2 µs", hotNanos <= 200 ? "PASS" : "MISS");

                // 4. A read the memory tier cannot answer falls back to Xodus.
                for (int i = 0; i < 2000; i++) {
                    Instant now = Instant.now();
                    xodus.put(ConfigDocument.of(new ConfigKey("cold", "c" + i), ConfigJson.newObject().put("pad", PAD), now, now));
                }
                long[] fallback = new long[2000];
                for (int i = 0; i < fallback.length; i++) {
                    long t0 = System.nanoTime();
                    coordinator.get(new ConfigKey("cold", "c" + i)).orElseThrow();
                    fallback[i] = System.nanoTime() - t0;
                }
                Latency f = Latency.of(fallback);
                table.row("read that falls back to Xodus (and refills the memory tier), p50 / p99",
                        Table.time(f.p50()) + " / " + Table.time(f.p99()), "—", "—", "—");

                // 5. 1,000 edits per second on 10 configs for 10 s: how many remote writes?
                remote.writes.clear();
                long start = System.nanoTime();
                int edits = 0;
                for (int second = 0; second < 10; second++) {
                    for (int i = 0; i < 1000; i++) {
                        long due = start + (second * 1000L + i) * 1_000_000L;
                        while (System.nanoTime() < due) {
                            Thread.onSpinWait();
                        }
                        coordinator.put(new ConfigKey("burst", "b" + (i % 10)), ConfigJson.newObject().put("n", edits++));
                    }
                }
                Thread.sleep(2500); // the last debounce runs out
                long elapsedMs = (System.nanoTime() - start) / 1_000_000 - 2500;
                // Only this burst's configs count: writes of the earlier steps may still be on their way.
                int remoteWrites = (int) remote.writes.stream().filter(d -> d.type().equals("burst")).count();
                double fewer = 100.0 * (edits - remoteWrites) / edits;
                table.row("remote writes for " + edits + " edits on 10 configs in " + elapsedMs + " ms",
                        remoteWrites + " (" + String.format(Locale.ROOT, "%.2f", fewer) + " % fewer)", "debounce 1 s, at most 10 s",
                        "≥ 99.5 % fewer", fewer >= 99.5 ? "PASS" : "MISS");
            }

        } finally {
            scheduler.shutdownNow();
            background.shutdownNow();
        }
        table.publish("coordinator.md", String.format(Locale.ROOT, "Run %s on %d cores, Java %s.", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A remote tier that only counts the writes it receives. */
    private static final class CountingRemote implements StorageTier {
        final List<ConfigDocument> writes = new CopyOnWriteArrayList<>();
        private final MemoryStore store = new MemoryStore("cloud");

        @Override
        public String name() {
            return "cloud";
        }

        @Override
        public Optional<ConfigDocument> get(ConfigKey key) {
            return store.get(key);
        }

        @Override
        public ConfigDocument put(ConfigDocument document) {
            writes.add(document);
            return store.put(document);
        }

        @Override
        public ConfigDocument delete(ConfigKey key, Instant deletedAt) {
            return store.delete(key, deletedAt);
        }

        @Override
        public Set<String> listTypes() {
            return store.listTypes();
        }

        @Override
        public List<ConfigKey> listKeys(String type) {
            return store.listKeys(type);
        }

        @Override
        public Changes changedSince(String cursor, int limit) throws StorageException {
            return store.changedSince(cursor, limit);
        }

        @Override
        public TierHealth health() {
            return TierHealth.up();
        }
    }
}
