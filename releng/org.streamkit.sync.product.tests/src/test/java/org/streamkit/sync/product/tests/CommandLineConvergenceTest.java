package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Three workspaces synced through the real launcher against the local Streamkit API server, as a user
 * scripts it: offline writes then online, a delete racing an older edit made offline, and a workspace whose
 * clock runs three minutes behind (libfaketime). After {@code sync} three times everywhere, the three
 * workspaces and the server hold the same configs, each the newest edit. The final comparison reads each
 * workspace with the server stopped, so nothing it shows can come from the server.
 */
class CommandLineConvergenceTest {

    private static final Launcher LAUNCHER = new Launcher();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");

    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            Launcher.stop(server);
        }
    }

    @Test
    void threeWorkspacesEndEqualAfterOfflineWritesARacingDeleteAndASkewedClock() throws Exception {
        assertTrue(Files.exists(FAKETIME), "libfaketime is needed to run a workspace on a skewed clock (apt-get install faketime)");
        Path serverWorkspace = Launcher.folder("cli-server");
        int port = Launcher.freePort();
        Launcher.Run minted = LAUNCHER.run(serverWorkspace, null, "token", "streamer", "--minutes", "180");
        assertEquals(0, minted.code(), minted.err());
        String token = minted.out().strip();
        String url = "http://127.0.0.1:" + port;

        Workspace a = new Workspace("a", Map.of());
        Workspace b = new Workspace("b", Map.of());
        // The whole process runs three minutes behind (its monotonic clock too, or the JVM's timed waits spin).
        Workspace c = new Workspace("c", Map.of("LD_PRELOAD", FAKETIME.toString(), "FAKETIME", "-3m"));
        for (Workspace w : new Workspace[] { a, b, c }) {
            w.ok(null, "remote", "cloud", "set", url);
            w.ok(token, "remote", "cloud", "token", "-");
            w.ok(null, "remote", "obs", "off");
            Launcher.Run remote = w.ok(null, "remote");
            assertTrue(remote.out().contains("cloud  on") && remote.out().contains("signed in"), remote.out());
            assertTrue(remote.out().contains("obs    off"), remote.out());
        }

        // Offline: four acknowledged writes; sync says it could not reach the cloud.
        for (int i = 1; i <= 4; i++) {
            Launcher.Run put = a.ok("{\"name\": \"written offline " + i + "\"}", "put", "notes", "offline-" + i, "-");
            assertTrue(put.out().startsWith("Saved notes/offline-" + i), put.out());
        }
        Launcher.Run offline = a.run(null, "sync", "--timeout", "3");
        assertEquals(1, offline.code(), "sync fails while the cloud is down: " + offline.out() + offline.err());
        assertTrue(offline.err().contains("cloud could not be synced"), offline.err());

        // Online.
        startServer(serverWorkspace, port);
        a.ok(null, "sync");
        b.ok(null, "sync");
        c.ok(null, "sync");

        // A delete on B races an older edit that A made offline.
        a.ok("{\"name\": \"stage v1\"}", "put", "layouts", "stage", "-");
        a.ok(null, "sync");
        b.ok(null, "sync");
        a.ok(null, "remote", "cloud", "set", "http://127.0.0.1:" + Launcher.freePort()); // A goes offline
        a.ok("{\"name\": \"edited on A offline, before the delete\"}", "put", "layouts", "stage", "-");
        b.ok(null, "delete", "layouts", "stage");
        b.ok(null, "sync");
        a.ok(null, "remote", "cloud", "set", url); // A comes back
        a.ok(null, "sync");

        // C's clock runs three minutes behind: its edit, made after A's, still wins.
        a.ok("{\"name\": \"from A\"}", "put", "swaps", "camera", "-");
        a.ok(null, "sync");
        c.ok(null, "sync");
        Launcher.Run skewed = c.ok("{\"name\": \"from C, after A, on a clock 3 minutes behind\"}", "put", "swaps", "camera", "-");
        c.ok(null, "sync");

        for (int round = 0; round < 3; round++) {
            for (Workspace w : new Workspace[] { a, b, c }) {
                w.ok(null, "sync");
            }
        }

        // With the server stopped, each workspace shows only what it holds itself.
        Launcher.stop(server);
        server = null;
        Map<String, JsonNode> onA = a.exported();
        assertEquals(onA, b.exported(), "workspaces a and b differ");
        assertEquals(onA, c.exported(), "workspaces a and c differ");
        for (int i = 1; i <= 4; i++) {
            assertEquals("written offline " + i, onA.get("notes/offline-" + i).path("body").path("name").asText(), onA.toString());
        }
        assertTrue(!onA.containsKey("layouts/stage"), "the later delete won over the older offline edit: " + onA.keySet());
        assertEquals("from C, after A, on a clock 3 minutes behind", onA.get("swaps/camera").path("body").path("name").asText());
        assertTrue(skewed.out().contains("swaps/camera"), skewed.out());
        for (Workspace w : new Workspace[] { a, b, c }) {
            Launcher.Run gone = w.run(null, "get", "layouts", "stage");
            assertEquals(1, gone.code(), "the deleted config is gone in workspace " + w.name);
        }

        // The server holds the same.
        startServer(serverWorkspace, port);
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (Map.Entry<String, JsonNode> e : onA.entrySet()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/configs/" + e.getKey()))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), e.getKey() + ": " + r.body());
                assertEquals(e.getValue().path("body").path("name").asText(),
                        JSON.readTree(r.body()).path("config").path("name").asText(), e.getKey() + " on the server");
            }
            HttpResponse<String> stage = http.send(HttpRequest.newBuilder(URI.create(url + "/configs/layouts/stage"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, stage.statusCode(), "deleted on the server too: " + stage.body());
        }
    }

    /** One workspace of the test, run through the launcher (with extra environment for its clock). */
    private static final class Workspace {
        final String name;
        final Path folder;
        final Map<String, String> environment;

        Workspace(String name, Map<String, String> environment) throws IOException {
            this.name = name;
            this.folder = Launcher.folder("cli-workspace-" + name);
            this.environment = environment;
        }

        Launcher.Run run(String stdin, String... args) throws Exception {
            return LAUNCHER.run(folder, stdin, environment, args);
        }

        Launcher.Run ok(String stdin, String... args) throws Exception {
            Launcher.Run r = run(stdin, args);
            assertEquals(0, r.code(), "workspace " + name + ": streamkit " + String.join(" ", args) + ": " + r.out() + r.err());
            return r;
        }

        /** @return every live config of the workspace by type/id, as its backup writes it */
        Map<String, JsonNode> exported() throws Exception {
            Path file = folder.resolveSibling(name + "-export.json");
            ok(null, "export", file.toString());
            Map<String, JsonNode> out = new TreeMap<>();
            for (JsonNode config : JSON.readTree(file.toFile()).path("configs")) {
                out.put(config.path("type").asText() + "/" + config.path("id").asText(), config);
            }
            return out;
        }
    }

    private void startServer(Path workspace, int port) throws Exception {
        server = LAUNCHER.startServer(workspace, port);
    }

}
