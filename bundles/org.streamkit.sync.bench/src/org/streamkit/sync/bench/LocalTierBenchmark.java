package org.streamkit.sync.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.core.runtime.preferences.InstanceScope;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.bench.Table.Latency;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;
import org.streamkit.sync.tier.xodus.XodusStore.Durability;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Durable put latency of the local tiers beside the raw cost of writing and fsyncing a 1 KB file on the
 * same disk and beside Eclipse preferences ({@code InstanceScope} + {@code flush()}), all in one run,
 * and the cold open of 10k and 100k configs to the first read. The puts are measured round-robin in one
 * run. Prints one table; asserts no timing.
 */
class LocalTierBenchmark {

    private static final int WARMUP = 50;
    private static final int SAMPLES = Integer.getInteger("streamkit.bench.samples", 400);
    private static final String PAD = "x".repeat(1024 - 60);

    private final Path work = Path.of(System.getProperty("streamkit.test.output", "target"), "bench-data");

    /** One config per sample, made before timing starts: the figures are the puts alone. */
    private static final ConfigDocument[] DOCS = new ConfigDocument[100];

    static {
        for (int i = 0; i < DOCS.length; i++) {
            DOCS[i] = doc("bench", i);
        }
    }

    private static ConfigDocument doc(String type, long i) {
        Instant now = Instant.now();
        ObjectNode body = ConfigJson.newObject().put("name", "config " + i).put("pad", PAD);
        return ConfigDocument.of(new ConfigKey(type, "c" + i), body, now, now);
    }

