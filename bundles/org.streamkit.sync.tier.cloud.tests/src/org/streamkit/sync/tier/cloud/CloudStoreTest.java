package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConflictException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The cloud tier against the real local Streamkit API server, over HTTP on 127.0.0.1. */
class CloudStoreTest {

    private static final Set<String> TYPES = Set.of("text-cyclers", "swaps", "layouts", "notes");
    private static final ConfigKey KEY = new ConfigKey("text-cyclers", "intro");

    @TempDir
    Path data;
    private StreamkitServer server;
    private CloudHttp http;

    private CloudStore connect(boolean extensions) throws Exception {
        return connect(ServerConfig.builder(data).host("127.0.0.1").port(0).extensions(extensions).build());
    }

    private CloudStore connect(ServerConfig config) throws Exception {
        server = StreamkitServer.start(config);
        MemoryTokens tokens = new MemoryTokens(server.mintToken("alice"), server.mintRefreshToken("alice"));
        return store(server.uri(), tokens);
    }

    private CloudStore store(URI base, Tokens tokens) {
        if (http != null) {
            http.close();
        }
        http = new CloudHttp(base, tokens, Duration.ofSeconds(2), Duration.ofSeconds(5), 8L * 1024 * 1024);
        return new CloudStore("cloud", http, TYPES);
    }

