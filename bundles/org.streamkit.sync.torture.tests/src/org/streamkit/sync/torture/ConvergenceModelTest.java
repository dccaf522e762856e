package org.streamkit.sync.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.coordinator.Timer;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * Model-based convergence: random schedules of three devices, each a real coordinator over real memory,
 * Xodus and file tiers, syncing with two real local Streamkit API servers at once: {@code cloud} (with the
 * extensions, or the core routes only, by schedule) and {@code backup} (the other mode). A fault proxy
 * sits between every device and every server. A schedule interleaves, at random: edits and deletes, bursts
 * of writers on several threads at once, device restarts (every tier closed and opened again, the tiers
 * joining in random order, a remote often before the local ones), partitions, and faulty periods (drops,
 * resets and 500s before and after the server applied a write, 429 bursts, delays); each device's clock is
 * off by up to five minutes either way. Then the network heals and every device syncs until nothing waits.
 * <p>
 * <b>The oracle</b>, per config, by the documented rule (the later edit stamp wins): every device's local
 * tiers, read directly (never through the coordinator, whose reads fall back to a remote), and both
 * servers hold the same version, and it is the acknowledged write with the newest stamp (or a newer write
 * whose acknowledgement was lost to an error); so no acknowledged write is missing, and nothing deleted last
 * comes back. Each schedule's plan is drawn from its seed; thread timing is not, so a seed reproduces the
 * plan and usually the failure. {@code -Dstreamkit.convergence.schedules} (default 8) and
 * {@code -Dstreamkit.convergence.seed} choose them.
 */
class ConvergenceModelTest {

    private static final int DEVICES = 3;
    private static final List<String> TYPES = List.of("notes", "layouts");
    private static final int IDS = 3;
    private static final Duration CLOUD_DEBOUNCE = Duration.ofMillis(30);
    private static final Duration BACKUP_DEBOUNCE = Duration.ofMillis(60);
    private static final Settings SETTINGS = new Settings(false, 50, Duration.ZERO, true, Duration.ofMillis(40),
            Duration.ofMillis(400), Duration.ofSeconds(10));

    private static StreamkitServer extended;
    private static StreamkitServer core;
    private static final AtomicInteger RUN = new AtomicInteger();
    private static final AtomicLong WRITES = new AtomicLong();
    private static final AtomicLong RESTARTS = new AtomicLong();
    private static final AtomicLong FAULTS = new AtomicLong();
    private static final AtomicLong SETTLE_MILLIS = new AtomicLong();
    private static final AtomicInteger CONVERGED = new AtomicInteger();

    static LongStream schedules() {
        long base = Long.getLong("streamkit.convergence.seed", 20261206L);
        return LongStream.range(base, base + Integer.getInteger("streamkit.convergence.schedules", 8));
    }

    @BeforeAll
    static void startServers() throws Exception {
        Path folder = Files.createTempDirectory(Path.of(System.getProperty("streamkit.test.output", "target")), "model");
        // Each schedule is a customer of its own on the same two servers.
        extended = StreamkitServer.start(ServerConfig.builder(folder.resolve("extended")).host("127.0.0.1").port(0)
                .rateLimit(100_000, 100_000).build());
        core = StreamkitServer.start(ServerConfig.builder(folder.resolve("core")).host("127.0.0.1").port(0)
                .extensions(false).build());
    }

    @AfterAll
    static void stopServers() {
        if (extended != null) {
            extended.close();
        }
        if (core != null) {
            core.close();
        }
        TortureReport.add("convergence model", String.format(Locale.ROOT,
                "%d schedules (seeds from %d): %d writes acknowledged, %d device restarts, %d fault periods; in %d of them"
                        + " every device's local tiers and both servers ended equal, holding the newest acknowledged write of"
                        + " every config; %d ms on average from the network healing to the end",
                RUN.get(), Long.getLong("streamkit.convergence.seed", 20261206L), WRITES.get(), RESTARTS.get(), FAULTS.get(),
                CONVERGED.get(), RUN.get() == 0 ? 0 : SETTLE_MILLIS.get() / RUN.get()));
    }

    /** One acknowledged write, or one whose outcome the device does not know (its call failed). */
    private record Write(int device, ConfigKey key, ConfigDocument document, String id, boolean acknowledged) {
    }

