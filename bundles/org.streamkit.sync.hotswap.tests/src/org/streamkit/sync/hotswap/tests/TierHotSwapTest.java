package org.streamkit.sync.hotswap.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.ObsStudio;
import org.streamkit.sync.testing.Services;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hot swap of every tier bundle in a running framework, the way an update site or a user does it, while
 * configs are being written through the {@link SyncCoordinator} service: each tier bundle is stopped,
 * started, uninstalled, installed again from its location, and updated to a newer version (its own jar
 * republished with a higher {@code Bundle-Version}) followed by a refresh. The cloud tier talks to the
 * local Streamkit API server on 127.0.0.1, the OBS tier to a real OBS Studio (headless, in its own network
 * namespace, bridged to 127.0.0.1).
 * <p>
 * Throughout, the coordinator keeps acknowledging puts, and a put that fails says why with a
 * {@link StorageException}. Afterwards every acknowledged write reads back with its latest value, the tier
 * that came back holds every config again (the coordinator's rejoin backfill for local tiers, its outbox
 * for the remote ones), and each tier that was gone left nothing behind: its threads ended, the Xodus
 * store's lock and files were released, the backup folder has no open files, and no connection to the
 * server or to OBS is left open.
 */
@TestInstance(Lifecycle.PER_CLASS)
class TierHotSwapTest {

    private static final String TYPE = "notes";
    /** Where the cloud tier reads its sign-in (see the README, "The cloud tier"). */
    private static final String TOKENS_NODE = "org.streamkit.sync/cloud";
    private static final String COORDINATOR_PID = "org.streamkit.sync.coordinator";
    private static final List<String> TIERS = List.of("memory", "xodus", "file", "cloud", "obs");
    /** Where the OBS tier reads its WebSocket password (see the README, "The OBS tier"). */
    private static final String OBS_NODE = "org.streamkit.sync/obs";
    /**
     * How long the Xodus tier waits before it tries to open its store again. A call through an old
     * reference could only reopen the store after that long, so the tier must have been up for longer when
     * it is stopped for the stale-reference check to mean something (it is swapped last, so it has been).
     */
    private static final Duration XODUS_REOPEN_INTERVAL = Duration.ofSeconds(5);

    private BundleContext context;
    private Path work;
    private StreamkitServer server;
    /** A real OBS Studio for the OBS tier, headless in its own network namespace, bridged to 127.0.0.1. */
    private ObsStudio obs;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmin;
    private final List<Configuration> configurations = new ArrayList<>();
    private SyncCoordinator coordinator;
    private Path xodusStore;
    private Path backupFolder;
    private final Map<String, String> locations = new HashMap<>();
    /** When the tiers were set up (activated with the test's configuration). */
    private long setUpAt;
    /** Each tier bundle's content as installed at the start, to install it again from. */
    private final Map<String, byte[]> contents = new HashMap<>();
    /** Every key written by every run, with what it must read as. */
    private final Map<ConfigKey, Writer.Expected> written = new HashMap<>();

    @BeforeAll
    void startTheServerAndPointTheTiersAtTheirFolders() throws Exception {
        context = Services.context(getClass());
        work = Path.of(System.getProperty("streamkit.test.output", "target"), "hotswap").toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work);
        server = StreamkitServer.start(ServerConfig.builder(work.resolve("server")).host("127.0.0.1").port(0).build());

        ISecurePreferences tokens = SecurePreferencesFactory.getDefault().node(TOKENS_NODE);
        // Unencrypted: the test runtime has no password provider. The keyring is under target/ (see pom.xml)
        // and the token, of this run's own server, is removed again at the end.
        tokens.put("accessToken", server.mintToken("streamer", Duration.ofHours(1)), false);
        tokens.flush();
        String obsPassword = "pw-" + java.util.UUID.randomUUID();
        obs = new ObsStudio(ObsStudio.home("hotswap-obs"), obsPassword).start();
        ISecurePreferences obsSecrets = SecurePreferencesFactory.getDefault().node(OBS_NODE);
        obsSecrets.put("password", obsPassword, false);
        obsSecrets.flush();

