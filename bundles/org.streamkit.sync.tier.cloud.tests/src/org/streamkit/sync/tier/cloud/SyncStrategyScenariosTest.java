package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.coordinator.Timer;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.tier.memory.MemoryStore;

/**
 * The four scenarios of the sync strategy's "Testing Sync Strategy", with two devices (two coordinators,
 * each with its own local tiers) and the real local Streamkit API server between them.
 */
class SyncStrategyScenariosTest {

    private static final Timer NOW_ONLY = NowOnlyTimer.INSTANCE;

    @TempDir
    Path folder;
    private StreamkitServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Each device's local tiers, read directly: a device has a config only when they hold it. */
    private final java.util.Map<Coordinator, LocalCopies> locals = new java.util.HashMap<>();

    private Coordinator device(String name, org.streamkit.sync.api.ConfigDocument... held) throws Exception {
        Coordinator coordinator = Coordinator.open(folder.resolve(name + "-state"), NOW_ONLY, Runnable::run,
                new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(5)), EventSink.NONE);
        MemoryStore memory = new MemoryStore("memory");
        MemoryStore xodus = new MemoryStore("xodus");
        for (org.streamkit.sync.api.ConfigDocument d : held) {
            xodus.put(d);
        }
        coordinator.addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
        coordinator.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
        locals.put(coordinator, new LocalCopies(name, List.of(memory, xodus)));
        CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer"),
                server.mintRefreshToken("streamer")), Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20);
        coordinator.addTier(new Coordinator.Tier(new CloudStore("cloud", http, Set.of("text-cyclers", "swaps", "layouts", "notes")),
                "cloud", 100, 3, true, Duration.ZERO));
        open.add(coordinator);
        open.add(http);
        return coordinator;
    }

    private void startServer(int port) throws Exception {
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(port).build());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** @return the name field of the config as the device's local tiers hold it */
    private String name(Coordinator device, ConfigKey key) {
        return locals.get(device).field(key, "name");
    }

    @Test
    void offlineWriteThenOnlineSync() throws Exception {
        startServer(0);
        int port = server.port();
        Coordinator device = device("a");
        server.close(); // offline
        ConfigKey key = new ConfigKey("text-cyclers", "offline");
        device.put(key, ConfigJson.newObject().put("name", "written offline"));
        device.syncNow();
        assertEquals(SyncState.OFFLINE, device.state(key, "cloud"));
        assertEquals("written offline", name(device, key), "the local write stands while offline");

        startServer(port); // back online
        device.syncNow();
        assertEquals(SyncState.SYNCED, device.state(key, "cloud"));
        Coordinator other = device("b");
        other.syncNow();
        assertEquals("written offline", name(other, key), "the offline write reached the cloud");
    }

    @Test
    void multiDeviceSync() throws Exception {
        startServer(0);
        Coordinator a = device("a");
        Coordinator b = device("b");
        ConfigKey key = new ConfigKey("swaps", "cam");
        a.put(key, ConfigJson.newObject().put("name", "made on device A"));
        a.syncNow();
        b.syncNow();
        assertEquals("made on device A", name(b, key));
    }

    @Test
    void obsDockAndRemoteBrowser() throws Exception {
        startServer(0);
        Coordinator dock = device("dock");
        Coordinator browser = device("browser");
        List<ConfigKey> keys = List.of(new ConfigKey("text-cyclers", "t1"), new ConfigKey("swaps", "s1"),
                new ConfigKey("layouts", "l1"));
        for (ConfigKey key : keys) {
            dock.put(key, ConfigJson.newObject().put("name", "from the dock " + key.type()));
        }
        dock.syncNow();
        browser.syncNow();
        for (ConfigKey key : keys) {
            assertEquals("from the dock " + key.type(), name(browser, key));
        }
        browser.delete(keys.get(0));
        browser.syncNow();
        dock.syncNow();
        assertTrue(locals.get(dock).version(keys.get(0)).orElseThrow().deleted(), "a delete travels too");
    }

    @Test
    void theLaterEditWinsWhateverOrderTheDevicesDeliverIn() throws Exception {
        startServer(0);
        int port = server.port();
        Coordinator a = device("a");
        Coordinator b = device("b");
        ConfigKey key = new ConfigKey("layouts", "stage");
        a.put(key, ConfigJson.newObject().put("name", "original"));
        a.syncNow();
        b.syncNow();
        server.close(); // both offline
        a.put(key, ConfigJson.newObject().put("name", "A, earlier"));
        Thread.sleep(5);
        b.put(key, ConfigJson.newObject().put("name", "B, later"));
        startServer(port);
        a.syncNow(); // A delivers first: the server stamps A's write before B's is even sent
        b.syncNow();
        a.syncNow();
        assertEquals("B, later", name(a, key), "the later edit wins, not the later delivery");
        assertEquals("B, later", name(b, key));
        try (CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer"), null),
                Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20)) {
            assertEquals("B, later", new CloudStore("cloud", http, Set.of()).get(key).orElseThrow().body().get("name").asText(),
                    "the server holds it too");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "extensions {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = { true, false })
    void aLaterDeleteReachesEveryDeviceAndAnOlderOfflineEditNeverBringsItBack(boolean extensions) throws Exception {
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0)
                .extensions(extensions).build());
        int port = server.port();
        Coordinator a = device("a");
        Coordinator b = device("b");
        Coordinator c = device("c");
        ConfigKey key = new ConfigKey("notes", "short-lived");
        a.put(key, ConfigJson.newObject().put("name", "v1"));
        for (Coordinator d : List.of(a, b, c)) {
            d.syncNow();
        }
        assertEquals("v1", name(c, key));
        server.close(); // A edits offline
        a.put(key, ConfigJson.newObject().put("name", "edited on A offline, before the delete"));
        Thread.sleep(5);
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(port)
                .extensions(extensions).build());
        b.delete(key); // later, on B, online
        b.syncNow();
        for (int round = 0; round < 2; round++) {
            for (Coordinator d : List.of(a, b, c)) {
                d.syncNow();
            }
        }
        for (Coordinator d : List.of(a, b, c)) {
            assertTrue(locals.get(d).version(key).orElseThrow().deleted(), "deleted on every device, core routes too");
        }
        try (CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer"), null),
                Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20)) {
            assertTrue(new CloudStore("cloud", http, Set.of()).get(key).orElseThrow().deleted(), "and on the server");
        }
    }

    @Test
    void aTypeOutsideTheConfiguredOnesIsPulledByEveryDeviceAgainstTheCoreRoutes() throws Exception {
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0)
                .extensions(false).build());
        Coordinator a = device("a");
        Coordinator b = device("b");
        ConfigKey key = new ConfigKey("overlays", "lower-third"); // no device has "overlays" configured
        a.put(key, ConfigJson.newObject().put("name", "from A"));
        a.syncNow();
        b.syncNow();
        assertEquals("from A", name(b, key), "a device that never held the type pulls it: the type is recorded");

        // A client that records no types (the web dock) edits it, and the record of the type is gone.
        try (WebDock dock = new WebDock(server.uri(), server.mintToken("streamer"))) {
            assertEquals(200, dock.delete(WireFormat.TYPES, "overlays"));
            com.fasterxml.jackson.databind.node.ObjectNode stored = dock.get("overlays", "lower-third");
            stored.put("name", "edited in the dock");
            assertEquals(200, dock.put("overlays", "lower-third", stored));
        }
        // A device that held the type from an earlier session, with an older version, and was never told of it.
        Coordinator c = device("c", org.streamkit.sync.api.ConfigDocument.of(key, ConfigJson.newObject().put("name", "held"),
                java.time.Instant.now().minusSeconds(60), java.time.Instant.now().minusSeconds(60)));
        c.syncNow();
        assertEquals("edited in the dock", name(c, key), "a device that holds a type pulls it, recorded or not");
        try (WebDock dock = new WebDock(server.uri(), server.mintToken("streamer"))) {
            assertEquals("edited in the dock", dock.get("overlays", "lower-third").get("name").asText(),
                    "and its older copy overwrites nothing");
            com.fasterxml.jackson.databind.node.ObjectNode stored = dock.get("overlays", "lower-third");
            stored.put("name", "edited in the dock again");
            assertEquals(200, dock.put("overlays", "lower-third", stored));
        }
        c.syncNow();
        assertEquals("edited in the dock again", name(c, key), "every later pull reads the types the device holds");
        assertEquals(List.of(), c.conflictLog(key), "pulled as an edit, not found by a delivery that took the server for lacking it");
    }

    @Test
    void conflictResolutionTheNewerEditWins() throws Exception {
        startServer(0);
        Coordinator a = device("a");
        Coordinator b = device("b");
        ConfigKey key = new ConfigKey("notes", "shared");
        a.put(key, ConfigJson.newObject().put("name", "original"));
        a.syncNow();
        b.syncNow();

        a.put(key, ConfigJson.newObject().put("name", "edited on A while offline")); // A does not sync yet
        Thread.sleep(5);
        b.put(key, ConfigJson.newObject().put("name", "edited on B, later"));
        b.syncNow();
        a.syncNow(); // A comes online

        assertEquals("edited on B, later", name(a, key), "B's newer edit wins on A");
        b.syncNow();
        assertEquals("edited on B, later", name(b, key), "and stays on B");
        assertTrue(a.history(key).stream().anyMatch(d -> d.body().get("name").asText().equals("edited on A while offline")),
                "A's losing edit is kept in its history");
        assertEquals("auto:theirs", a.conflictLog(key).get(0).resolution());
    }
}
