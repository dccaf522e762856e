package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;

import com.fasterxml.jackson.databind.JsonNode;

/** Start, stop, restart: data survives, the port and the store lock are released, no thread stays behind. */
@Timeout(90)
class LifecycleTest {

    @TempDir
    Path folder;

    @Test
    void dataAndCursorsSurviveARestartOnTheSameDataFolder() {
        String cursor;
        try (TestServer t = TestServer.start(folder)) {
            t.api.post("/configs/notes", Api.object("{\"id\":\"kept\",\"text\":\"über\"}"));
            t.api.post("/configs/notes", Api.object("{\"id\":\"removed\"}"));
            t.api.delete("/configs/notes/removed");
            cursor = t.api.get("/configs/notes").json().get("cursor").asText();
        }
        try (TestServer t = TestServer.start(folder)) {
            JsonNode kept = t.api.get("/configs/notes/kept").json().get("config");
            assertEquals("über", kept.get("text").asText());
            assertEquals(404, t.api.get("/configs/notes/removed").status());
            assertEquals(1, t.api.get("/configs/notes?since=").json().get("tombstones").size(), "tombstones survive too");
            t.api.post("/configs/notes", Api.object("{\"id\":\"new\"}"));
            JsonNode page = t.api.get("/configs/notes?since=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)).json();
            assertEquals(1, page.get("configs").size(), "a cursor from before the restart yields only what is newer: " + page);
            assertEquals("new", page.get("configs").get(0).get("id").asText());
        }
    }

    @Test
    void stoppingReleasesThePortAndTheStoreLock() throws Exception {
        TestServer t = TestServer.start(folder);
        int port = t.server.port();
        assertEquals("http://127.0.0.1:" + port, t.server.uri().toString());
        IOException locked = assertThrows(IOException.class,
                () -> StreamkitServer.start(ServerConfig.builder(folder).port(0).lockTimeout(Duration.ZERO).build()));
        assertTrue(locked.getMessage().contains("in use"), locked.getMessage());
        IOException taken = assertThrows(IOException.class,
                () -> StreamkitServer.start(ServerConfig.builder(folder.resolve("other")).port(port).build()));
        assertTrue(taken.getMessage().contains("in use"), taken.getMessage());
        t.api.post("/configs/notes", Api.object("{\"id\":\"x\"}"));
        t.close();
        assertThrows(IllegalStateException.class, t.server::port, "a closed server has no port");
        t.server.close(); // closing twice is harmless

        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        try (TestServer again = TestServer.start(folder, b -> b.port(port))) {
            assertEquals(port, again.server.port());
            assertEquals(200, again.api.get("/configs/notes/x").status());
        }
    }

    @Test
    void noThreadOfTheServerOutlivesIt() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (TestServer t = TestServer.start(folder, b -> b.heartbeatInterval(Duration.ofMillis(200)));
                EventStream stream = new EventStream(t.api, t.server.mintToken(TestServer.ALICE), null, null)) {
            assertEquals("ready", stream.next(Duration.ofSeconds(10)).event());
            t.api.post("/configs/notes", Api.object("{\"id\":\"t\"}"));
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(th -> th.getName().startsWith(StreamkitServer.THREAD_NAME_PREFIX)), "the server runs threads");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> left;
        do {
            left = Thread.getAllStackTraces().keySet().stream().filter(th -> !before.contains(th) && th.isAlive())
                    .map(Thread::getName).filter(name -> !name.startsWith("sse-reader")).sorted().toList();
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        assertEquals(List.of(), left, "threads started with the server and still alive after close");
    }

    @Test
    void aConfigurationReadsFromPropertiesWithLoopbackDefaults() {
        ServerConfig defaults = ServerConfig.builder(folder).build();
        assertEquals("127.0.0.1", defaults.host());
        assertEquals(8796, defaults.port());
        assertTrue(defaults.extensions());
        ServerConfig config = ServerConfig.fromProperties(Map.of(ServerConfig.DATA_FOLDER, folder.toString(),
                ServerConfig.PORT, "0", ServerConfig.EXTENSIONS, "false", ServerConfig.RATE_LIMIT_BURST, "5",
                ServerConfig.JWKS, "http://127.0.0.1:1/jwks.json"));
        assertEquals(0, config.port());
        assertEquals(false, config.extensions());
        assertEquals(5, config.rateLimitBurst());
        assertEquals("http://127.0.0.1:1/jwks.json", config.jwksUrl().toString());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromProperties(
                Map.of(ServerConfig.DATA_FOLDER, folder.toString(), ServerConfig.PORT, "70000")));
        assertTrue(bad.getMessage().contains("port"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromProperties(Map.of(ServerConfig.PORT, "1")));
        assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromProperties(Map.of(ServerConfig.DATA_FOLDER, "x", "typo", "1")));
    }
}