    @ParameterizedTest(name = "schedule {0}")
    @MethodSource("schedules")
    void everyDeviceAndServerEndWithTheNewestAcknowledgedWriteOfEveryConfig(long seed) throws Exception {
        Random random = new Random(seed);
        String customer = "schedule-" + seed + "-" + RUN.incrementAndGet();
        boolean cloudExtended = random.nextBoolean();
        StreamkitServer cloudServer = cloudExtended ? extended : core;
        StreamkitServer backupServer = cloudExtended ? core : extended;
        Path folder = Files.createTempDirectory(Path.of(System.getProperty("streamkit.test.output", "target")), "schedule");
        List<Device> devices = new ArrayList<>();
        List<FaultProxy> proxies = new ArrayList<>();
        List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger counter = new AtomicInteger();
        StringBuilder plan = new StringBuilder();
        try {
            for (int d = 0; d < DEVICES; d++) {
                FaultProxy toCloud = new FaultProxy(cloudServer.uri(), random.nextLong());
                FaultProxy toBackup = new FaultProxy(backupServer.uri(), random.nextLong());
                toCloud.faulty(false);
                toBackup.faulty(false);
                proxies.add(toCloud);
                proxies.add(toBackup);
                Duration skew = Duration.ofSeconds(random.nextInt(601) - 300);
                Device device = new Device(d, folder.resolve("device-" + d), skew,
                        List.of(new Remote("cloud", toCloud, cloudServer.mintToken(customer, Duration.ofHours(2)), 100, CLOUD_DEBOUNCE),
                                new Remote("backup", toBackup, backupServer.mintToken(customer, Duration.ofHours(2)), 90,
                                        BACKUP_DEBOUNCE)));
                device.open(random);
                devices.add(device);
            }
            int steps = 24 + random.nextInt(12);
            for (int step = 0; step < steps; step++) {
                int roll = random.nextInt(100);
                Device device = devices.get(random.nextInt(DEVICES));
                if (roll < 40) {
                    plan.append('w');
                    write(device, random, writes, counter, seed);
                } else if (roll < 52) {
                    plan.append('B');
                    burst(devices, new Random(random.nextLong()), writes, counter, seed);
                } else if (roll < 60) {
                    plan.append('R');
                    device.close();
                    device.open(random);
                    RESTARTS.incrementAndGet();
                } else if (roll < 68) {
                    plan.append('P');
                    FaultProxy p = device.remotes.get(random.nextInt(2)).proxy();
                    p.partitioned(random.nextBoolean());
                } else if (roll < 76) {
                    plan.append('F');
                    for (Remote r : device.remotes) {
                        r.proxy().faulty(random.nextBoolean());
                    }
                    FAULTS.incrementAndGet();
                } else if (roll < 84) {
                    plan.append('s');
                    device.coordinator.syncNow();
                } else {
                    plan.append('.');
                    Thread.sleep(10 + random.nextInt(120));
                }
            }

            // The network heals; every device syncs until nothing waits anywhere and everything agrees.
            for (FaultProxy p : proxies) {
                p.faulty(false);
                p.partitioned(false);
            }
            long healed = System.nanoTime();
            String difference = "not checked yet";
            int quiet = 0;
            while (quiet < 2 && System.nanoTime() - healed < Duration.ofSeconds(120).toNanos()) {
                for (Device d : devices) {
                    d.coordinator.syncNow();
                }
                Thread.sleep(BACKUP_DEBOUNCE.toMillis() * 2);
                difference = difference(devices, writes, customer, cloudServer, backupServer);
                quiet = difference == null ? quiet + 1 : 0;
            }
            SETTLE_MILLIS.addAndGet((System.nanoTime() - healed) / 1_000_000);
            WRITES.addAndGet(writes.stream().filter(Write::acknowledged).count());
            assertEquals(null, difference, "schedule " + seed + " (plan " + plan + ", cloud " + (cloudExtended ? "with" : "without")
                    + " the extensions) did not converge");
            for (Device d : devices) {
                assertEquals(List.of(), d.coordinator.outbox(), "schedule " + seed + ": device " + d.index + " still waits");
            }
            assertTrue(writes.stream().anyMatch(Write::acknowledged), "schedule " + seed + " wrote nothing");
            CONVERGED.incrementAndGet();
        } finally {
            for (Device d : devices) {
                d.close();
            }
            for (FaultProxy p : proxies) {
                p.close();
            }
        }
    }

