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
        try (ObsStudio obs = new ObsStudio(ObsStudio.home("bench-obs"), password).start()) {
            // 1. Round trips through the tier, 50 configs in the slot.
            ObsStore store = client(obs, password, "bench_round_trips", null, open);
            for (int i = 0; i < 50; i++) {
                store.put(doc(new ConfigKey("notes", "n" + i), i));
            }
            long[] put = new long[300];
            long[] get = new long[300];
            for (int i = 0; i < put.length; i++) {
                ConfigKey key = new ConfigKey("notes", "n" + (i % 50));
                long t0 = System.nanoTime();
                store.put(doc(key, i));
                long t1 = System.nanoTime();
                store.get(key).orElseThrow();
                get[i] = System.nanoTime() - t1;
                put[i] = t1 - t0;
            }
            Table.Latency p = Table.Latency.of(put);
            Table.Latency g = Table.Latency.of(get);
            table.row("put through the tier (read, write + read back, announce), 50 configs in the slot, p50 / p99",
                    Table.time(p.p50()) + " / " + Table.time(p.p99()), "—", "—");
            table.row("get through the tier, p50 / p99", Table.time(g.p50()) + " / " + Table.time(g.p99()), "—", "—");

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

    private static ConfigDocument doc(ConfigKey key, int i) {
        Instant now = Instant.now();
        return ConfigDocument.of(key, ConfigJson.newObject().put("name", "Café ☕ " + i).put("pad", "p".repeat(200)), now, now);
    }

    private static ObsStore client(ObsStudio obs, String password, String slot, Runnable onAnnouncement, List<AutoCloseable> open)
            throws Exception {
        ObsStore store = ObsStore.connecting("obs", obs.uri(), () -> password, slot, Duration.ofSeconds(5),
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