    @Test
    void durablePutAndColdOpen() throws Exception {
        deleteTree(work);
        Files.createDirectories(work);
        byte[] kilobyte = new byte[1024];
        Arrays.fill(kilobyte, (byte) 'k');

        MemoryStore memory = new MemoryStore("memory");
        XodusStore xodusDurable = XodusStore.open("xodus", work.resolve("xodus-durable"), Durability.POWER_LOSS, 1000);
        XodusStore xodusDefault = XodusStore.open("xodus", work.resolve("xodus-default"), Durability.PROCESS_CRASH, 1000);
        ExecutorService scanner = Executors.newSingleThreadExecutor();
        var files = org.streamkit.sync.tier.file.FileStore.open("file", work.resolve("file"), scanner,
                org.streamkit.sync.tier.file.FileStore.Durability.POWER_LOSS);
        files.startScan();
        IEclipsePreferences node = InstanceScope.INSTANCE.getNode("org.streamkit.sync.bench");
        String[] json = new String[DOCS.length];
        for (int i = 0; i < json.length; i++) {
            json[i] = ConfigJson.writer().writeValueAsString(DOCS[i]);
        }
        Step[] steps = {
                i -> {
                    try (FileChannel channel = FileChannel.open(work.resolve("raw.bin"), StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                        channel.write(ByteBuffer.wrap(kilobyte));
                        channel.force(true);
                    }
                },
                i -> memory.put(DOCS[(int) (i % 100)]),
                i -> xodusDurable.put(DOCS[(int) (i % 100)]),
                i -> xodusDefault.put(DOCS[(int) (i % 100)]),
                i -> files.put(DOCS[(int) (i % 100)]),
                i -> {
                    // A new value every time: an unchanged value would make flush() a no-op.
                    node.put("c" + (i % 100), json[(int) (i % 100)] + i);
                    node.flush();
                } };
        Latency[] results;
        try {
            results = measureInterleaved(steps);
        } finally {
            xodusDurable.close();
            xodusDefault.close();
            files.close();
            scanner.shutdownNow();
        }
        Latency raw = results[0];
        Latency memoryPut = results[1];
        Latency durable = results[2];
        Latency byDefault = results[3];
        Latency filePut = results[4];
        Latency prefs = results[5];

        long open10k = coldOpen(10_000);
        long open100k = coldOpen(100_000);

        // Percentile against percentile of the same run: p50 / raw p50, p99 / raw p99.
        double unit = raw.p50();
        double tail = raw.p99();
        Table table = new Table("Durable put (1 KB config) and cold open, one run", "measurement", "p50", "p99",
                "p50 / raw p50", "p99 / raw p99", "target", "result");
        table.row("raw: write + fsync a 1 KB file", Table.time(raw.p50()), Table.time(raw.p99()), "1.00×",
                "1.00×", "—", "—");
        table.row("memory tier put", Table.time(memoryPut.p50()), Table.time(memoryPut.p99()),
                Table.ratio(memoryPut.p50() / unit), Table.ratio(memoryPut.p99() / tail), "—", "—");
        boolean durableOk = durable.p50() <= 1.5 * unit && durable.p99() <= 3 * tail;
        table.row("Xodus tier put, POWER_LOSS (fsync per commit)", Table.time(durable.p50()),
                Table.time(durable.p99()), Table.ratio(durable.p50() / unit),
                Table.ratio(durable.p99() / tail), "p50 ≤ 1.5×, p99 ≤ 3×", durableOk ? "PASS" : "MISS");
        table.row("Xodus tier put, PROCESS_CRASH (default)", Table.time(byDefault.p50()),
                Table.time(byDefault.p99()), Table.ratio(byDefault.p50() / unit),
                Table.ratio(byDefault.p99() / tail), "p50 ≤ 1.5×, p99 ≤ 3×",
                byDefault.p50() <= 1.5 * unit && byDefault.p99() <= 3 * tail ? "PASS" : "MISS");
        table.row("file tier put, POWER_LOSS (fsync file + folder, rename)", Table.time(filePut.p50()), Table.time(filePut.p99()),
                Table.ratio(filePut.p50() / unit), Table.ratio(filePut.p99() / tail), "—", "—");
        // Eclipse preferences write a temporary file and rename it, without fsync: like the default
        // durability, a flush survives a crash of the process but not a power loss. Compare like with like.
        double prefsSlower = (double) prefs.p50() / byDefault.p50();
        table.row("Eclipse preferences put + flush() (no fsync)", Table.time(prefs.p50()), Table.time(prefs.p99()),
                Table.ratio(prefs.p50() / unit), Table.ratio(prefs.p99() / tail),
                "Xodus default put ≥ 5× faster", String.format(Locale.ROOT, "%s (%.1f× faster; POWER_LOSS put %.1f×)",
                        prefsSlower >= 5 ? "PASS" : "MISS", prefsSlower, (double) prefs.p50() / durable.p50()));
        table.row("Xodus cold open + first read, 10k configs", Table.time(open10k), "—", "—", "—", "≤ 300 ms",
                open10k <= 300_000_000L ? "PASS" : "MISS");
        table.row("Xodus cold open + first read, 100k configs", Table.time(open100k), "—", "—", "—", "≤ 3 s",
                open100k <= 3_000_000_000L ? "PASS" : "MISS");
        table.publish("local-tiers.md", machine());

        assertTrue(raw.p50() > 0 && durable.p50() > 0, "the benchmark measured something");
        assertEquals(SAMPLES, durable.samples());
    }

    private interface Step {
        void run(long i) throws Exception;
    }

    /**
     * Runs the steps round-robin, one sample of each in turn, so that the disk's ups and downs during the
     * run touch every figure alike and the ratios stay fair.
     */
    private static Latency[] measureInterleaved(Step[] steps) throws Exception {
        long[][] nanos = new long[steps.length][SAMPLES];
        for (int i = 0; i < WARMUP + SAMPLES; i++) {
            for (int s = 0; s < steps.length; s++) {
                long start = System.nanoTime();
                steps[s].run(i);
                long took = System.nanoTime() - start;
                if (i >= WARMUP) {
                    nanos[s][i - WARMUP] = took;
                }
            }
        }
        Latency[] results = new Latency[steps.length];
        for (int s = 0; s < steps.length; s++) {
            results[s] = Latency.of(nanos[s]);
        }
        return results;
    }

    /** Fills a store with {@code count} 1 KB configs, closes it, then times open + first read (median of 3). */
    private long coldOpen(int count) throws Exception {
        Path dir = work.resolve("cold-" + count);
        try (XodusStore xodus = XodusStore.open("xodus", dir, Durability.PROCESS_CRASH, 1000)) {
            for (int i = 0; i < count; i++) {
                xodus.put(doc("cold", i));
            }
        }
        long[] runs = new long[3];
        for (int r = 0; r < runs.length; r++) {
            long start = System.nanoTime();
            try (XodusStore xodus = XodusStore.open("xodus", dir, Durability.PROCESS_CRASH, 1000)) {
                StorageTier tier = xodus;
                ConfigDocument first = tier.get(new ConfigKey("cold", "c" + (count / 2))).orElseThrow();
                runs[r] = System.nanoTime() - start;
                assertEquals("config " + (count / 2), first.body().get("name").asText());
            }
        }
        Arrays.sort(runs);
        return runs[1];
    }

    private String machine() throws IOException {
        FileStore disk = Files.getFileStore(work);
        String cpu = "unknown CPU";
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try (Stream<String> lines = Files.lines(cpuinfo)) {
                cpu = lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                        .findFirst().orElse(cpu);
            }
        }
        return String.format(Locale.ROOT, "Run %s on %d cores (%s), Java %s, %s file system \"%s\"; %d samples after %d warm-up.",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("java.version"),
                disk.type(), disk.name(), SAMPLES, WARMUP);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
