package org.streamkit.sync.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Lww;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * Three devices edit the same configs while a fault proxy between each of them and the local Streamkit API
 * server delays, drops, resets, answers 500 and bursts of 429, and cuts devices off for a while. Then the
 * network heals. Every device's local tiers (read directly) must end with the same configs as the server,
 * each config as its newest acknowledged write, each device's last acknowledged write of every config must be
 * either the config's final state or kept in that device's history (it lost to a later write elsewhere), and
 * no write may be parked as failed for good.
 * <p>
 * Length and seed: {@code -Dstreamkit.torture.seconds} (8 in the normal run) and
 * {@code -Dstreamkit.torture.seed} (random, printed).
 */
class FaultyNetworkTortureTest {

    private static final int DEVICES = 3;
    private static final int KEYS = 12;
    private static final Set<String> TYPES = Set.of("notes");

    private record Ack(int device, ConfigDocument document) {
    }

    @Test
    void threeDevicesBehindAFaultyNetworkLoseNothingAndConverge(@TempDir Path folder) throws Exception {
        long seconds = Long.getLong("streamkit.torture.seconds", 8);
        long seed = Long.getLong("streamkit.torture.seed", System.nanoTime());
        Random random = new Random(seed);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(6);
        Settings settings = new Settings(false, 50, Duration.ZERO, true, Duration.ofMillis(100), Duration.ofSeconds(2));
        List<AutoCloseable> open = new ArrayList<>();
        try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0).build())) {
            Coordinator[] devices = new Coordinator[DEVICES];
            LocalCopies[] locals = new LocalCopies[DEVICES];
            FaultProxy[] proxies = new FaultProxy[DEVICES];
            for (int d = 0; d < DEVICES; d++) {
                proxies[d] = new FaultProxy(server.uri(), random.nextLong());
                open.add(proxies[d]);
                CloudHttp http = new CloudHttp(proxies[d].uri(), new MemoryTokens(server.mintToken("streamer", Duration.ofHours(1)), null),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
                open.add(http);
                devices[d] = Coordinator.open(folder.resolve("device-" + d + "/state"), new ExecutorTimer(scheduler), scheduler,
                        settings, EventSink.NONE);
                open.add(devices[d]);
                XodusStore xodus = XodusStore.open("xodus", folder.resolve("device-" + d + "/xodus"), XodusStore.Durability.PROCESS_CRASH, 5000);
                open.add(xodus);
                MemoryStore memory = new MemoryStore("memory");
                devices[d].addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
                devices[d].addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
                locals[d] = new LocalCopies("device " + d, List.of(memory, xodus));
                devices[d].addTier(new Coordinator.Tier(new CloudStore("cloud", http, TYPES), "cloud", 100, 3, true,
                        Duration.ofMillis(200)));
            }

            // Edit for the set time; each device also syncs now and then; one device at a time is cut off for a while.
            Map<ConfigKey, List<Ack>> acks = new ConcurrentHashMap<>();
            AtomicInteger refused = new AtomicInteger();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int d = 0; d < DEVICES; d++) {
                int device = d;
                long deviceSeed = random.nextLong();
                threads.add(Thread.ofPlatform().name("device-" + d).start(() -> {
                    Random r = new Random(deviceSeed);
                    int n = 0;
                    while (System.nanoTime() < deadline) {
                        ConfigKey key = new ConfigKey("notes", "k" + r.nextInt(KEYS));
                        try {
                            ConfigDocument written = r.nextInt(100) < 12 ? devices[device].delete(key)
                                    : devices[device].put(key, ConfigJson.newObject().put("device", device).put("n", n++)
                                            .put("text", "édition " + n + " 🎛"));
                            acks.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(new Ack(device, written));
                            if (r.nextInt(20) == 0) {
                                devices[device].syncNow();
                            }
                            Thread.sleep(5 + r.nextInt(40));
                        } catch (StorageException e) {
                            refused.incrementAndGet(); // a local write refused is not acknowledged: nothing to keep
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            int partitions = 0;
            while (System.nanoTime() < deadline) {
                FaultProxy cut = proxies[random.nextInt(DEVICES)];
                cut.partitioned(true);
                Thread.sleep(300 + random.nextInt(900));
                cut.partitioned(false);
                partitions++;
                Thread.sleep(200 + random.nextInt(800));
            }
            for (Thread t : threads) {
                t.join(30_000);
            }

            // The network heals; devices sync until nothing waits.
            for (FaultProxy p : proxies) {
                p.faulty(false);
                p.partitioned(false);
            }
            CloudHttp direct = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer", Duration.ofHours(1)), null),
                    Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
            open.add(direct);
            CloudStore truth = new CloudStore("cloud", direct, TYPES);
            long settle = System.nanoTime();
            long limit = settle + Duration.ofSeconds(90).toNanos();
            String difference;
            do {
                for (Coordinator device : devices) {
                    device.syncNow();
                }
                difference = difference(devices, locals, truth);
                if (difference == null) {
                    break;
                }
                Thread.sleep(200);
            } while (System.nanoTime() < limit);
            long settledMillis = (System.nanoTime() - settle) / 1_000_000;

            int totalAcks = acks.values().stream().mapToInt(List::size).sum();
            StringBuilder report = new StringBuilder();
            report.append(String.format(java.util.Locale.ROOT,
                    "Faulty network: seed %d, %d s, %d devices, %d configs: %d acknowledged writes, %d refused locally, %d partitions;"
                            + " faults per proxy %s; converged %d ms after the network healed",
                    seed, seconds, DEVICES, KEYS, totalAcks, refused.get(), partitions,
                    List.of(proxies[0].counts(), proxies[1].counts(), proxies[2].counts()), settledMillis));
            TortureReport.add("faulty network", report.toString());
            assertEquals(null, difference, "devices did not converge within 90 s (seed " + seed + ")");
            assertTrue(totalAcks > 20 * seconds, "the devices wrote too little to prove anything: " + totalAcks);

            // Nothing parked for good, nothing waiting.
            for (int d = 0; d < DEVICES; d++) {
                List<PendingWrite> left = devices[d].outbox();
                assertEquals(List.of(), left, "device " + d + " still holds writes (seed " + seed + ")");
            }
            // Each device's last acknowledged write of each config is the final state or in its history.
            int lostToLaterWrites = 0;
            for (Map.Entry<ConfigKey, List<Ack>> e : acks.entrySet()) {
                ConfigKey key = e.getKey();
                ConfigDocument finalState = locals[0].version(key).orElseThrow();
                ConfigDocument newest = null;
                synchronized (e.getValue()) {
                    for (Ack a : e.getValue()) {
                        newest = Lww.winner(newest, a.document());
                    }
                }
                assertTrue(newest.sameVersion(finalState) || finalState.isNewerThan(newest) && refused.get() > 0,
                        key + " ended as " + finalState + ", not as the newest acknowledged write " + newest + " (seed " + seed + ")");
                Map<Integer, ConfigDocument> lastByDevice = new HashMap<>();
                synchronized (e.getValue()) {
                    for (Ack a : e.getValue()) {
                        lastByDevice.put(a.device(), a.document());
                    }
                }
                for (Map.Entry<Integer, ConfigDocument> last : lastByDevice.entrySet()) {
                    ConfigDocument mine = last.getValue();
                    if (sameState(mine, finalState)) {
                        continue;
                    }
                    lostToLaterWrites++;
                    boolean kept = devices[last.getKey()].history(key).stream().anyMatch(h -> sameState(h, mine));
                    assertTrue(kept, "device " + last.getKey() + "'s last write of " + key + " is neither the final state nor in its history"
                            + " (seed " + seed + "): " + mine.bodyJson() + " vs final " + finalState.bodyJson());
                    assertTrue(!finalState.updatedAt().isBefore(mine.updatedAt()) || finalState.deleted(),
                            "an older version won over device " + last.getKey() + "'s write of " + key + " (seed " + seed + ")");
                }
            }
            TortureReport.add("faulty network", "  every device's last write of every config is the final state or in history ("
                    + lostToLaterWrites + " lost to a later write elsewhere, all kept in history); outboxes empty; 0 parked");
        } finally {
            Collections.reverse(open);
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing the rest matters more
                }
            }
            scheduler.shutdownNow();
        }
    }

    private static boolean sameState(ConfigDocument a, ConfigDocument b) {
        return a.deleted() == b.deleted() && (a.deleted() || a.sameBody(b));
    }

    /** @return what differs between the devices' local tiers (read directly) and the server, or null when all agree */
    private static String difference(Coordinator[] devices, LocalCopies[] locals, CloudStore truth) {
        try {
            for (Coordinator d : devices) {
                if (!d.outbox().isEmpty()) {
                    return "outbox of a device holds " + d.outbox().size();
                }
            }
            for (int i = 0; i < KEYS; i++) {
                ConfigKey key = new ConfigKey("notes", "k" + i);
                Optional<ConfigDocument> server = truth.get(key);
                for (int d = 0; d < devices.length; d++) {
                    Optional<ConfigDocument> local;
                    try {
                        local = locals[d].version(key);
                    } catch (AssertionError disagree) {
                        return disagree.getMessage();
                    }
                    boolean serverLive = server.isPresent() && !server.get().deleted();
                    boolean localLive = local.isPresent() && !local.get().deleted();
                    if (serverLive != localLive || serverLive && !server.get().sameBody(local.get())) {
                        return key + " differs on device " + d + ": " + local.map(ConfigDocument::bodyJson).orElse("none")
                                + " / server " + server.map(ConfigDocument::bodyJson).orElse("none");
                    }
                }
            }
            return null;
        } catch (StorageException e) {
            return e.getMessage();
        }
    }
}