        xodusStore = work.resolve("xodus");
        backupFolder = work.resolve("backup");
        Path coordinatorState = work.resolve("coordinator");
        // Held open for the whole run: Configuration Admin is a service factory, and its objects die with the use.
        configAdmin = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        configAdmin.open();
        ConfigurationAdmin admin = configAdmin.waitForService(Wait.LIMIT.toMillis());
        assertNotNull(admin, "Configuration Admin runs");
        configure(admin, COORDINATOR_PID, Map.of("directory", coordinatorState.toString()));
        configure(admin, "org.streamkit.sync.tier.xodus", Map.of("directory", xodusStore.toString()));
        configure(admin, "org.streamkit.sync.tier.file", Map.of("directory", backupFolder.toString()));
        configure(admin, "org.streamkit.sync.tier.cloud", Map.of("url", server.uri().toString(),
                "connectTimeoutMs", 2000L, "responseTimeoutMs", 5000L));
        configure(admin, "org.streamkit.sync.tier.obs", Map.of("host", "127.0.0.1", "port", obs.port(),
                "slot", "streamkit_hotswap", "reconnectMaxMs", 500L));

        coordinator = Services.await(getClass(), SyncCoordinator.class, "(directory=" + escape(coordinatorState.toString()) + ")");
        awaitJoined("xodus", "(directory=" + escape(xodusStore.toString()) + ")");
        awaitJoined("file", "(directory=" + escape(backupFolder.toString()) + ")");
        awaitJoined("cloud", "(url=" + escape(server.uri().toString()) + ")");
        awaitJoined("obs", "(port=" + obs.port() + ")");
        awaitJoined("memory", null);
        setUpAt = System.nanoTime();
        assertTrue(Files.exists(xodusStore.resolve("xd.lck")), "the Xodus tier opened its store in " + xodusStore);
        for (String tier : TIERS) {
            Bundle bundle = Bundles.find(context, symbolicName(tier));
            locations.put(tier, bundle.getLocation());
            contents.put(tier, Bundles.withVersion(bundle, bundle.getVersion()));
        }
    }

    private void configure(ConfigurationAdmin admin, String pid, Map<String, Object> properties) throws IOException {
        // "?": not bound to this bundle's location, so it reaches the tier however often it is reinstalled.
        Configuration configuration = admin.getConfiguration(pid, "?");
        configuration.update(new Hashtable<>(properties));
        configurations.add(configuration);
    }

    @AfterAll
    void leaveNothingConfigured() throws Exception {
        List<Configuration> reversed = new ArrayList<>(configurations);
        Collections.reverse(reversed);
        for (Configuration configuration : reversed) {
            configuration.delete();
        }
        if (xodusStore != null && Files.exists(xodusStore.resolve("xd.lck"))) {
            Wait.until("the Xodus tier to leave the test's store", () -> Leaks.lockFree(xodusStore.resolve("xd.lck")));
        }
        if (server != null) {
            server.close();
        }
        if (obs != null) {
            obs.close();
        }
        SecurePreferencesFactory.getDefault().node(OBS_NODE).removeNode();
        if (configAdmin != null) {
            configAdmin.close();
        }
        ISecurePreferences tokens = SecurePreferencesFactory.getDefault().node(TOKENS_NODE);
        tokens.removeNode();
        SecurePreferencesFactory.getDefault().flush();
    }

    @ParameterizedTest(name = "the {0} tier bundle")
    @ValueSource(strings = { "memory", "file", "cloud", "obs", "xodus" })
    void tierBundleSwappedWhileConfigsAreWrittenLosesNothingAndLeavesNothingBehind(String tier) throws Exception {
        Bundle bundle = installedAndActive(tier);
        Version original = bundle.getVersion();
        awaitJoined(tier, bundle, original);

        Writer writer = new Writer(coordinator, TYPE, tier, 60, tier.hashCode());
        Set<String> endedThreads = new TreeSet<>();
        try (writer) {
            writer.phase("before");
            writer.start();
            writer.awaitAcks(20, "before any swap");
            assertInUse(tier);

            writer.phase("stop");
            if (tier.equals("xodus")) {
                Duration up = Duration.ofNanos(System.nanoTime() - setUpAt);
                Wait.until("the Xodus tier to have run longer than its reopen interval", Wait.LIMIT,
                        () -> Duration.ofNanos(System.nanoTime() - setUpAt).compareTo(XODUS_REOPEN_INTERVAL.plusSeconds(1)) > 0,
                        () -> "up for " + up);
            }
            StorageTier stale = Services.tier(getClass(), tier);
            bundle.stop();
            awaitGone(tier);
            assertReleased(tier, "stopped");
            assertStaleReferenceTakesNothingBack(tier, stale);
            writer.awaitAcks(10, "while the " + tier + " tier is stopped");
            Set<Thread> withoutTier = Leaks.threads();

            writer.phase("start");
            bundle.start();
            awaitJoined(tier, bundle, original);
            writer.awaitAcks(10, "after the " + tier + " tier started again");
            awaitHolds(tier, writer, "started again");
            assertInUse(tier);

            writer.phase("uninstall");
            Set<Thread> startedByTier = Leaks.startedSince(withoutTier);
            bundle.uninstall();
            Bundles.refresh(context, bundle);
            assertEquals(Bundle.UNINSTALLED, bundle.getState());
            assertFalse(Bundles.installed(context, symbolicName(tier)));
            awaitGone(tier);
            assertReleased(tier, "uninstalled");
            awaitEnded(startedByTier, "the threads started while the " + tier + " tier ran, after it was uninstalled");
            endedThreads.addAll(names(startedByTier));
            writer.awaitAcks(10, "while the " + tier + " tier is uninstalled");
            withoutTier = Leaks.threads();

            writer.phase("reinstall");
            // The same location, the same content: as a user installs the bundle again from where it came.
            bundle = context.installBundle(locations.get(tier), new ByteArrayInputStream(contents.get(tier)));
            bundle.start();
            assertEquals(original, bundle.getVersion());
            awaitJoined(tier, bundle, original);
            writer.awaitAcks(10, "after the " + tier + " tier was installed again");
            awaitHolds(tier, writer, "installed again");
            assertInUse(tier);

            writer.phase("update");
            Version newer = Bundles.next(original);
            byte[] jar = Bundles.withVersion(bundle, newer);
            long serviceBefore = serviceId(tierReference(tier));
            Set<Thread> ofTheOldRevision = Leaks.startedSince(withoutTier);
            Set<String> connectionsBefore = remote(tier) ? Leaks.connectionsTo(remotePort(tier)) : Set.of();
            bundle.update(new ByteArrayInputStream(jar));
            Bundles.refresh(context, bundle);
            assertEquals(newer, bundle.getVersion(), "the bundle runs the newer version");
            assertEquals(Bundle.ACTIVE, bundle.getState());
            ServiceReference<StorageTier> updated = awaitJoined(tier, bundle, newer);
            assertTrue(serviceId(updated) > serviceBefore, "the newer version registered a new " + tier + " tier service");
            awaitEnded(ofTheOldRevision, "the threads of the " + tier + " tier's replaced version");
            endedThreads.addAll(names(ofTheOldRevision));
            if (remote(tier)) {
                Wait.until("the replaced " + tier + " tier's connections to close", Wait.LIMIT,
                        () -> intersection(Leaks.connectionsTo(remotePort(tier)), connectionsBefore).isEmpty(),
                        () -> "still open: " + intersection(Leaks.connectionsTo(remotePort(tier)), connectionsBefore));
            }
            writer.awaitAcks(10, "after the " + tier + " tier was updated to " + newer);
            awaitHolds(tier, writer, "updated to " + newer);
            assertInUse(tier);
            writer.phase("check");
        }

        List<Writer.Failure> failures = writer.failures();
        for (Writer.Failure failure : failures) {
            assertTrue(failure.error() instanceof StorageException && !String.valueOf(failure.error().getMessage()).isBlank(),
                    "a put that failed says why with a StorageException: " + failure);
        }
        written.putAll(writer.expected());
        Map<ConfigKey, ObjectNode> latest = assertNoWriteLost(written);
        awaitEveryTierHolds(latest);
        System.out.printf("Hot swap of the %s tier: %d puts acknowledged, %d failed%s; longest put %d ms; %d configs checked"
                + " in %d tiers; its threads ended with it: %s; phases (ms): %s%n", tier, writer.acknowledged(),
                failures.size(), failures.isEmpty() ? "" : " " + summary(failures), writer.maxPutMillis(), latest.size(),
                TIERS.size(), endedThreads, writer.phaseMillis());
    }

    // ---------------------------------------------------------------- bundles and the coordinator's chain

    private static boolean remote(String tier) {
        return tier.equals("cloud") || tier.equals("obs");
    }

    /** @return the port on 127.0.0.1 a remote tier talks to: the local API server, or the bridge to OBS */
    private int remotePort(String tier) {
        return tier.equals("obs") ? obs.port() : server.port();
    }

    private static String symbolicName(String tier) {
        return "org.streamkit.sync.tier." + tier;
    }

    /** @return the tier's bundle, installed and started again if an earlier run failed half way */
    private Bundle installedAndActive(String tier) throws Exception {
        Bundle bundle = Bundles.installed(context, symbolicName(tier)) ? Bundles.find(context, symbolicName(tier))
                : context.installBundle(locations.get(tier), new ByteArrayInputStream(contents.get(tier)));
        if (bundle.getState() != Bundle.ACTIVE) {
            bundle.start();
        }
        return bundle;
    }

    private ServiceReference<StorageTier> tierReference(String tier) {
        List<ServiceReference<StorageTier>> references = tierReferences(tier, null);
        return references.isEmpty() ? null : references.get(0);
    }

    private List<ServiceReference<StorageTier>> tierReferences(String tier, String filter) {
        String full = "(" + StorageTier.TIER_NAME + "=" + tier + ")";
        if (filter != null) {
            full = "(&" + full + filter + ")";
        }
        try {
            return List.copyOf(context.getServiceReferences(StorageTier.class, full));
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty(Constants.SERVICE_ID);
    }

    private List<TierStatus> chainEntries(String tier) {
        return coordinator.status().tiers().stream().filter(s -> s.name().equals(tier)).toList();
    }

    /** Waits until one service for the tier matches {@code filter} and the coordinator's chain holds that tier once. */
    private void awaitJoined(String tier, String filter) {
        Wait.until("one " + tier + " tier service matching " + filter, Wait.LIMIT, () -> tierReferences(tier, filter).size() == 1,
                () -> "found " + tierReferences(tier, null).stream().map(r -> String.valueOf(r.getProperties())).toList());
        awaitInChain(tier);
    }

    /**
     * Waits until the tier's one service is registered by {@code bundle} at {@code version}, and the
     * coordinator's chain holds the tier once, present and available.
     */
    private ServiceReference<StorageTier> awaitJoined(String tier, Bundle bundle, Version version) {
        Wait.until("the " + tier + " tier service of " + bundle + " at " + version, Wait.LIMIT, () -> {
            List<ServiceReference<StorageTier>> references = tierReferences(tier, null);
            return references.size() == 1 && references.get(0).getBundle() != null
                    && references.get(0).getBundle().getBundleId() == bundle.getBundleId()
                    && references.get(0).getBundle().getVersion().equals(version);
        }, () -> "registered: " + tierReferences(tier, null).stream().map(r -> r.getBundle() + " " + r.getProperties()).toList());
        awaitInChain(tier);
        return tierReference(tier);
    }

    private void awaitInChain(String tier) {
        Wait.until("the coordinator's chain to hold the " + tier + " tier once, available", Wait.LIMIT, () -> {
            List<TierStatus> entries = chainEntries(tier);
            return entries.size() == 1 && entries.get(0).present() && entries.get(0).health().available();
        }, () -> "status: " + coordinator.status().tiers());
    }

    /** Waits until the tier has no service and the coordinator no longer uses it (a remote tier stays listed, absent). */
    private void awaitGone(String tier) {
        Wait.until("the " + tier + " tier service to go", Wait.LIMIT, () -> tierReference(tier) == null,
                () -> "still registered: " + tierReferences(tier, null));
        Wait.until("the coordinator to drop the " + tier + " tier from its chain", Wait.LIMIT,
                () -> chainEntries(tier).stream().noneMatch(TierStatus::present), () -> "status: " + chainEntries(tier));
    }

    // ---------------------------------------------------------------- what a tier holds while it runs, and leaves behind

    /** Checks that the probes see the tier's resources while it runs, so that their absence later means something. */
    private void assertInUse(String tier) {
        switch (tier) {
            case "xodus" -> Wait.until("the running Xodus tier to hold its store's lock", () -> !Leaks.lockFree(xodusStore.resolve("xd.lck")));
            case "cloud" -> {
                if (Leaks.procAvailable()) {
                    Wait.until("the running cloud tier to keep a connection to the server (its change stream)",
                            () -> !Leaks.connectionsTo(server.port()).isEmpty());
                }
            }
            case "obs" -> {
                if (Leaks.procAvailable()) {
                    Wait.until("the running OBS tier to keep its WebSocket to OBS open",
                            () -> !Leaks.connectionsTo(obs.port()).isEmpty());
                }
            }
            default -> {
                // the memory and file tiers hold nothing open between calls
            }
        }
    }

    /**
     * Calls a stopped tier through a reference taken while it ran, as a caller does whose call was under
     * way when the bundle stopped (the coordinator's reads and backfills work on a snapshot of its chain):
     * the old object answers or fails with a {@link StorageException}, and takes nothing back.
     */
    private void assertStaleReferenceTakesNothingBack(String tier, StorageTier stale) {
        ConfigKey key = new ConfigKey(TYPE, "stale-reference-probe");
        for (int i = 0; i < 3; i++) {
            try {
                stale.get(key);
                stale.listTypes();
            } catch (StorageException e) {
                // refused: fine
            } catch (RuntimeException e) {
                throw new AssertionError("The stopped " + tier + " tier failed with " + e + " instead of a StorageException", e);
            }
        }
        assertReleased(tier, "stopped and then called through an old reference");
    }

    /** Waits until the tier, gone, holds nothing any more: no lock, no open file, no connection. */
    private void assertReleased(String tier, String how) {
        switch (tier) {
            case "xodus" -> {
                Wait.until("the " + how + " Xodus tier to release its store's lock", () -> Leaks.lockFree(xodusStore.resolve("xd.lck")));
                awaitNoOpenFiles(xodusStore, "the " + how + " Xodus tier");
            }
            case "file" -> awaitNoOpenFiles(backupFolder, "the " + how + " file tier");
            case "cloud", "obs" -> {
                if (Leaks.procAvailable()) {
                    Wait.until("the " + how + " " + tier + " tier to close its connections", Wait.LIMIT,
                            () -> Leaks.connectionsTo(remotePort(tier)).isEmpty(),
                            () -> "open: " + Leaks.connectionsTo(remotePort(tier)).size());
                }
            }
            default -> {
                // the memory tier's content is dropped with it; its threads are checked below
            }
        }
    }

    private static void awaitNoOpenFiles(Path folder, String who) {
        if (Leaks.procAvailable()) {
            Wait.until(who + " to close every file in " + folder, Wait.LIMIT, () -> Leaks.openFilesUnder(folder).isEmpty(),
                    () -> "open: " + Leaks.openFilesUnder(folder));
        }
    }

    private static void awaitEnded(Set<Thread> threads, String what) {
        Wait.until(what + " to end", Wait.LIMIT, () -> Leaks.alive(threads).isEmpty(),
                () -> "still running: " + Leaks.describe(Leaks.alive(threads)));
    }

    /** @return thread names without their pool numbers ("httpclient-dispatch-3" → "httpclient-dispatch-*") */
    private static Set<String> names(Set<Thread> threads) {
        return threads.stream().map(t -> t.getName().replaceAll("\\d+$", "*")).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    // ---------------------------------------------------------------- no write lost

    /**
     * Waits until the tier holds every acknowledged config of {@code expected} at its acknowledged
     * version or a newer one (the writer goes on meanwhile).
     */
    private void awaitHolds(String tier, Writer writer, String when) {
        // A remote tier gets a config a debounce after its last edit (at most ten debounces while it keeps
        // changing): the writer pauses meanwhile. Local tiers are checked while writing goes on.
        boolean remote = remote(tier);
        if (remote) {
            writer.pause();
        }
        try {
            awaitHolds(tier, writer.expected(), when);
        } finally {
            if (remote) {
                writer.resume();
            }
        }
    }

    private void awaitHolds(String tier, Map<ConfigKey, Writer.Expected> expected, String when) {
        StorageTier storage = Services.tier(getClass(), tier);
        Map<ConfigKey, Long> missing = new TreeMap<>();
        expected.forEach((key, e) -> {
            if (e.acknowledged() != null) {
                missing.put(key, e.seq());
            }
        });
        Wait.until("the " + tier + " tier, " + when + ", to hold all " + expected.size() + " configs written so far",
                Wait.LIMIT, () -> {
                    missing.entrySet().removeIf(m -> seqIn(storage, m.getKey()) >= m.getValue());
                    return missing.isEmpty();
                }, () -> missing.size() + " behind, e.g. " + missing.entrySet().stream().limit(5).toList()
                        + "; outbox: " + outboxSummary());
    }

    private static long seqIn(StorageTier storage, ConfigKey key) {
        try {
            Optional<ConfigDocument> found = storage.get(key);
            return found.isPresent() && !found.get().deleted() ? found.get().body().path("seq").asLong(-1) : -1;
        } catch (StorageException | RuntimeException e) {
            return -1; // not readable now: asked again
        }
    }

    /**
     * Checks that every acknowledged write reads back through the coordinator with its latest value (or,
     * when a later put of the same config failed, possibly with that one's).
     *
     * @return the value each config reads as
     */
    private Map<ConfigKey, ObjectNode> assertNoWriteLost(Map<ConfigKey, Writer.Expected> expected) throws StorageException {
        Map<ConfigKey, ObjectNode> latest = new LinkedHashMap<>();
        List<String> lost = new ArrayList<>();
        for (Map.Entry<ConfigKey, Writer.Expected> entry : expected.entrySet()) {
            Writer.Expected e = entry.getValue();
            Optional<ConfigDocument> read = coordinator.get(entry.getKey());
            if (read.isEmpty()) {
                if (e.acknowledged() != null) {
                    lost.add(entry.getKey() + ": missing, acknowledged as #" + e.seq());
                }
                continue;
            }
            ObjectNode body = read.get().body();
            if (!body.equals(e.acknowledged()) && !e.failedSince().contains(body)) {
                lost.add(entry.getKey() + ": reads " + body + ", acknowledged " + e.acknowledged());
            }
            latest.put(entry.getKey(), body);
        }
        assertTrue(lost.isEmpty(), lost.size() + " acknowledged writes lost: " + lost.stream().limit(10).toList());
        return latest;
    }

    /** Waits until every tier holds exactly the latest value of every config, and the outbox is empty. */
    private void awaitEveryTierHolds(Map<ConfigKey, ObjectNode> latest) {
        Wait.until("the outbox to be delivered", Wait.LIMIT, () -> coordinator.outbox().isEmpty(), this::outboxSummary);
        for (String tier : TIERS) {
            StorageTier storage = Services.tier(getClass(), tier);
            Map<ConfigKey, ObjectNode> behind = new TreeMap<>(latest);
            Wait.until("the " + tier + " tier to hold the latest value of all " + latest.size() + " configs", Wait.LIMIT, () -> {
                behind.entrySet().removeIf(e -> {
                    try {
                        return storage.get(e.getKey()).map(d -> d.body().equals(e.getValue())).orElse(false);
                    } catch (StorageException | RuntimeException x) {
                        return false;
                    }
                });
                return behind.isEmpty();
            }, () -> behind.size() + " differ, e.g. " + behind.keySet().stream().limit(5).toList());
        }
    }

    private String outboxSummary() {
        List<PendingWrite> outbox = coordinator.outbox();
        return outbox.size() + " pending" + outbox.stream().limit(3)
                .map(p -> " " + p.key() + "→" + p.tier() + (p.failed() ? " FAILED" : "") + " " + p.lastError())
                .collect(Collectors.joining(","));
    }

    private static String summary(List<Writer.Failure> failures) {
        return failures.stream().collect(Collectors.groupingBy(f -> f.phase() + ": " + f.error().getMessage(), TreeMap::new,
                Collectors.counting())).toString();
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '(' || c == ')' || c == '*' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Collections.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
