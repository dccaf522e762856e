package org.streamkit.sync.tier.obs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.testing.ObsStudio;
import org.streamkit.sync.testing.Wait;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.tier.memory.MemoryStore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The OBS tier against a real OBS Studio 29 (obs-websocket 5.1) with authentication on. */
class ObsTierTest {

    static final Duration DEBOUNCE = Duration.ofMillis(2000);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String TEXT = "Café ☕ 🎮 日本語のテキスト — naïve façade 👩‍💻🏳️‍🌈";

    private static ObsStudio obs;
    private static Path obsHome;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final java.util.Map<Coordinator, MemoryStore> locals = new java.util.HashMap<>();
    private ScheduledExecutorService scheduler;

    @BeforeAll
    static void startObs() throws Exception {
        obsHome = ObsStudio.home("obs-tier");
        obs = new ObsStudio(obsHome, PASSWORD).start();
    }

    @AfterAll
    static void stopObs() throws Exception {
        if (obs != null) {
            obs.close();
        }
    }

    @AfterEach
    void closeClients() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable c : opened) {
            c.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** A client of the test's OBS, as the tier makes one; events go to {@code onEvent}. */
    private ObsStore client(String password, String slot, Runnable onAnnouncement) throws Exception {
        ObsStore store = ObsStore.connecting("obs", obs.uri(), () -> password, slot, Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofMillis(500), onAnnouncement, onAnnouncement);
        opened.add(store.connection());
        store.connection().start();
        return store;
    }

    private ObsStore connected(String slot, Runnable onAnnouncement) throws Exception {
        ObsStore store = client(PASSWORD, slot, onAnnouncement);
        waitUntil(() -> store.health().status() == TierHealth.Status.UP, Duration.ofSeconds(30), () -> store.health().reason());
        return store;
    }

    private static String slot() {
        return "streamkit_test_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ConfigDocument doc(ConfigKey key, String name) {
        Instant now = Instant.now();
        return ConfigDocument.of(key, ConfigJson.newObject().put("name", name), now, now);
    }

    @Test
    void identifiesWithThePasswordAndAnswersRequests() throws Exception {
        ObsStore store = connected(slot(), null);
        JsonNode version = store.connection().socket().request("GetVersion", null);
        assertEquals(1, version.path("rpcVersion").asInt(), "obs-websocket 5 speaks rpcVersion 1");
        assertTrue(version.path("obsWebSocketVersion").asText().startsWith("5."), version.toString());
        assertTrue(version.path("availableRequests").toString().contains("BroadcastCustomEvent"));
    }

    @Test
    void aWrongPasswordIsReportedInWordsAndWritesFailRetryably() throws Exception {
        ObsStore store = client("not-the-password", slot(), null);
        waitUntil(() -> store.health().reason().contains("Wrong OBS password"), Duration.ofSeconds(20), () -> store.health().reason());
        assertEquals(TierHealth.Status.DOWN, store.health().status());
        assertFalse(store.health().reason().contains("not-the-password"), "the password is never shown");
        StorageException e = assertThrows(StorageException.class, () -> store.put(doc(new ConfigKey("notes", "x"), "x")));
        assertTrue(e.retryable(), "the outbox keeps the write until the password is fixed");
        assertTrue(e.getMessage().contains("Wrong OBS password"), e.getMessage());
    }

    @Test
    void noPasswordAtAllIsReportedInWords() throws Exception {
        ObsStore store = client(null, slot(), null);
        waitUntil(() -> store.health().reason().contains("OBS asks for a password"), Duration.ofSeconds(20),
                () -> store.health().reason());
    }

    @Test
    void emojiAccentsAndCjkRoundTripAndTheSlotStaysAscii() throws Exception {
        String slot = slot();
        ObsStore store = connected(slot, null);
        ConfigKey key = new ConfigKey("text-cyclers", "scène-配信-🎬");
        ObjectNode body = ConfigJson.newObject().put("name", TEXT);
        body.putArray("texts").add("¡Hola! ¿Qué tal?").add("Grüße aus Köln").add("Привет").add("🔥🔥🔥");
        // Each write of non-ASCII text into OBS 5.1 would double it: many writes prove nothing grows or breaks.
        for (int i = 0; i < 10; i++) {
            Instant now = Instant.now();
            store.put(ConfigDocument.of(key, body.put("round", i), now, now));
        }
        ConfigDocument read = store.get(key).orElseThrow();
        assertEquals(key, read.key());
        assertEquals(body, read.body());
        JsonNode raw = rawSlot(store, bucketSlot(slot, key));
        assertTrue(raw.get("configs").has(ObsSlot.code(key)), "the config is in its bucket's slot");
        String text = raw.toString() + rawSlot(store, slot);
        assertTrue(text.chars().allMatch(c -> c < 128), "the slot holds ASCII only");
        assertFalse(text.contains("name"), "bodies are encoded, not stored as plain JSON");
        assertFalse(text.contains(PASSWORD), "the password is never written to a slot");
        // And a second client, reading what OBS saved, sees the same text.
        ObsStore other = connected(slot, null);
        assertEquals(body, other.get(key).orElseThrow().body());
    }

    @Test
    void theSlotSurvivesAnObsRestart() throws Exception {
        String slot = slot();
        ObsStore store = connected(slot, null);
        ConfigKey key = new ConfigKey("notes", "kept");
        ConfigDocument written = store.put(doc(key, TEXT));
        obs.stopObs();
        waitUntil(() -> store.health().status() == TierHealth.Status.DOWN, Duration.ofSeconds(10), () -> "still up");
        assertThrows(StorageException.class, () -> store.get(key), "no OBS, no reads");
        obs.startObs();
        waitUntil(() -> store.health().status() == TierHealth.Status.UP, Duration.ofSeconds(30), () -> store.health().reason());
        ConfigDocument read = store.get(key).orElseThrow(() -> new AssertionError("the slot was lost in the restart"));
        assertEquals(written.body(), read.body());
        assertEquals(written.updatedAt(), read.updatedAt());
        String file = Files.readString(obsHome.resolve(".config/obs-studio/obsWebSocketPersistentData.json"),
                StandardCharsets.UTF_8);
        assertTrue(file.contains(slot) && file.chars().allMatch(c -> c < 128), "OBS saved the slot, in ASCII");
        assertFalse(file.contains(PASSWORD), "the password is in no slot");
    }

    @Test
    void aWriteDebouncedWhileObsIsKilledIsDeliveredAfterItsRestart(@TempDir Path folder) throws Exception {
        String slot = slot();
        scheduler = Executors.newScheduledThreadPool(2);
        Coordinator device = device(folder.resolve("device"));
        ObsStore store = connected(slot, () -> device.pullSoon("obs"));
        device.addTier(new Coordinator.Tier(store, "obs", 200, 2, true, DEBOUNCE));
        ConfigKey key = new ConfigKey("swaps", "during-crash");
        device.put(key, ConfigJson.newObject().put("name", TEXT));
        obs.killObs(); // within the debounce: the write has not gone out yet
        Thread.sleep(DEBOUNCE.toMillis() + 1000);
        assertFalse(device.outbox().isEmpty(), "the write waits in the outbox while OBS is away");
        long restart = System.nanoTime();
        obs.startObs();
        waitUntil(() -> device.outbox().isEmpty(), Duration.ofSeconds(30), () -> device.outbox().toString());
        long millis = (System.nanoTime() - restart) / 1_000_000;
        System.out.println("OBS tier: write held while OBS was killed, delivered " + millis + " ms after OBS was started again");
        ObsStore reader = connected(slot, null);
        assertEquals(TEXT, reader.get(key).orElseThrow().body().get("name").asText());
    }

    @Test
    void aSlotLostWhenObsIsKilledIsRefilledWhetherOrNotTheClientSawItBefore(@TempDir Path folder) throws Exception {
        String slot = slot();
        scheduler = Executors.newScheduledThreadPool(4);
        Coordinator device = device(folder.resolve("device"));
        ObsStore first = connected(slot, () -> device.pullSoon("obs"));
        Coordinator.Tier tier = new Coordinator.Tier(first, "obs", 200, 2, true, Duration.ofMillis(100));
        device.addTier(tier);
        List<ConfigKey> keys = List.of(new ConfigKey("notes", "n1"), new ConfigKey("layouts", "l1"), new ConfigKey("swaps", "s1"));
        for (ConfigKey key : keys) {
            device.put(key, ConfigJson.newObject().put("name", TEXT + " " + key.id()));
        }
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(first, slot, device, keys), Duration.ofSeconds(30),
                () -> device.outbox().toString());

        // kill -9 while OBS rewrites its file in place leaves it empty (it truncates, then writes): every slot is gone.
        Path data = obsHome.resolve(".config/obs-studio/obsWebSocketPersistentData.json");
        obs.killObs();
        Files.write(data, new byte[0]);
        obs.startObs();
        waitUntil(() -> first.health().status() == TierHealth.Status.UP, Duration.ofSeconds(30), () -> first.health().reason());
        // The client that saw the slot puts its copy back as soon as it reads the slot lost.
        device.syncNow();
        waitUntil(() -> slotHolds(first, slot, device, keys), Duration.ofSeconds(30), () -> "slot " + rawSlotText(first, slot));

        // Again, and this time the product restarted as well: a new client, which never saw the slot, finds it
        // empty; the coordinator's cursor names a state the slot no longer descends from, so the slot is read
        // whole and sent every config it lacks, and nothing says "synced" meanwhile.
        device.removeTier(first);
        first.connection().close();
        obs.killObs();
        Files.write(data, new byte[0]);
        obs.startObs();
        ObsStore fresh = connected(slot, () -> device.pullSoon("obs"));
        device.addTier(new Coordinator.Tier(fresh, "obs", 200, 3, true, Duration.ofMillis(100)));
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(fresh, slot, device, keys), Duration.ofSeconds(30),
                () -> "outbox " + device.outbox() + ", slot " + rawSlotText(fresh, slot));
    }

    @Test
    void aSlotResetToGarbageOrToAnEmptySlotIsRefilled(@TempDir Path folder) throws Exception {
        String slot = slot();
        List<ConfigKey> keys = List.of(new ConfigKey("notes", "g1"), new ConfigKey("notes", "g2"));
        // Nothing announces these resets: the device finds them when it reads the buckets again, which it does
        // once it has not read them for a while (a minute; a second here) or after OBS reconnects.
        Coordinator device = syncedDevice(folder, slot, keys, Duration.ofSeconds(1));
        ObsStore other = connected(slot, null); // another client of the same OBS
        for (JsonNode reset : List.<JsonNode>of(ConfigJson.newObject().put("not", "a slot"),
                com.fasterxml.jackson.databind.node.TextNode.valueOf("garbage"),
                ConfigJson.reader().readTree("{\"schema\":2,\"seq\":0,\"w\":\"r\",\"log\":[[0,\"r\"]],\"configs\":{}}"))) {
            setSlot(other, slot, reset); // the index
            for (int i = 0; i < ObsStore.BUCKETS; i++) {
                setSlot(other, ObsStore.bucketSlot(slot, i), reset);
            }
            waitUntil(() -> {
                device.syncNow();
                return slotHolds(other, slot, device, keys);
            }, Duration.ofSeconds(30), () -> "after a reset to " + reset + " the slot holds " + rawSlotText(other, slot));
        }
    }

    @Test
    void aDamagedEntryIsWrittenOverByTheNextEditInsteadOfParkingIt(@TempDir Path folder) throws Exception {
        String slot = slot();
        ConfigKey key = new ConfigKey("swaps", "damaged");
        Coordinator device = syncedDevice(folder, slot, List.of(key));
        ObsStore other = connected(slot, null);
        ObjectNode raw = (ObjectNode) rawSlot(other, bucketSlot(slot, key));
        ((ObjectNode) raw.get("configs").get(ObsSlot.code(key))).put("z", "!!not base64, not a config!!");
        setSlot(other, bucketSlot(slot, key), raw);

        device.put(key, ConfigJson.newObject().put("name", "v2, after the damage"));
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(other, slot, device, List.of(key)), Duration.ofSeconds(30),
                () -> "outbox " + device.outbox());
        assertEquals("v2, after the damage", other.get(key).orElseThrow().body().get("name").asText());
    }

    @Test
    void writesParkedWhileTheSlotWasUnreadableGoOnceItIsReadableAgain(@TempDir Path folder) throws Exception {
        String slot = slot();
        scheduler = Executors.newScheduledThreadPool(4);
        Coordinator device = device(folder.resolve("device"));
        ObsStore other = connected(slot, null);
        // A slot this Streamkit cannot read and must not write over (a newer Streamkit's).
        setSlot(other, slot, ConfigJson.reader().readTree("{\"schema\":99,\"configs\":{}}"));
        ObsStore store = connected(slot, () -> device.pullSoon("obs"));
        device.addTier(new Coordinator.Tier(store, "obs", 200, 2, true, Duration.ofMillis(100)));
        ConfigKey key = new ConfigKey("notes", "parked");
        device.put(key, ConfigJson.newObject().put("name", "made while the slot was unreadable"));
        waitUntil(() -> device.state(key, "obs") == org.streamkit.sync.api.SyncState.FAILED, Duration.ofSeconds(30),
                () -> device.outbox().toString());
        assertEquals(99, rawSlot(other, slot).get("schema").asInt(), "the unreadable slot was left alone");

        setSlot(other, slot, ConfigJson.reader().readTree("{\"schema\":1,\"seq\":0,\"w\":\"0\",\"log\":[[0,\"0\"]],\"configs\":{}}"));
        device.syncNow(); // the slot reads again: what was parked because of it goes
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(other, slot, device, List.of(key)), Duration.ofSeconds(30),
                () -> "outbox " + device.outbox());
    }

    /** A device with the OBS tier on a slot (debounce 100 ms), whose configs are saved and in the slot. */
    private Coordinator syncedDevice(Path folder, String slot, List<ConfigKey> keys) throws Exception {
        return syncedDevice(folder, slot, keys, null);
    }

    /** @param trust how long the device's client takes a bucket it read as current (null: as in the product) */
    private Coordinator syncedDevice(Path folder, String slot, List<ConfigKey> keys, Duration trust) throws Exception {
        scheduler = Executors.newScheduledThreadPool(4);
        Coordinator device = device(folder.resolve("device"));
        ObsStore store = connected(slot, () -> device.pullSoon("obs"));
        if (trust != null) {
            store.trustBucketsFor(trust);
        }
        device.addTier(new Coordinator.Tier(store, "obs", 200, 2, true, Duration.ofMillis(100)));
        for (ConfigKey key : keys) {
            device.put(key, ConfigJson.newObject().put("name", TEXT + " " + key.id()));
        }
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(store, slot, device, keys), Duration.ofSeconds(30),
                () -> device.outbox().toString());
        return device;
    }

    /** @return whether the slot, read by another client, holds the device's local version of every key */
    private boolean slotHolds(ObsStore reader, String slot, Coordinator device, List<ConfigKey> keys) {
        try {
            for (ConfigKey key : keys) {
                Optional<ConfigDocument> there = reader.get(key);
                if (there.isEmpty() || !there.get().sameVersion(local(device, key).orElse(null))) {
                    return false;
                }
            }
            return true;
        } catch (StorageException e) {
            return false;
        }
    }

    /** @return the bucket slot that holds a key's config */
    static String bucketSlot(String slot, ConfigKey key) {
        return ObsStore.bucketSlot(slot, ObsStore.bucketOf(ObsSlot.code(key), ObsStore.BUCKETS));
    }

    private static void setSlot(ObsStore client, String slot, JsonNode value) throws StorageException {
        ObjectNode set = ConfigJson.newObject().put("realm", ObsStore.REALM).put("slotName", slot);
        set.set("slotValue", value);
        client.connection().socket().request("SetPersistentData", set);
    }

    private static String rawSlotText(ObsStore client, String slot) {
        try {
            String text = String.valueOf(rawSlot(client, slot));
            return text.length() > 300 ? text.substring(0, 300) + "…" : text;
        } catch (StorageException e) {
            return e.getMessage();
        }
    }

    @Test
    void twoClientsEditingDifferentAndTheSameConfigsConverge(@TempDir Path folder) throws Exception {
        String slot = slot();
        scheduler = Executors.newScheduledThreadPool(4);
        // As in the product, a periodic sync backs up the custom events (an announcement can be lost, e.g.
        // when OBS times out under load); the real-time test below relies on the events alone.
        Coordinator a = device(folder.resolve("a"), Duration.ofSeconds(3));
        Coordinator b = device(folder.resolve("b"), Duration.ofSeconds(3));
        a.addTier(new Coordinator.Tier(connected(slot, () -> a.pullSoon("obs")), "obs", 200, 2, true, DEBOUNCE));
        b.addTier(new Coordinator.Tier(connected(slot, () -> b.pullSoon("obs")), "obs", 200, 2, true, DEBOUNCE));
        List<ConfigKey> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ConfigKey onA = new ConfigKey("layouts", "a-" + i);
            ConfigKey onB = new ConfigKey("layouts", "b-" + i);
            ConfigKey shared = new ConfigKey("text-cyclers", "shared-" + i);
            a.put(onA, ConfigJson.newObject().put("by", "a").put("i", i));
            b.put(onB, ConfigJson.newObject().put("by", "b").put("i", i));
            a.put(shared, ConfigJson.newObject().put("by", "a").put("text", TEXT));
            b.put(shared, ConfigJson.newObject().put("by", "b").put("text", TEXT));
            keys.addAll(List.of(onA, onB, shared));
        }
        waitUntil(() -> a.outbox().isEmpty() && b.outbox().isEmpty() && same(a, b, keys), Duration.ofSeconds(60),
                () -> "outboxes " + a.outbox() + " / " + b.outbox() + "; differences: " + differences(a, b, keys));
        for (ConfigKey key : keys) {
            ConfigDocument onA = local(a, key).orElseThrow(() -> new AssertionError(key + " missing on a"));
            assertTrue(onA.sameVersion(local(b, key).orElseThrow()), key + " differs");
            if (key.id().startsWith("shared")) {
                assertEquals(TEXT, onA.body().get("text").asText());
            }
        }
        ObsStore reader = connected(slot, null);
        for (ConfigKey key : keys) {
            assertTrue(local(a, key).orElseThrow().sameVersion(reader.get(key).orElseThrow()), key + " in OBS");
        }
    }

    @Test
    void aWriteReachesTheOtherClientThroughTheCustomEventWithinTheDebounceAnd100Ms(@TempDir Path folder) throws Exception {
        String slot = slot();
        scheduler = Executors.newScheduledThreadPool(4);
        Coordinator dock = device(folder.resolve("dock"));
        Coordinator browser = device(folder.resolve("browser"));
        dock.addTier(new Coordinator.Tier(connected(slot, () -> dock.pullSoon("obs")), "obs", 200, 2, true, DEBOUNCE));
        browser.addTier(new Coordinator.Tier(connected(slot, () -> browser.pullSoon("obs")), "obs", 200, 2, true, DEBOUNCE));
        List<Long> latencies = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            ConfigKey key = new ConfigKey("text-cyclers", "live-" + round);
            long start = System.nanoTime();
            dock.put(key, ConfigJson.newObject().put("text", TEXT).put("round", round));
            waitUntil(() -> present(browser, key), Duration.ofSeconds(20), () -> "not seen");
            latencies.add((System.nanoTime() - start) / 1_000_000);
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.println("OBS tier: dock edit visible on a second client after " + latencies + " ms (debounce "
                + DEBOUNCE.toMillis() + " ms; median " + sorted.get(2) + " ms)");
        assertTrue(sorted.get(2) <= DEBOUNCE.toMillis() + 100, "median " + sorted.get(2) + " ms: " + latencies);
    }

    @Test
    void theWebDocksConfigsAreImportedOnceAndItsSlotIsNeverWritten() throws Exception {
        String slot = slot();
        ObsStore store = connected(slot, null);
        ObjectNode legacy = ConfigJson.newObject();
        legacy.putArray("swapConfigs").addObject().put("id", "swap-1").put("name", "Camera swap");
        legacy.putArray("textCyclerConfigs").addObject().put("id", "cycler-1").putArray("texts").add("one").add("two");
        legacy.putArray("layoutPresets").addObject().put("name", "Just chatting");
        ObjectNode set = ConfigJson.newObject().put("realm", ObsStore.REALM).put("slotName", ObsStore.LEGACY_SLOT);
        set.set("slotValue", legacy);
        ObsSocket socket = store.connection().socket();
        socket.request("SetPersistentData", set);
        ConfigKey existing = new ConfigKey("swaps", "swap-1");
        ConfigDocument newer = store.put(doc(existing, "edited since in Streamkit"));

        assertEquals(2, store.importLegacy(), "the cycler and the layout; the swap saved since is kept");
        assertEquals(0, store.importLegacy(), "the import happens once");
        assertEquals(newer.body(), store.get(existing).orElseThrow().body());
        assertEquals("one", store.get(new ConfigKey("text-cyclers", "cycler-1")).orElseThrow().body().get("texts").get(0).asText());
        assertTrue(store.get(new ConfigKey("layouts", "Just chatting")).isPresent());
        assertEquals(legacy, rawSlot(store, ObsStore.LEGACY_SLOT), "the web dock's slot is unchanged");
    }

    /** The slot as the first layout wrote it: every config in one slot, schema 1. */
    private static ObjectNode singleSlot(List<ConfigDocument> docs, String legacyImport) {
        ObjectNode root = ConfigJson.newObject().put("schema", 1).put("seq", 7).put("w", "w7first");
        root.putArray("log").addArray().add(7).add("w7first");
        ObjectNode configs = root.putObject("configs");
        for (ConfigDocument d : docs) {
            configs.putObject(ObsSlot.code(d.key())).put("u", d.updatedAt().toString()).put("d", d.deleted()).put("s", 7)
                    .put("c", "firstlayout").put("z", ObsSlot.encode(d));
        }
        root.put("legacyImport", legacyImport);
        return root;
    }

    @Test
    void aSlotOfTheFirstLayoutIsMovedIntoBucketsAndTheStoreReadsTheSame(@TempDir Path folder) throws Exception {
        String slot = slot();
        ObsStore writer = connected(slot, null);
        List<ConfigDocument> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add(doc(new ConfigKey(i % 2 == 0 ? "notes" : "text-cyclers", "first-" + i), TEXT + " " + i));
        }
        Instant gone = Instant.now().minusSeconds(3600);
        docs.add(ConfigDocument.tombstone(new ConfigKey("notes", "deleted-before"), gone, gone));
        setSlot(writer, slot, singleSlot(docs, "2026-01-02T03:04:05Z"));

        // A device joins: the first read finds the first layout and moves it into buckets.
        scheduler = Executors.newScheduledThreadPool(4);
        Coordinator device = device(folder.resolve("device"));
        ObsStore store = connected(slot, () -> device.pullSoon("obs"));
        device.addTier(new Coordinator.Tier(store, "obs", 200, 2, true, Duration.ofMillis(100)));
        device.syncNow();
        waitUntil(() -> docs.stream().filter(d -> !d.deleted()).allMatch(d -> present(device, d.key())), Duration.ofSeconds(30),
                () -> "the device lacks configs of the migrated slot");
        for (ConfigDocument d : docs.subList(0, 40)) {
            ConfigDocument there = local(device, d.key()).orElseThrow(() -> new AssertionError(d.key() + " not pulled"));
            assertTrue(d.sameVersion(there), d.key() + " pulled as it was");
        }

        JsonNode index = rawSlot(writer, slot);
        assertEquals(2, index.get("schema").asInt(), "the first layout's slot became the index: " + index);
        assertEquals(ObsStore.BUCKETS, index.get("buckets").asInt());
        assertEquals("2026-01-02T03:04:05Z", index.get("legacyImport").asText(), "the web dock import is still recorded");
        assertFalse(index.has("configs"), "no config stays in the index");
        int inBuckets = 0;
        for (int i = 0; i < ObsStore.BUCKETS; i++) {
            JsonNode bucket = rawSlot(writer, ObsStore.bucketSlot(slot, i));
            inBuckets += bucket == null || bucket.isNull() ? 0 : bucket.get("configs").size();
        }
        assertEquals(docs.size(), inBuckets, "every config and tombstone is in exactly one bucket");
        assertEquals(ObsSlot.encode(docs.get(3)), rawSlot(writer, bucketSlot(slot, docs.get(3).key())).get("configs")
                .get(ObsSlot.code(docs.get(3).key())).get("z").asText(), "entries moved as they were");

        // Another client of the new layout reads the same; an edit after the move lands in one bucket only.
        ObsStore reader = connected(slot, null);
        assertEquals(20, reader.listKeys("notes").stream().filter(k -> k.id().startsWith("first-")).count());
        assertTrue(reader.get(new ConfigKey("notes", "deleted-before")).orElseThrow().deleted(), "the tombstone moved too");
        Map<Integer, Long> before = bucketSeqs(writer, slot);
        ConfigKey edited = docs.get(5).key();
        device.put(edited, ConfigJson.newObject().put("name", "edited after the move"));
        waitUntil(() -> device.outbox().isEmpty() && slotHolds(reader, slot, device, List.of(edited)), Duration.ofSeconds(30),
                () -> "outbox " + device.outbox());
        Map<Integer, Long> after = bucketSeqs(writer, slot);
        int editedBucket = ObsStore.bucketOf(ObsSlot.code(edited), ObsStore.BUCKETS);
        for (int i = 0; i < ObsStore.BUCKETS; i++) {
            if (i == editedBucket) {
                assertTrue(after.get(i) > before.get(i), "the edited config's bucket was written");
            } else {
                assertEquals(before.get(i), after.get(i), "bucket " + i + " was not written");
            }
        }
    }

    private static Map<Integer, Long> bucketSeqs(ObsStore client, String slot) throws StorageException {
        Map<Integer, Long> out = new java.util.HashMap<>();
        for (int i = 0; i < ObsStore.BUCKETS; i++) {
            JsonNode bucket = rawSlot(client, ObsStore.bucketSlot(slot, i));
            out.put(i, bucket == null || bucket.isNull() ? 0L : bucket.get("seq").asLong());
        }
        return out;
    }

    @Test
    void twoClientsWritingTheSlotAtOnceLoseNothing() throws Exception {
        String slot = slot();
        ObsStore a = connected(slot, null);
        ObsStore b = connected(slot, null);
        List<ConfigKey> keys = Collections.synchronizedList(new ArrayList<>());
        Thread[] writers = new Thread[2];
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < 2; w++) {
            ObsStore store = w == 0 ? a : b;
            String who = w == 0 ? "a" : "b";
            writers[w] = new Thread(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        ConfigKey key = new ConfigKey("notes", who + "-" + i);
                        store.put(doc(key, who));
                        keys.add(key);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            writers[w].start();
        }
        for (Thread t : writers) {
            t.join(60_000);
        }
        assertEquals(List.of(), failures);
        // A write lost to the other client's overwrite is put back on the writer's next read.
        waitUntil(() -> {
            try {
                a.listTypes();
                b.listTypes();
                List<ConfigKey> there = a.listKeys("notes");
                return there.containsAll(keys);
            } catch (StorageException e) {
                return false;
            }
        }, Duration.ofSeconds(20), () -> "keys missing");
        assertEquals(80, a.listKeys("notes").size());
    }

    /**
     * Prints the round trips through the tier beside OBS's own floor (one raw request), measured in the same
     * run, round-robin, with 50 configs in the slot.
     */
    @Test
    void roundTripFigures() throws Exception {
        String slot = slot();
        ObsStore store = connected(slot, null);
        ObsSocket raw = store.connection().socket();
        ObjectNode rawGet = ConfigJson.newObject().put("realm", ObsStore.REALM).put("slotName", slot);
        for (int i = 0; i < 50; i++) {
            store.put(doc(new ConfigKey("notes", "n" + i), TEXT + i));
        }
        int rounds = 300;
        long[] put = new long[rounds];
        long[] get = new long[rounds];
        long[] floor = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            ConfigKey key = new ConfigKey("notes", "n" + (i % 50));
            ConfigDocument d = doc(key, TEXT + " round " + i);
            long t0 = System.nanoTime();
            store.put(d);
            long t1 = System.nanoTime();
            ConfigDocument back = store.get(key).orElseThrow();
            long t2 = System.nanoTime();
            raw.request("GetPersistentData", rawGet);
            long t3 = System.nanoTime();
            assertEquals(d.body(), back.body());
            put[i] = t1 - t0;
            get[i] = t2 - t1;
            floor[i] = t3 - t2;
        }
        System.out.printf(java.util.Locale.ROOT,
                "OBS tier round trips (50 configs in the slot, %d rounds): put p50 %.2f ms p99 %.2f ms; get p50 %.2f ms p99 %.2f ms;"
                        + " one raw GetPersistentData p50 %.2f ms (put %.1fx, get %.1fx of it)%n",
                rounds, ms(put, 50), ms(put, 99), ms(get, 50), ms(get, 99), ms(floor, 50), ms(put, 50) / ms(floor, 50),
                ms(get, 50) / ms(floor, 50));
    }

    private static double ms(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }

    // ---------------------------------------------------------------- helpers

    private Coordinator device(Path folder) throws StorageException {
        return device(folder, Duration.ZERO);
    }

    private Coordinator device(Path folder, Duration periodicSync) throws StorageException {
        Settings settings = new Settings(false, 20, periodicSync, true, Duration.ofMillis(200), Duration.ofSeconds(5));
        Coordinator c = Coordinator.open(folder, new ExecutorTimer(scheduler), scheduler, settings, EventSink.NONE);
        opened.add(c);
        MemoryStore local = new MemoryStore("memory");
        locals.put(c, local);
        c.addTier(new Coordinator.Tier(local, "memory", 500, 1, false, Duration.ZERO));
        return c;
    }

    /** @return what a device's local tier holds, read directly (a read through the coordinator would ask OBS) */
    private Optional<ConfigDocument> local(Coordinator device, ConfigKey key) {
        return locals.get(device).get(key);
    }

    private boolean present(Coordinator device, ConfigKey key) {
        return local(device, key).filter(d -> !d.deleted()).isPresent();
    }

    private String differences(Coordinator a, Coordinator b, List<ConfigKey> keys) {
        StringBuilder out = new StringBuilder();
        for (ConfigKey key : keys) {
            Optional<ConfigDocument> x = local(a, key);
            Optional<ConfigDocument> y = local(b, key);
            if (x.isEmpty() || y.isEmpty() || !x.get().sameVersion(y.get())) {
                out.append(key).append(": a ").append(x.map(d -> d.bodyJson() + "@" + d.updatedAt()).orElse("none"))
                        .append(" b ").append(y.map(d -> d.bodyJson() + "@" + d.updatedAt()).orElse("none")).append("; ");
            }
        }
        return out.toString();
    }

    private boolean same(Coordinator a, Coordinator b, List<ConfigKey> keys) {
        return differences(a, b, keys).isEmpty();
    }

    static JsonNode rawSlot(ObsStore store, String slot) throws StorageException {
        ObjectNode get = ConfigJson.newObject().put("realm", ObsStore.REALM).put("slotName", slot);
        return store.connection().socket().request("GetPersistentData", get).get("slotValue");
    }

    static void waitUntil(BooleanSupplier condition, Duration limit, java.util.function.Supplier<String> state) {
        Wait.until(condition, limit, state);
    }
}
