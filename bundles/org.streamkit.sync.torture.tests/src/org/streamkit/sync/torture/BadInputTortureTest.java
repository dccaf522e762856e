package org.streamkit.sync.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.Wait;
import org.streamkit.sync.tier.cloud.CloudHttp;
import org.streamkit.sync.tier.cloud.CloudStore;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.tier.memory.MemoryStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * Bad input from every side: oversize and invalid bodies and hostile ids from the user; hostile answers
 * from a server (huge, wrong types, not JSON, a slow drip); expired and forged tokens. Each gets a clear,
 * bounded error, and nothing stored on the device changes.
 */
class BadInputTortureTest {

    private static final Set<String> TYPES = Set.of("notes");

    enum Hostile {
        HUGE, WRONG_TYPES, NOT_JSON, SLOW_DRIP
    }

    @Test
    void badInputFromTheUserIsRefusedAndChangesNothing(@TempDir Path folder) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        try (XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000);
                Coordinator device = device(folder, scheduler, xodus)) {
            Map<ConfigKey, String> before = seed(device);
            List<String> refusals = new ArrayList<>();
            String big = "{\"blob\":\"" + "x".repeat(ConfigDocument.MAX_BODY_BYTES) + "\"}";
            refusals.add(assertThrows(ConfigValidationException.class,
                    () -> device.put(new ConfigKey("notes", "n0"), ConfigJson.parseObject(big))).getMessage());
            ConfigValidationException invalid = assertThrows(ConfigValidationException.class,
                    () -> ConfigJson.parseObject("{\n  \"name\": \"x\",\n  oops\n}"));
            assertEquals(3, invalid.line());
            refusals.add(invalid.getMessage());
            for (String id : new String[] { "../../etc/passwd", "a/b", "nul\u0000", "..", " padded", "x".repeat(5000), "\uD800" }) {
                refusals.add(assertThrows(ConfigValidationException.class, () -> new ConfigKey("notes", id)).getMessage());
            }
            refusals.add(assertThrows(ConfigValidationException.class, () -> new ConfigKey("../notes", "a")).getMessage());
            for (String r : refusals) {
                assertTrue(r.length() < 400, "a refusal is one bounded sentence: " + r.length() + " chars");
            }
            assertEquals(before, snapshot(device, xodus), "nothing stored changed");
            TortureReport.add("bad input", refusals.size() + " bad inputs from the user (oversize body, invalid JSON with its line,"
                    + " hostile ids and types) refused with one sentence each; nothing stored changed. Example: " + refusals.get(1));
        } finally {
            scheduler.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(Hostile.class)
    void hostileServerAnswersGetAClearErrorAndChangeNothing(Hostile kind, @TempDir Path folder) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        Server hostile = hostileServer(kind);
        try (XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000);
                Coordinator device = device(folder, scheduler, xodus);
                CloudHttp http = new CloudHttp(hostile.getURI().resolve("/"), new MemoryTokens("header.payload.signature", null),
                        Duration.ofSeconds(1), Duration.ofSeconds(2), 1L << 20)) {
            Map<ConfigKey, String> before = seed(device);
            device.addTier(new Coordinator.Tier(new CloudStore("cloud", http, TYPES), "cloud", 100, 3, true, Duration.ofMillis(50)));
            device.syncNow();
            ConfigDocument added = device.put(new ConfigKey("notes", "added-while-hostile"), ConfigJson.newObject().put("ok", true));
            waitUntil(() -> device.outbox().stream().anyMatch(p -> p.attempts() > 0), Duration.ofSeconds(20));
            String error = cloudError(device);
            assertFalse(error.isBlank(), "the cloud tier reports an error");
            assertTrue(error.length() < 400, "the error is one bounded sentence: " + error);
            assertFalse(error.contains("header.payload.signature"), "no token in messages");
            Map<ConfigKey, String> after = snapshot(device, xodus);
            assertEquals(added.bodyJson(), after.remove(added.key()), "the local write was kept");
            assertEquals(before, after, "nothing stored changed (" + kind + ")");
            PendingWrite waiting = device.outbox().get(0);
            assertFalse(waiting.failed() && kind == Hostile.SLOW_DRIP, "a slow server is retried, not given up");
            TortureReport.add("bad input", "hostile server, " + kind + ": \"" + error + "\"; the local write is kept and waits"
                    + (waiting.failed() ? " (parked: retrying cannot help)" : " (retried with backoff)") + "; nothing stored changed");
        } finally {
            hostile.stop();
            scheduler.shutdownNow();
        }
    }

    @Test
    void expiredAndForgedTokensAreRefusedWithSignInAgainAndChangeNothing(@TempDir Path folder) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0)
                .clockSkew(Duration.ZERO).build())) {
            String valid = server.mintToken("streamer", Duration.ofMinutes(10));
            String[] parts = valid.split("\\.");
            String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("streamer", "intruder");
            String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                    + "." + parts[2];
            String expired = server.mintToken("streamer", Duration.ofSeconds(1));
            Thread.sleep(2100);
            for (String[] token : new String[][] { { "expired", expired }, { "forged", forged } }) {
                Path home = folder.resolve(token[0]);
                try (XodusStore xodus = XodusStore.open("xodus", home.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000);
                        Coordinator device = device(home, scheduler, xodus);
                        CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(token[1], null), Duration.ofSeconds(1),
                                Duration.ofSeconds(5), 1L << 20)) {
                    Map<ConfigKey, String> before = seed(device);
                    CloudStore cloud = new CloudStore("cloud", http, TYPES);
                    device.addTier(new Coordinator.Tier(cloud, "cloud", 100, 3, true, Duration.ofMillis(50)));
                    device.syncNow();
                    ConfigDocument added = device.put(new ConfigKey("notes", "added-with-a-bad-token"), ConfigJson.newObject().put("ok", true));
                    waitUntil(() -> device.outbox().stream().anyMatch(p -> p.attempts() > 0), Duration.ofSeconds(20));
                    String health = cloud.health().reason();
                    assertTrue(health.toLowerCase(java.util.Locale.ROOT).contains("sign in again"), token[0] + ": " + health);
                    assertFalse(cloudError(device).contains(token[1]) || health.contains(token[1]), "no token in messages");
                    Map<ConfigKey, String> after = snapshot(device, xodus);
                    assertEquals(added.bodyJson(), after.remove(added.key()), "the local write was kept");
                    assertEquals(before, after, "nothing stored changed");
                    TortureReport.add("bad input", token[0] + " token: the cloud tier says \"" + health + "\"; writes wait in the outbox;"
                            + " nothing stored changed");
                }
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Coordinator device(Path folder, ScheduledExecutorService scheduler, XodusStore xodus) throws StorageException {
        Coordinator device = Coordinator.open(folder.resolve("state"), new ExecutorTimer(scheduler), scheduler,
                new Settings(false, 20, Duration.ZERO, true, Duration.ofMillis(100), Duration.ofSeconds(1)), EventSink.NONE);
        device.addTier(new Coordinator.Tier(new MemoryStore("memory"), "memory", 500, 1, false, Duration.ZERO));
        device.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
        return device;
    }

    private static Map<ConfigKey, String> seed(Coordinator device) throws StorageException {
        for (int i = 0; i < 5; i++) {
            device.put(new ConfigKey("notes", "n" + i), ConfigJson.newObject().put("name", "note " + i).put("text", "ünïcödé ✓"));
        }
        return snapshot(device, null);
    }

    /** Every config the device serves, and, when given, what the Xodus tier itself holds. */
    private static Map<ConfigKey, String> snapshot(Coordinator device, XodusStore xodus) throws StorageException {
        Map<ConfigKey, String> out = new TreeMap<>();
        for (String type : device.types()) {
            for (ConfigDocument d : device.list(type)) {
                out.put(d.key(), d.bodyJson());
                if (xodus != null) {
                    assertEquals(d.bodyJson(), xodus.get(d.key()).orElseThrow().bodyJson(), "Xodus agrees on " + d.key());
                }
            }
        }
        return out;
    }

    private static String cloudError(Coordinator device) {
        for (TierStatus t : device.status().tiers()) {
            if (t.name().equals("cloud") && t.lastError() != null && !t.lastError().isBlank()) {
                return t.lastError();
            }
        }
        return device.outbox().stream().map(PendingWrite::lastError).filter(e -> e != null && !e.isBlank()).findFirst().orElse("");
    }

    private static void waitUntil(BooleanSupplier condition, Duration limit) {
        Wait.until(condition, limit, "the condition");
    }

    /** A server on 127.0.0.1 that answers every request in one hostile way; it stops with the test. */
    private static Server hostileServer(Hostile kind) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                response.getHeaders().put("Content-Type", "application/json");
                switch (kind) {
                case HUGE -> {
                    // 64 MiB of a JSON string, far over the client's limit; the client must stop reading.
                    response.setStatus(200);
                    byte[] chunk = ("\"" + "z".repeat(64 * 1024 - 1)).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 1024; i++) {
                        byte[] part = i == 0 ? ("{\"configs\":[" + new String(chunk, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII)
                                : chunk;
                        try (Blocker.Callback blocker = Blocker.callback()) {
                            response.write(false, ByteBuffer.wrap(part), blocker);
                            blocker.block();
                        } catch (Exception e) {
                            callback.failed(e); // the client went away, as it should
                            return true;
                        }
                    }
                    response.write(true, ByteBuffer.wrap("\"]}".getBytes(StandardCharsets.US_ASCII)), callback);
                }
                case WRONG_TYPES -> {
                    String path = request.getHttpURI().getPath();
                    String body = path.endsWith("/health") ? "{\"status\":\"ok\",\"features\":\"changes\"}"
                            : path.matches(".*/configs/notes/.+") ? "{\"config\":[\"not\",\"an\",\"object\"]}"
                                    : "{\"configs\":[{\"id\":5,\"updatedAt\":\"yesterday\",\"name\":[]},42,null]}";
                    response.setStatus(200);
                    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                }
                case NOT_JSON -> {
                    response.getHeaders().put("Content-Type", "text/html");
                    response.setStatus(200);
                    response.write(true, ByteBuffer.wrap("<html><body>Gateway says hello</body></html>".getBytes(StandardCharsets.UTF_8)), callback);
                }
                case SLOW_DRIP -> {
                    response.setStatus(200);
                    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    try {
                        while (System.nanoTime() < end) {
                            try (Blocker.Callback blocker = Blocker.callback()) {
                                response.write(false, ByteBuffer.wrap(" ".getBytes(StandardCharsets.US_ASCII)), blocker);
                                blocker.block();
                            }
                            Thread.sleep(500);
                        }
                        response.write(true, ByteBuffer.wrap("{}".getBytes(StandardCharsets.US_ASCII)), callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                }
                default -> throw new IllegalStateException();
                }
                return true;
            }
        });
        server.start();
        return server;
    }
}
