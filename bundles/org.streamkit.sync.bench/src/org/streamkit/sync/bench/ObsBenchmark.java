package org.streamkit.sync.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.testing.ObsStudio;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.obs.ObsStore;


/**
 * The OBS tier against a real OBS Studio (headless, in its own network namespace, bridged to 127.0.0.1):
 * put and get round trips through the tier, and an edit on one client (the dock) → visible on a second
 * client through the custom event, with the tier's 2 s debounce. Prints one table.
 */
class ObsBenchmark {

    private static final Duration DEBOUNCE = Duration.ofMillis(2000);

    @Test
    void obsFigures() throws Exception {
        Table table = new Table("OBS tier against a real OBS Studio, one run", "measurement", "figure", "target", "result");
        String password = "pw-" + UUID.randomUUID();
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
        List<AutoCloseable> open = new ArrayList<>();
        // 1. The curve: a put through the tier beside one raw SetPersistentData of the same bucket, in the same OBS
        // (a fresh one per size, so OBS's file holds that store alone), round-robin.
        // First as the earlier benchmark ran it (50 small configs: 6.4 ms / 51 ms with the single slot), then the curve.
        for (int size : SIZES) {
            try (ObsStudio obs = new ObsStudio(ObsStudio.home("bench-obs-" + size), password).start()) {
                if (size == SIZES[0]) {
                    curve(table, obs, password, 50, false, open);
                    open.forEach(ObsBenchmark::closeQuietly);
                    open.clear();
                }
                curve(table, obs, password, size, true, open);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
                open.clear();
            }
        }
        try (ObsStudio obs = new ObsStudio(ObsStudio.home("bench-obs"), password).start()) {
            // 2. Dock → second client, through the custom event.
            Path work = Path.of(System.getProperty("streamkit.test.output", "target"), "bench-obs-devices");
            LocalTierBenchmark.deleteTree(work);
            Coordinator dock = device(work.resolve("dock"), scheduler, open);
            Coordinator browser = device(work.resolve("browser"), scheduler, open);
            dock.addTier(new Coordinator.Tier(client(obs, password, "bench_live", () -> dock.pullSoon("obs"), open), "obs", 200, 2,
                    true, DEBOUNCE));
            browser.addTier(new Coordinator.Tier(client(obs, password, "bench_live", () -> browser.pullSoon("obs"), open), "obs",
                    200, 2, true, DEBOUNCE));
            long[] visible = new long[10];
            for (int i = 0; i < visible.length; i++) {
                ConfigKey key = new ConfigKey("text-cyclers", "live-" + i);
                long start = System.nanoTime();
                dock.put(key, ConfigJson.newObject().put("text", "Live ✓ " + i));
                while (!present(browser, key)) {
                    if (System.nanoTime() - start > Duration.ofSeconds(30).toNanos()) {
                        throw new AssertionError("the edit never reached the second client");
                    }
                    Thread.sleep(2);
                }
                visible[i] = System.nanoTime() - start;
            }
            Table.Latency v = Table.Latency.of(visible);
            long limit = DEBOUNCE.plusMillis(100).toNanos();
            table.row("edit on the dock → visible on a second client (custom event, debounce 2 s), p50 / p99 of 10",
                    Table.time(v.p50()) + " / " + Table.time(v.p99()), "≤ debounce + 100 ms", v.p50() <= limit ? "PASS" : "MISS");
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            scheduler.shutdownNow();
        }
        table.publish("obs.md", String.format(Locale.ROOT, "Run %s on %d cores, Java %s; OBS Studio headless in its own network"
                + " namespace, reached through a socat bridge on 127.0.0.1.", LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version")));
    }

    /** Store sizes of the curve; {@code -Dstreamkit.bench.obs.sizes=100,1000} runs fewer. */
    private static final int[] SIZES = java.util.Arrays.stream(System.getProperty("streamkit.bench.obs.sizes", "100,1000,10000,100000")
            .split(",")).mapToInt(Integer::parseInt).toArray();
    private static final String[] WORDS = ("scene camera overlay chat alert follower title starting soon brb ending"
            + " gameplay webcam music donation goal subscriber raid host timer countdown ticker banner lower third").split(" ");

    /** A config of about 1 KB of text (words, as configs hold: it deflates about as much as theirs). */
    private static ConfigDocument kilobyte(ConfigKey key, java.util.Random random, int round) {
        StringBuilder text = new StringBuilder();
        while (text.length() < 950) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(100)).append(' ');
        }
        Instant now = Instant.now();
        return ConfigDocument.of(key, ConfigJson.newObject().put("name", key.id() + " " + round).put("text", text.toString()), now, now);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Rows for a store of {@code size} configs, each of about 1 KB of text ({@code kilobyte}) or a small one (a name
     * and 200 repeated characters, which deflate to almost nothing), in slot {@code bench_curve} or {@code bench_small}.
     */
    private static void curve(Table table, ObsStudio obs, String password, int size, boolean kilobyte, List<AutoCloseable> open)
            throws Exception {
        java.util.Random random = new java.util.Random(size);
        String slot = kilobyte ? "bench_curve" : "bench_small";
        ObsStore store = client(obs, password, slot, null, open);
        List<ConfigDocument> docs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            ConfigKey key = new ConfigKey("notes", String.format(Locale.ROOT, "n%06d", i));
            docs.add(kilobyte ? kilobyte(key, random, 0) : doc(key, i));
        }
        long t0 = System.nanoTime();
        store.putAll(docs);
        long fill = System.nanoTime() - t0;

        // A first pull of the whole store, in pages of 200 as the coordinator asks, by a second client.
        ObsStore reader = client(obs, password, slot, null, open);
        t0 = System.nanoTime();
        int pulled = Pulls.all(reader, 200).documents();
        long pull = System.nanoTime() - t0;
        if (pulled < size) {
            throw new AssertionError("the first pull found " + pulled + " of " + size + " configs");
        }

        org.streamkit.sync.tier.obs.ObsSocket raw = store.connection().socket();
        int rounds = size >= 100_000 ? 20 : size >= 10_000 ? 60 : 200;
        long[] put = new long[rounds];
        long[] floor = new long[rounds];
        long[] get = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            ConfigKey key = docs.get(random.nextInt(size)).key();
            ConfigDocument d = kilobyte ? kilobyte(key, random, i + 1) : doc(key, i + 1);
            long a = System.nanoTime();
            store.put(d);
            long b = System.nanoTime();
            store.get(key).orElseThrow();
            long c = System.nanoTime();
            // The floor: OBS's own cost of setting a value as large as that config's bucket.
            com.fasterxml.jackson.databind.node.ObjectNode read = ConfigJson.newObject().put("realm", ObsStore.REALM)
                    .put("slotName", ObsStore.bucketSlot(slot, key));
            com.fasterxml.jackson.databind.JsonNode bucket = raw.request("GetPersistentData", read).get("slotValue");
            com.fasterxml.jackson.databind.node.ObjectNode set = ConfigJson.newObject().put("realm", ObsStore.REALM)
                    .put("slotName", "bench_floor");
            set.set("slotValue", bucket);
            long e = System.nanoTime();
            raw.request("SetPersistentData", set);
            floor[i] = System.nanoTime() - e;
            put[i] = b - a;
            get[i] = c - b;
        }
        Table.Latency p = Table.Latency.of(put);
        Table.Latency f = Table.Latency.of(floor);
        Table.Latency g = Table.Latency.of(get);
        double ratio = (double) p.p50() / f.p50();
        String n = String.format(Locale.ROOT, "%,d", size) + (kilobyte ? "" : " small");
        table.row("OBS put through the tier, " + n + " configs (" + rounds + " rounds), p50 beside one raw SetPersistentData of its bucket",
                Table.time(p.p50()) + " vs " + Table.time(f.p50()) + " = " + Table.ratio(ratio), "≤ 1.5×", ratio <= 1.5 ? "PASS" : "MISS");
        table.row("OBS put through the tier, " + n + " configs, p99 (raw SetPersistentData p99 " + Table.time(f.p99()) + ")",
                Table.time(p.p99()), "≤ 5 ms", p.p99() <= 5_000_000L ? "PASS" : "MISS");
        table.row("OBS get through the tier, " + n + " configs, p50 / p99", Table.time(g.p50()) + " / " + Table.time(g.p99()), "—", "—");
        table.row("OBS: " + n + " configs written in one putAll (one write per bucket); first pull of them all in pages of 200",
                Table.time(fill) + "; " + Table.time(pull), "—", "—");
    }

    private static ConfigDocument doc(ConfigKey key, int i) {
        Instant now = Instant.now();
        return ConfigDocument.of(key, ConfigJson.newObject().put("name", "Café ☕ " + i).put("pad", "p".repeat(200)), now, now);
    }

    private static ObsStore client(ObsStudio obs, String password, String slot, Runnable onAnnouncement, List<AutoCloseable> open)
            throws Exception {
        ObsStore store = ObsStore.connecting("obs", obs.uri(), () -> password, slot, Duration.ofSeconds(120),
                Duration.ofMillis(100), Duration.ofMillis(500), onAnnouncement, onAnnouncement);
        open.add(store.connection());
        store.connection().start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (store.health().status() != TierHealth.Status.UP) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("OBS did not accept the client: " + store.health().reason());
            }
            Thread.sleep(20);
        }
        return store;
    }

    private static Coordinator device(Path folder, ScheduledExecutorService scheduler, List<AutoCloseable> open) throws StorageException {
        Coordinator c = Coordinator.open(folder, new ExecutorTimer(scheduler), scheduler,
                new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(200), Duration.ofSeconds(5)), EventSink.NONE);
        open.add(c);
        c.addTier(new Coordinator.Tier(new MemoryStore("memory"), "memory", 500, 1, false, Duration.ZERO));
        return c;
    }

    private static boolean present(Coordinator device, ConfigKey key) {
        try {
            return device.get(key).isPresent();
        } catch (StorageException e) {
            return false;
        }
    }
}