    private static void write(Device device, Random random, List<Write> writes, AtomicInteger counter, long seed) {
        ConfigKey key = new ConfigKey(TYPES.get(random.nextInt(TYPES.size())), "c" + random.nextInt(IDS));
        boolean delete = random.nextInt(100) < 22;
        String id = seed + "-" + counter.incrementAndGet();
        try {
            ConfigDocument written = delete ? device.coordinator.delete(key)
                    : device.coordinator.put(key, ConfigJson.newObject().put("w", id).put("by", device.index)
                            .put("text", "édition " + id + " 🎛"));
            writes.add(new Write(device.index, key, written, id, true));
        } catch (StorageException e) {
            writes.add(new Write(device.index, key, null, delete ? "delete" : id, false));
        }
    }

    /** Several writers at once, on random devices, each on a thread of its own. */
    private static void burst(List<Device> devices, Random random, List<Write> writes, AtomicInteger counter, long seed)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Device device = devices.get(random.nextInt(devices.size()));
            long threadSeed = random.nextLong();
            threads.add(Thread.ofPlatform().name("writer-" + t).start(() -> {
                Random r = new Random(threadSeed);
                for (int i = 0, n = 3 + r.nextInt(4); i < n; i++) {
                    write(device, r, writes, counter, seed);
                    try {
                        Thread.sleep(r.nextInt(15));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
    }

    /** @return what breaks the oracle now, or null when everything holds what the rule says */
    private static String difference(List<Device> devices, List<Write> writes, String customer, StreamkitServer cloud,
            StreamkitServer backup) {
        for (Device d : devices) {
            int waiting = d.coordinator.outbox().size();
            if (waiting > 0) {
                return "device " + d.index + " has " + waiting + " writes waiting: " + d.coordinator.outbox();
            }
        }
        Map<ConfigKey, List<Write>> byKey = new TreeMap<>();
        synchronized (writes) {
            for (Write w : writes) {
                byKey.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(w);
            }
        }
        try (CloudHttp cloudHttp = direct(cloud, customer); CloudHttp backupHttp = direct(backup, customer)) {
            Map<String, StorageTier> servers = new LinkedHashMap<>();
            servers.put("cloud server", new CloudStore("cloud", cloudHttp, Set.copyOf(TYPES)));
            servers.put("backup server", new CloudStore("backup", backupHttp, Set.copyOf(TYPES)));
            for (Map.Entry<ConfigKey, List<Write>> e : byKey.entrySet()) {
                ConfigKey key = e.getKey();
                ConfigDocument newestAcknowledged = null;
                for (Write w : e.getValue()) {
                    if (w.acknowledged() && w.document().isNewerThan(newestAcknowledged)) {
                        newestAcknowledged = w.document();
                    }
                }
                ConfigDocument held = null;
                for (Device d : devices) {
                    ConfigDocument local;
                    try {
                        local = d.local().version(key).orElse(null);
                    } catch (AssertionError disagree) {
                        return disagree.getMessage();
                    }
                    String problem = check(key, "device " + d.index + "'s local tiers", local, newestAcknowledged, e.getValue());
                    if (problem != null) {
                        return problem;
                    }
                    if (held != null && !held.sameVersion(local)) {
                        return key + ": device " + d.index + " holds " + describe(local) + ", another device " + describe(held);
                    }
                    held = local;
                }
                for (Map.Entry<String, StorageTier> s : servers.entrySet()) {
                    ConfigDocument there = s.getValue().get(key).orElse(null);
                    if (there == null && (held == null || held.deleted() && newestAcknowledged == null)) {
                        continue; // nothing, or only deletes whose calls failed: nothing to check there
                    }
                    if (held == null || !held.sameVersion(there)) {
                        return key + ": the " + s.getKey() + " holds " + describe(there) + ", the devices " + describe(held);
                    }
                }
            }
            return null;
        } catch (StorageException e) {
            return "a server could not be read: " + e.getMessage();
        }
    }

    /** @return why a version breaks the rule, or null when it is the one the rule makes the winner */
    private static String check(ConfigKey key, String where, ConfigDocument version, ConfigDocument newestAcknowledged,
            List<Write> writes) {
        if (newestAcknowledged == null) {
            return null; // nothing was acknowledged: any outcome of the failed calls is allowed
        }
        if (version == null) {
            return key + ": " + where + " hold nothing, the newest acknowledged write is " + describe(newestAcknowledged);
        }
        if (version.sameVersion(newestAcknowledged)) {
            return null;
        }
        if (newestAcknowledged.isNewerThan(version)) {
            return key + ": " + where + " hold " + describe(version) + ", older than the acknowledged " + describe(newestAcknowledged)
                    + (newestAcknowledged.deleted() ? " (a delete came back)" : " (an acknowledged write is missing)");
        }
        // Newer than every acknowledged write: only a write whose call failed may be it.
        String id = version.deleted() ? "delete" : version.body().path("w").asText();
        boolean unacknowledged = writes.stream().anyMatch(w -> !w.acknowledged() && w.id().equals(id));
        return unacknowledged ? null
                : key + ": " + where + " hold " + describe(version) + ", which no write made (newest acknowledged "
                        + describe(newestAcknowledged) + ")";
    }

    private static String describe(ConfigDocument d) {
        return d == null ? "nothing" : (d.deleted() ? "a tombstone" : d.body().path("w").asText()) + " @" + d.updatedAt();
    }

    private static CloudHttp direct(StreamkitServer server, String customer) {
        return new CloudHttp(server.uri(), new MemoryTokens(server.mintToken(customer, Duration.ofHours(1)), null),
                Duration.ofSeconds(2), Duration.ofSeconds(10), 16L << 20);
    }

    /** A remote tier of a device: its name, the proxy in front of its server, the sign-in, rank and debounce. */
    private record Remote(String name, FaultProxy proxy, String token, int ranking, Duration debounce) {
    }

    /**
     * One device as the product runs it, minus OSGi: a coordinator with its state, a memory cache, a Xodus
     * store and a file backup in the device's folder, and its remote tiers; closed and opened again like a
     * restarted product, with the tiers joining in random order.
     */
    private static final class Device implements AutoCloseable {

        final int index;
        final Path folder;
        final Duration skew;
        final List<Remote> remotes;
        ScheduledThreadPoolExecutor scheduler;
        Coordinator coordinator;
        MemoryStore memory;
        XodusStore xodus;
        FileStore file;
        final List<CloudHttp> https = new ArrayList<>();
        private final Set<String> closing = ConcurrentHashMap.newKeySet();

        Device(int index, Path folder, Duration skew, List<Remote> remotes) {
            this.index = index;
            this.folder = folder;
            this.skew = skew;
            this.remotes = remotes;
        }

        void open(Random random) throws Exception {
            scheduler = new ScheduledThreadPoolExecutor(3, r -> {
                Thread t = new Thread(r, "device-" + index);
                t.setDaemon(true);
                return t;
            });
            scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            Timer clock = new Timer() {
                @Override
                public Instant now() {
                    return Instant.now().plus(skew);
                }

                @Override
                public void schedule(Runnable task, Duration delay) {
                    try {
                        scheduler.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException stopping) {
                        // the device is closing
                    }
                }
            };
            coordinator = Coordinator.open(folder.resolve("state"), clock, scheduler, SETTINGS, EventSink.NONE);
            memory = new MemoryStore("memory");
            xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 5000);
            file = FileStore.open("file", folder.resolve("file"), scheduler);
            List<Coordinator.Tier> joins = new ArrayList<>(List.of(Coordinator.Tier.cache(memory, "memory", 500, 1),
                    new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO),
                    new Coordinator.Tier(file, "file", 300, 3, false, Duration.ZERO)));
            int id = 4;
            for (Remote r : remotes) {
                CloudHttp http = new CloudHttp(r.proxy().uri(), new MemoryTokens(r.token(), null), Duration.ofSeconds(2),
                        Duration.ofSeconds(5), 16L << 20);
                https.add(http);
                joins.add(new Coordinator.Tier(new CloudStore(r.name(), http, Set.copyOf(TYPES)), r.name(), r.ranking(), id++,
                        true, r.debounce()));
            }
            Collections.shuffle(joins, random);
            for (Coordinator.Tier t : joins) {
                coordinator.addTier(t);
                Thread.sleep(random.nextInt(15));
            }
        }

        LocalCopies local() {
            return new LocalCopies("device " + index, List.of(memory, xodus, file));
        }

        @Override
        public void close() throws Exception {
            if (scheduler == null) {
                return;
            }
            // As the product stops: nothing new starts, what runs ends, then the stores close.
            scheduler.shutdown();
            scheduler.awaitTermination(60, TimeUnit.SECONDS);
            coordinator.close();
            for (CloudHttp http : https) {
                http.close();
            }
            https.clear();
            xodus.close();
            file.close();
            scheduler = null;
        }
    }
}