    /** @return a well-formed, unexpired token for alice, signed by a key the test's server does not trust */
    private static String forgedToken(Path other) throws Exception {
        try (StreamkitServer stranger = StreamkitServer.start(ServerConfig.builder(other).host("127.0.0.1").port(0).build())) {
            return stranger.mintToken("alice");
        }
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static ConfigDocument doc(ConfigKey key, ObjectNode body) {
        Instant now = Instant.now();
        return ConfigDocument.of(key, body, now, now);
    }

    @Test
    void createUpdateRemoveAFieldAndDeleteKeepingTheEditsOwnStamps() throws Exception {
        CloudStore cloud = connect(true);
        assertTrue(cloud.get(KEY).isEmpty());
        ConfigDocument v1 = doc(KEY, ConfigJson.newObject().put("name", "Intro ✨").put("speed", 3));
        cloud.put(v1);
        ConfigDocument created = cloud.get(KEY).orElseThrow();
        assertTrue(v1.sameVersion(created), "the edit's stamp travels with it; the server's own times order only its feed");
        assertFalse(created.body().has("customerId"), "the server's own fields are not part of the body");
        assertFalse(created.body().has(WireFormat.META), "nor is the sync record");
        assertTrue(created.remoteVersion() != null, "the server's ETag comes with it");

        ConfigDocument v2 = doc(KEY, ConfigJson.newObject().put("name", "Intro, shorter"));
        cloud.put(v2);
        ConfigDocument updated = cloud.get(KEY).orElseThrow();
        assertTrue(v2.sameVersion(updated));
        assertFalse(updated.body().has("speed"), "a key removed locally is removed on the server");

        Instant deletedAt = Instant.now();
        cloud.delete(KEY, deletedAt);
        ConfigDocument tombstone = cloud.get(KEY).orElseThrow(() -> new AssertionError("a delete is readable"));
        assertTrue(tombstone.deleted());
        assertEquals(deletedAt, tombstone.updatedAt(), "with the delete's own stamp");
        assertEquals(List.of(KEY), cloud.listKeys("text-cyclers"), "listed, as every tier lists tombstones");
    }

    @Test
    void userFieldsNamedLikeTheServersFieldsOrTheSyncRecordComeBackAsTheyWere() throws Exception {
        for (boolean extensions : new boolean[] { true, false }) {
            CloudStore cloud = connect(ServerConfig.builder(data.resolve("names-" + extensions)).host("127.0.0.1").port(0)
                    .extensions(extensions).build());
            ObjectNode body = ConfigJson.newObject().put("id", "user's id").put("createdAt", "yesterday").put("updatedAt", 7)
                    .put("customerId", "mine").put("configType", "x").put("deleted", true).put("etag", "e")
                    .put("streamkit", 1).put("$streamkit", 2).put("$$id", 3).put("plain", "p");
            ConfigDocument sent = doc(KEY, body);
            cloud.put(sent);
            ConfigDocument read = cloud.get(KEY).orElseThrow();
            assertFalse(read.deleted(), "a user field named deleted deletes nothing");
            assertEquals(body, read.body(), "every field comes back with its name and value");
            assertTrue(sent.sameVersion(read));
            server.close();
            server = null;
        }
    }

    @Test
    void topLevelNullsComeBackAsTheyWereAlsoFromAServerThatDropsThem() throws Exception {
        for (boolean extensions : new boolean[] { true, false }) {
            CloudStore cloud = connect(ServerConfig.builder(data.resolve("nulls-" + extensions)).host("127.0.0.1").port(0)
                    .extensions(extensions).build());
            ObjectNode body = ConfigJson.newObject().put("name", "Intro").putNull("subtitle").putNull("id").put("speed", 2);
            body.putObject("style").putNull("color");
            ConfigDocument sent = doc(KEY, body);
            cloud.put(sent);
            ConfigDocument read = cloud.get(KEY).orElseThrow();
            assertEquals(body.toString(), read.body().toString(), "the same JSON, nulls and field order included");
            assertTrue(sent.sameVersion(read), "and the config is not taken for another client's edit");

            try (WebDock dock = new WebDock(server.uri(), server.mintToken("alice"))) {
                ObjectNode stored = dock.get("text-cyclers", "intro");
                assertFalse(stored.has("subtitle") || stored.has("$id"), "the server, as deployed, keeps no top-level null: " + stored);
                assertTrue(stored.get("style").get("color").isNull());
            }
            server.close();
            server = null;
        }
    }

    @Test
    void aListingCutAtTheOriginsCapIsNoticedAndWhatItLacksIsReadOneAtATime() throws Exception {
        CloudStore writer = connect(false); // the core routes, listing at most 1,000 configs of a type as deployed
        int count = 1100;
        for (int i = 0; i < count; i++) {
            writer.put(doc(new ConfigKey("notes", String.format(Locale.ROOT, "n%04d", i)), ConfigJson.newObject().put("v", i)));
        }
        ConfigKey overlay = new ConfigKey("overlays", "o1"); // a type no device has configured
        writer.put(doc(overlay, ConfigJson.newObject().put("v", 1)));
        ConfigKey deletedBeyond = new ConfigKey("notes", "n1050");
        writer.delete(deletedBeyond, Instant.now());
        ConfigKey last = new ConfigKey("notes", "n1099");

        CloudHttp otherHttp = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("alice"),
                server.mintRefreshToken("alice")), Duration.ofSeconds(2), Duration.ofSeconds(5), 8L * 1024 * 1024);
        try (otherHttp) {
            CloudStore reader = new CloudStore("cloud", otherHttp, TYPES); // a device that has seen none of it
            java.util.Map<ConfigKey, ConfigDocument> pulled = pullEverything(reader);
            assertEquals(count + 1, pulled.size(), "every config, also those the listing stops before");
            assertTrue(pulled.get(deletedBeyond).deleted(), "a delete beyond the listing arrives as one");
            assertEquals(1099, pulled.get(last).body().get("v").asInt());
            assertEquals(1, pulled.get(overlay).body().get("v").asInt(), "a type outside the configured ones is pulled");
            assertTrue(reader.listTypes().contains("overlays"));
            assertTrue(reader.listKeys("notes").contains(last));
            TierHealth health = reader.health();
            assertEquals(TierHealth.Status.DEGRADED, health.status(), "the cut listing is said");
            assertTrue(health.reason().contains("at most 1000 configs of one type (here notes); 99 configs beyond that are read"
                    + " one at a time (99 in the last pull)"), health.reason());

            writer.put(doc(last, ConfigJson.newObject().put("v", -1)));
            pulled = pullEverything(reader);
            assertEquals(-1, pulled.get(last).body().get("v").asInt(), "an edit beyond the listing reaches the device");
            assertTrue(reader.health().reason().contains("(1 in the last pull)"),
                    "only what changed is read again: " + reader.health().reason());
        }
    }

    private static java.util.Map<ConfigKey, ConfigDocument> pullEverything(CloudStore cloud) throws Exception {
        java.util.Map<ConfigKey, ConfigDocument> pulled = new java.util.HashMap<>();
        Changes page = cloud.changedSince(null, 500);
        page.documents().forEach(d -> pulled.put(d.key(), d));
        while (page.hasMore()) {
            page = cloud.changedSince(page.nextCursor(), 500);
            page.documents().forEach(d -> pulled.put(d.key(), d));
        }
        return pulled;
    }

    @Test
    void anEditByAClientThatKeepsTheSyncRecordIsSeenAsANewerEdit() throws Exception {
        CloudStore cloud = connect(true);
        ConfigDocument mine = doc(KEY, ConfigJson.newObject().put("name", "from Streamkit Sync").put("speed", 1));
        cloud.put(mine);
        // The web dock reads the config and writes it back with a field changed, keeping what it does not know.
        try (WebDock dock = new WebDock(server.uri(), server.mintToken("alice"))) {
            ObjectNode stored = dock.get("text-cyclers", "intro");
            stored.put("speed", 2);
            assertEquals(200, dock.put("text-cyclers", "intro", stored));
        }
        ConfigDocument read = cloud.get(KEY).orElseThrow();
        assertEquals(2, read.body().get("speed").asInt());
        assertTrue(read.isNewerThan(mine), "the dock's edit orders after the one it changed: " + read.updatedAt());
    }

    @Test
    void idsThatNeedEncodingTravelIntact() throws Exception {
        CloudStore cloud = connect(true);
        ConfigKey odd = new ConfigKey("notes", "Main Scene: intro?#%20 🎬 ..");
        cloud.put(doc(odd, ConfigJson.newObject().put("name", "odd")));
        assertEquals("odd", cloud.get(odd).orElseThrow().body().get("name").asText());
        assertEquals(List.of(odd), cloud.listKeys("notes"));
    }

    @Test
    void incrementalPullReadsOnlyWhatChangedAfterTheCursorTombstonesIncluded() throws Exception {
        CloudStore cloud = connect(true);
        assertTrue(cloud.features().contains("changes"));
        ConfigKey a = new ConfigKey("notes", "a");
        ConfigKey b = new ConfigKey("notes", "b");
        cloud.put(doc(a, ConfigJson.newObject().put("v", 1)));
        cloud.put(doc(b, ConfigJson.newObject().put("v", 1)));
        for (int i = 0; i < 20; i++) {
            cloud.put(doc(new ConfigKey("swaps", "s" + i), ConfigJson.newObject().put("v", i)));
        }
        Changes all = cloud.changedSince(null, 1000);
        assertEquals(22, all.documents().size());
        cloud.put(doc(a, ConfigJson.newObject().put("v", 2)));
        cloud.delete(b, Instant.now());
        Changes later = cloud.changedSince(all.nextCursor(), 1000);
        assertEquals(Set.of(a, b), Set.copyOf(later.documents().stream().map(ConfigDocument::key).toList()));
        assertEquals(2, later.documents().stream().filter(d -> d.key().equals(a)).findFirst().orElseThrow().body().get("v").asInt());
        assertTrue(later.documents().stream().filter(d -> d.key().equals(b)).findFirst().orElseThrow().deleted());
        assertEquals(0, cloud.changedSince(later.nextCursor(), 1000).documents().size());
    }

    @Test
    void withoutExtensionsTheCoreRoutesStillLoseNothing() throws Exception {
        CloudStore cloud = connect(false);
        assertEquals(Set.of(), cloud.features());
        cloud.put(doc(KEY, ConfigJson.newObject().put("name", "core")));
        cloud.put(doc(KEY, ConfigJson.newObject().put("name", "core, again")));
        Changes everything = cloud.changedSince(null, 10);
        assertEquals(1, everything.documents().size());
        assertEquals("core, again", everything.documents().get(0).body().get("name").asText());
        assertEquals(1, cloud.changedSince(everything.nextCursor(), 10).documents().size(),
                "without the changes extension every pull lists everything");
    }

    @Test
    void aStaleConditionalUpdateBecomesAConflictCarryingTheServersVersion() throws Exception {
        CloudStore cloud = connect(true);
        ConfigDocument first = cloud.put(doc(KEY, ConfigJson.newObject().put("name", "v1")));
        assertTrue(first.remoteVersion() != null, "the server's ETag is kept");
        cloud.put(doc(KEY, ConfigJson.newObject().put("name", "v2 from another device")).withRemoteVersion(first.remoteVersion()));
        ConflictException conflict = assertThrows(ConflictException.class,
                () -> cloud.put(doc(KEY, ConfigJson.newObject().put("name", "v2 from here")).withRemoteVersion(first.remoteVersion())));
        assertEquals("v2 from another device", conflict.current().body().get("name").asText());
    }

    @Test
    void aRejectedTokenIsRefreshedAndTheRequestRetriedOnce(@TempDir Path other) throws Exception {
        CloudStore ignored = connect(true);
        String forged = forgedToken(other);
        MemoryTokens tokens = new MemoryTokens(forged, server.mintRefreshToken("alice"));
        CloudStore cloud = store(server.uri(), tokens);
        cloud.put(doc(KEY, ConfigJson.newObject().put("name", "after a refresh")));
        assertEquals(1, tokens.updates(), "one refresh");
        assertEquals(TierHealth.Status.UP, cloud.health().status());
    }

    @Test
    void theSignInIsRefreshedAtTheAuthServiceNotAtTheApi(@TempDir Path other) throws Exception {
        connect(true);
        String forged = forgedToken(other);
        String answer = "{\"access_token\":\"" + server.mintToken("alice") + "\",\"refresh_token\":\"rotated-by-the-auth-service\","
                + "\"token_type\":\"Bearer\",\"expires_in\":900}";
        try (CannedServer auth = new CannedServer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + answer.length() + "\r\n\r\n" + answer)) {
            // A refresh token the API's host does not know: a refresh sent there would fail.
            MemoryTokens tokens = new MemoryTokens(forged, "issued-by-the-auth-service");
            http.close();
            http = new CloudHttp(server.uri(), auth.uri(), tokens, Duration.ofSeconds(2), Duration.ofSeconds(5), 8L * 1024 * 1024);
            CloudStore cloud = new CloudStore("cloud", http, TYPES);
            cloud.put(doc(KEY, ConfigJson.newObject().put("name", "after a refresh at the auth service")));

            assertEquals(1, auth.requests(), "one refresh, at the auth service");
            String request = auth.lastRequest();
            assertTrue(request.startsWith("POST /auth/refresh "), request);
            assertTrue(request.contains("\"refresh_token\":\"issued-by-the-auth-service\""), "the refresh token is sent in the body");
            assertFalse(request.toLowerCase(Locale.ROOT).contains("\ncookie:"), "no Cookie header");
            assertFalse(request.toLowerCase(Locale.ROOT).contains("\nauthorization:"), "no token sent with the refresh");
            assertEquals("rotated-by-the-auth-service", tokens.refreshToken(), "the rotated refresh token is kept");
            assertEquals("after a refresh at the auth service", cloud.get(KEY).orElseThrow().body().get("name").asText());
        }
    }

    @Test
    void theAuthServiceIsTheApisOwnHostOnThisMachineAndTheProductionServiceElsewhere() {
        URI local = URI.create("http://127.0.0.1:8796");
        assertEquals(local, CloudHttp.authBase("", local), "the local server refreshes its own sign-ins");
        assertEquals(local, CloudHttp.authBase(null, local));
        assertEquals(URI.create("https://auth.idling.app"), CloudHttp.authBase(" ", URI.create("https://streamkit-api.idling.app")));
        assertEquals(URI.create("https://auth.example.org"),
                CloudHttp.authBase("https://auth.example.org", URI.create("https://api.example.org")));
        assertThrows(IllegalArgumentException.class, () -> CloudHttp.authBase("http://auth.example.org", local),
                "a refresh token never travels unencrypted");
    }

    @Test
    void aFailedRefreshAsksToSignInAgainWithoutLoopingOrLeakingTheToken(@TempDir Path other) throws Exception {
        connect(true);
        String forged = forgedToken(other);
        MemoryTokens tokens = new MemoryTokens(forged, "not-a-refresh-token");
        CloudStore cloud = store(server.uri(), tokens);
        StorageException e = assertThrows(StorageException.class, () -> cloud.get(KEY));
        assertTrue(e.getMessage().contains("Sign in again"), e.getMessage());
        assertFalse(e.getMessage().contains(forged), "the token never appears in a message");
        assertEquals(TierHealth.Status.DEGRADED, cloud.health().status());
        assertTrue(cloud.health().reason().contains("Sign in again"));
        assertEquals(0, tokens.updates());
    }

    @Test
    void plainHttpIsRefusedExceptToThisMachine() {
        assertThrows(IllegalArgumentException.class, () -> CloudHttp.checkedBase("http://streamkit-api.idling.app"));
        assertThrows(IllegalArgumentException.class, () -> CloudHttp.checkedBase("http://192.168.1.10:8796"));
        assertThrows(IllegalArgumentException.class, () -> CloudHttp.checkedBase("ftp://example.org"));
        assertThrows(IllegalArgumentException.class, () -> CloudHttp.checkedBase("not a url"));
        CloudHttp.checkedBase("https://streamkit-api.idling.app");
        CloudHttp.checkedBase("http://localhost:8796");
        CloudHttp.checkedBase("http://127.0.0.1:8796");
        CloudHttp.checkedBase("http://[::1]:8796");
    }

    @Test
    void aConfigOfExactlyTheLimitReachesTheServerWithItsIdAndSyncRecord() throws Exception {
        CloudStore cloud = connect(true);
        String prefix = "{\"blob\":\"";
        String exact = prefix + "y".repeat(ConfigDocument.MAX_BODY_BYTES - prefix.length() - 2) + "\"}";
        ConfigDocument big = ConfigDocument.parse(KEY, exact, Instant.now(), Instant.now());
        assertEquals(ConfigDocument.MAX_BODY_BYTES, big.bodySize());
        cloud.put(big);
        assertTrue(big.sameVersion(cloud.get(KEY).orElseThrow()), "what saves locally is accepted by the server too");
    }

    @Test
    void aBodyTheServerFindsTooLargeIsAClearErrorThatIsNotRetried() throws Exception {
        CloudStore cloud = connect(ServerConfig.builder(data).host("127.0.0.1").port(0).maxBodyBytes(64 * 1024).build());
        String blob = "x".repeat(100_000);
        StorageException e = assertThrows(StorageException.class,
                () -> cloud.put(doc(KEY, ConfigJson.newObject().put("blob", blob))));
        assertTrue(e.getMessage().contains("413") && e.getMessage().contains(KEY.toString()), e.getMessage());
        assertFalse(e.retryable());
    }

    @Test
    void aRedirectIsNotFollowedAndSaysWhereItPoints() throws Exception {
        try (CannedServer redirecting = new CannedServer("HTTP/1.1 301 Moved Permanently\r\nLocation: http://example.org/api\r\n"
                + "Content-Length: 0\r\n\r\n")) {
            CloudStore cloud = store(redirecting.uri(), new MemoryTokens("not-checked", null));
            StorageException e = assertThrows(StorageException.class, () -> cloud.get(KEY));
            assertTrue(e.getMessage().contains("redirect") && e.getMessage().contains("http://example.org/api"), e.getMessage());
            assertFalse(e.retryable(), "retrying a redirect cannot help");
            assertEquals(1, redirecting.requests(), "the redirect was not followed (the token went nowhere else)");
        }
    }

    @Test
    void aServiceUnavailableCarriesItsRetryAfter() throws Exception {
        try (CannedServer busy = new CannedServer("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 42\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")) {
            CloudStore cloud = store(busy.uri(), new MemoryTokens("not-checked", null));
            StorageException e = assertThrows(StorageException.class, () -> cloud.get(KEY));
            assertTrue(e.retryable());
            assertEquals(Duration.ofSeconds(42), e.retryAfter().orElseThrow(), e.getMessage());
        }
    }

    @Test
    void tooManyRequestsCarriesRetryAfter() throws Exception {
        CloudStore cloud = connect(ServerConfig.builder(data).host("127.0.0.1").port(0).rateLimit(2, 0.01).build());
        StorageException limited = null;
        for (int i = 0; i < 10 && limited == null; i++) {
            try {
                cloud.get(new ConfigKey("notes", "n" + i));
            } catch (StorageException e) {
                limited = e;
            }
        }
        assertTrue(limited != null, "the tiny bucket ran dry");
        assertTrue(limited.retryable());
        assertTrue(limited.retryAfter().isPresent() && !limited.retryAfter().get().isZero(), limited.getMessage());
    }

    @Test
    void aServerThatIsDownThenBackIsReportedThenServesAgain() throws Exception {
        CloudStore cloud = connect(true);
        cloud.put(doc(KEY, ConfigJson.newObject().put("name", "kept")));
        int port = server.port();
        server.close();
        StorageException down = assertThrows(StorageException.class, () -> cloud.get(KEY));
        assertTrue(down.retryable());
        assertEquals(TierHealth.Status.DOWN, cloud.health().status());
        server = StreamkitServer.start(ServerConfig.builder(data).host("127.0.0.1").port(port).build());
        assertEquals("kept", cloud.get(KEY).orElseThrow().body().get("name").asText());
        assertEquals(TierHealth.Status.UP, cloud.health().status());
    }

    @Test
    void aConnectionResetMidResponseIsARetryableError() throws Exception {
        connect(true);
        try (ResetProxy proxy = new ResetProxy(server.port(), 20)) {
            CloudStore cloud = store(URI.create("http://127.0.0.1:" + proxy.port()),
                    new MemoryTokens(server.mintToken("alice"), null));
            StorageException e = assertThrows(StorageException.class, () -> cloud.get(KEY));
            assertTrue(e.retryable(), e.getMessage());
        }
    }

    @Test
    void twoCustomersNeverSeeEachOthersConfigs() throws Exception {
        CloudStore alice = connect(true);
        alice.put(doc(KEY, ConfigJson.newObject().put("name", "alice's")));
        http.close();
        http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("bob"), null), Duration.ofSeconds(2),
                Duration.ofSeconds(5), 1 << 20);
        CloudStore bob = new CloudStore("cloud", http, TYPES);
        assertTrue(bob.get(KEY).isEmpty());
        assertEquals(List.of(), bob.listKeys("text-cyclers"));
        assertEquals(List.of(), bob.changedSince(null, 100).documents());
    }
}
