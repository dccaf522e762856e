package org.streamkit.sync.tier.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import javax.crypto.spec.PBEKeySpec;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.equinox.security.storage.provider.IProviderHints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.TierStatus;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.LocalCopies;
import org.streamkit.sync.tier.memory.MemoryStore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * End-to-end encryption between devices (each a coordinator with its own local tiers, its own Secure
 * Storage file and its own cloud tier) through the real local Streamkit API server, with and without the
 * server's extensions. What a device holds is read from its local tiers.
 */
class EncryptionTest {

    private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
    private static final ConfigKey CYCLER = new ConfigKey("text-cyclers", "raid");
    private static final ConfigKey NOTE = new ConfigKey("notes", "sponsor");

    @TempDir
    Path folder;
    private StreamkitServer server;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, Device> devices = new HashMap<>();

    private record Device(Coordinator coordinator, LocalCopies locals, CloudStore cloud, CloudHttp http, ISecurePreferences secure) {

        Encryption encryption() {
            return new Encryption(http, false, secure);
        }

        /** Takes the key Secure Storage holds now, as the cloud tier does when it is told. */
        void keyChanged() {
            cloud.useKey(Encryption.saved(secure).orElse(null));
        }

        TierStatus cloudStatus() {
            return coordinator.status().tiers().stream().filter(t -> t.name().equals("cloud")).findFirst().orElseThrow();
        }
    }

    private void startServer(boolean extensions) throws Exception {
        server = StreamkitServer.start(ServerConfig.builder(folder.resolve("server")).host("127.0.0.1").port(0)
                .extensions(extensions).build());
    }

    private Device device(String name) throws Exception {
        Coordinator coordinator = Coordinator.open(folder.resolve(name + "-state"), NowOnlyTimer.INSTANCE, Runnable::run,
                new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(5)), EventSink.NONE);
        MemoryStore memory = new MemoryStore("memory");
        MemoryStore xodus = new MemoryStore("xodus");
        coordinator.addTier(Coordinator.Tier.cache(memory, "memory", 500, 1));
        coordinator.addTier(new Coordinator.Tier(xodus, "xodus", 400, 2, false, Duration.ZERO));
        // Each device its own Secure Storage file, encrypted with a password of its own (no prompt).
        Map<Object, Object> options = new HashMap<>();
        options.put(IProviderHints.DEFAULT_PASSWORD, new PBEKeySpec(("storage of " + name).toCharArray()));
        options.put(IProviderHints.PROMPT_USER, Boolean.FALSE);
        ISecurePreferences secure = SecurePreferencesFactory.open(folder.resolve(name + "-secure_storage").toUri().toURL(), options);
        CloudHttp http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("streamer"), server.mintRefreshToken("streamer")),
                Duration.ofSeconds(2), Duration.ofSeconds(10), 8L << 20);
        CloudStore cloud = new CloudStore("cloud", http, Set.of("text-cyclers", "swaps", "layouts", "notes"));
        cloud.useKey(Encryption.saved(secure).orElse(null));
        coordinator.addTier(new Coordinator.Tier(cloud, "cloud", 100, 3, true, Duration.ZERO));
        open.add(coordinator);
        open.add(http);
        Device device = new Device(coordinator, new LocalCopies(name, List.of(memory, xodus)), cloud, http, secure);
        devices.put(name, device);
        return device;
    }

    /** Enters the passphrase on a device and lets its cloud tier take the key. @return what it encrypted */
    private static int turnOn(Device device, char[] passphrase) throws Exception {
        int sealed;
        try (Encryption e = device.encryption()) {
            sealed = e.turnOn(passphrase);
        }
        device.keyChanged();
        return sealed;
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

    private static ObjectNode body(String name, String line) {
        ObjectNode body = ConfigJson.newObject().put("name", name);
        body.putArray("lines").add(line);
        body.putNull("note");
        return body;
    }

    /** @return the stored object of a config as the server answers it, unopened */
    private JsonNode raw(Device device, ConfigKey key) throws StorageException {
        CloudHttp.Response response = device.http().send("GET", List.of("configs", key.type(), key.id()), Map.of(), null, Map.of(), "test");
        assertEquals(200, response.status(), "the server holds " + key);
        return response.json().get("config");
    }

    /** Writes a stored object to the server as it is, as a server (or someone with its disk) could. */
    private void rawWrite(Device device, ConfigKey key, ObjectNode object) throws StorageException {
        ObjectNode sent = object.deepCopy();
        for (String serverField : List.of("createdAt", "updatedAt", "customerId", "configType", "etag")) {
            sent.remove(serverField);
        }
        CloudHttp.Response response = device.http().send("POST", List.of("configs", key.type()), Map.of(),
                sent.toString().getBytes(StandardCharsets.UTF_8), Map.of(), "test");
        assertTrue(response.status() == 200 || response.status() == 201, "written: " + response.status());
    }

    /** @return whether any file under the folder contains the text (as UTF-8) */
    private static boolean anyFileHolds(Path root, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                outer: for (int i = 0; i + needle.length <= bytes.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (bytes[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @ParameterizedTest(name = "extensions {0}")
    @ValueSource(booleans = { true, false })
    void configsTravelSealedBetweenDevicesAndTheServersDataFolderHoldsNoPlaintext(boolean extensions) throws Exception {
        startServer(extensions);
        Device a = device("a");
        try (Encryption e = a.encryption()) {
            assertTrue(e.firstDevice(), "no key record yet");
            assertEquals(0, e.turnOn(PASSPHRASE), "nothing was stored unencrypted");
            assertTrue(e.state().on());
        }
        a.keyChanged();
        a.coordinator().put(CYCLER, body("Raid reminders", "Raid at 22:00 — cafeteria-plaintext-marker"));
        a.coordinator().put(NOTE, body("Sponsor", "sponsor-plaintext-marker"));
        a.coordinator().syncNow();
        assertEquals(SyncState.SYNCED, a.coordinator().state(CYCLER, "cloud"));

        JsonNode stored = raw(a, CYCLER);
        assertFalse(stored.has("name") || stored.has("lines") || stored.has("note"), "no user field is stored: " + stored);
        assertFalse(stored.path(WireFormat.META).has("h"), "nor a digest of them");
        assertTrue(stored.path(WireFormat.META).path("e").path("x").isTextual(), "the body is sealed in the record");
        assertTrue(stored.path(WireFormat.META).path("t").isTextual(), "the stamps stay readable");

        // A second device: without the key it takes nothing and sends nothing, and says why.
        Device b = device("b");
        b.coordinator().syncNow();
        assertTrue(b.locals().version(CYCLER).isEmpty(), "a device without the key takes nothing");
        assertTrue(b.cloudStatus().health().reason().contains("encrypted"), b.cloudStatus().health().toString());
        try (Encryption e = b.encryption()) {
            assertFalse(e.firstDevice());
            assertThrows(Encryption.WrongPassphraseException.class, () -> e.turnOn("not the passphrase at all".toCharArray()));
            assertTrue(Encryption.saved(b.secure()).isEmpty(), "a wrong passphrase saves nothing");
            assertEquals(0, e.turnOn(PASSPHRASE));
        }
        assertNotNull(b.secure().node(SecureStorageTokens.NODE).get(Encryption.SECRET, null), "the key is kept in Secure Storage");
        assertTrue(b.secure().node(SecureStorageTokens.NODE).isEncrypted(Encryption.SECRET), "encrypted there");
        b.keyChanged();
        b.coordinator().syncNow();
        assertEquals(body("Raid reminders", "Raid at 22:00 — cafeteria-plaintext-marker"), b.locals().live(CYCLER).orElseThrow().body(),
                "the second device holds the body, nulls and all");
        assertEquals("Sponsor", b.locals().field(NOTE, "name"));

        // Edits go both ways, sealed.
        b.coordinator().put(NOTE, body("Sponsor", "edited-on-b-plaintext-marker"));
        b.coordinator().syncNow();
        a.coordinator().syncNow();
        assertEquals("edited-on-b-plaintext-marker", a.locals().live(NOTE).orElseThrow().body().get("lines").get(0).asText());

        for (Device d : devices.values()) {
            d.http().close();
        }
        server.close();
        for (String marker : List.of("cafeteria-plaintext-marker", "sponsor-plaintext-marker", "edited-on-b-plaintext-marker",
                "Raid reminders", "Sponsor")) {
            assertFalse(anyFileHolds(folder.resolve("server"), marker), "the server's data folder holds no \"" + marker + "\"");
        }
        server = null;
    }

    @ParameterizedTest(name = "extensions {0}")
    @ValueSource(booleans = { true, false })
    void turningItOnEncryptsWhatTheServerHeldAndOtherDevicesKeepTheSameVersions(boolean extensions) throws Exception {
        startServer(extensions);
        Device a = device("a");
        Device b = device("b");
        a.coordinator().put(CYCLER, body("Before", "written-before-encryption"));
        a.coordinator().syncNow();
        b.coordinator().syncNow();
        var before = b.locals().live(CYCLER).orElseThrow();
        assertTrue(raw(a, CYCLER).has("name"), "stored unencrypted so far");

        assertEquals(1, turnOn(a, PASSPHRASE), "the config stored unencrypted");
        JsonNode stored = raw(a, CYCLER);
        assertFalse(stored.has("name"), "encrypted now: " + stored);
        assertEquals(before.updatedAt().toString(), stored.path(WireFormat.META).path("t").asText(), "with its own stamp");

        assertEquals(0, turnOn(b, PASSPHRASE), "nothing left to encrypt");
        b.coordinator().syncNow();
        assertTrue(before.sameVersion(b.locals().live(CYCLER).orElseThrow()), "the same version, nothing new for the other device");
        assertEquals(SyncState.SYNCED, b.coordinator().state(CYCLER, "cloud"));
    }

    @ParameterizedTest(name = "extensions {0}")
    @ValueSource(booleans = { true, false })
    void aBodyTheServerChangedOrMovedIsRefusedAndChangesNothing(boolean extensions) throws Exception {
        startServer(extensions);
        Device a = device("a");
        turnOn(a, PASSPHRASE);
        Device b = device("b");
        turnOn(b, PASSPHRASE);
        a.coordinator().put(CYCLER, body("Raid reminders", "the real one"));
        a.coordinator().put(NOTE, body("Sponsor", "another config"));
        a.coordinator().syncNow();
        b.coordinator().syncNow();
        assertEquals("the real one", b.locals().live(CYCLER).orElseThrow().body().get("lines").get(0).asText());

        // One byte of the ciphertext changed, under a newer stamp so it would win if it were taken.
        ObjectNode changed = (ObjectNode) raw(a, CYCLER).deepCopy();
        ObjectNode meta = (ObjectNode) changed.get(WireFormat.META);
        ObjectNode sealed = (ObjectNode) meta.get("e");
        byte[] x = Base64.getDecoder().decode(sealed.get("x").asText());
        x[x.length / 2] ^= 1;
        sealed.put("x", Base64.getEncoder().encodeToString(x));
        meta.put("t", java.time.Instant.now().plusSeconds(60).toString());
        rawWrite(a, CYCLER, changed);
        StorageException refused = assertThrows(StorageException.class, () -> b.cloud().get(CYCLER));
        assertTrue(refused.getMessage().contains("integrity check"), refused.getMessage());
        b.coordinator().syncNow();
        assertEquals("the real one", b.locals().live(CYCLER).orElseThrow().body().get("lines").get(0).asText(),
                "the device keeps what it had");
        assertTrue(b.cloudStatus().lastError().contains("integrity check"), "and says why: " + b.cloudStatus().lastError());

        // A sealed body moved from another config: refused the same way.
        ObjectNode moved = (ObjectNode) raw(a, CYCLER).deepCopy();
        ((ObjectNode) moved.get(WireFormat.META)).set("e", raw(a, NOTE).path(WireFormat.META).path("e").deepCopy());
        rawWrite(a, CYCLER, moved);
        assertTrue(assertThrows(StorageException.class, () -> b.cloud().get(CYCLER)).getMessage().contains("integrity check"));

        // A plain body slipped in where the account's configs are encrypted: refused too.
        ObjectNode plain = (ObjectNode) raw(a, NOTE).deepCopy();
        ((ObjectNode) plain.get(WireFormat.META)).remove("e");
        ((ObjectNode) plain.get(WireFormat.META)).put("t", java.time.Instant.now().plusSeconds(60).toString());
        plain.put("name", "injected");
        rawWrite(a, NOTE, plain);
        assertTrue(assertThrows(StorageException.class, () -> b.cloud().get(NOTE)).getMessage().contains("unencrypted"));
        b.coordinator().syncNow();
        assertEquals("Sponsor", b.locals().field(NOTE, "name"), "nothing injected was taken");
    }

    @ParameterizedTest(name = "extensions {0}")
    @ValueSource(booleans = { true, false })
    void aConfigSealedWithAnotherKeyIsRefusedAndADeviceWithTheOldKeySendsNothing(boolean extensions) throws Exception {
        startServer(extensions);
        Device a = device("a");
        turnOn(a, PASSPHRASE);
        a.coordinator().put(CYCLER, body("Sealed with the first key", "old"));
        a.coordinator().syncNow();
        String firstKey = Encryption.saved(a.secure()).orElseThrow().id();

        // The account's encryption is set up again with a new passphrase (its key record replaced).
        CloudHttp.Response gone = a.http().send("DELETE", List.of("configs", KeyRecord.TYPE, KeyRecord.ID), Map.of(), null, Map.of(),
                "test");
        assertTrue(gone.status() == 200 || gone.status() == 204, "the key record is deleted: " + gone.status());
        Device c = device("c");
        try (Encryption e = c.encryption()) {
            assertTrue(e.firstDevice());
            e.turnOn("a new passphrase, longer".toCharArray());
        }
        c.keyChanged();
        assertNotEquals(firstKey, Encryption.saved(c.secure()).orElseThrow().id());

        StorageException refused = assertThrows(StorageException.class, () -> c.cloud().get(CYCLER));
        assertTrue(refused.getMessage().contains("another encryption key"), refused.getMessage());
        c.coordinator().syncNow();
        assertTrue(c.locals().version(CYCLER).isEmpty(), "the device with the new key takes nothing it cannot open");

        // The device with the old key learns of the new one and sends nothing sealed with the old one.
        a.cloud().useKey(Encryption.saved(a.secure()).orElseThrow()); // as at its next start
        a.coordinator().put(CYCLER, body("Sealed with the first key", "edited after the change"));
        a.coordinator().syncNow();
        assertNotEquals(SyncState.SYNCED, a.coordinator().state(CYCLER, "cloud"));
        assertTrue(a.cloudStatus().health().reason().contains("passphrase was changed"), a.cloudStatus().health().toString());
        assertEquals("old", rawLine(a, CYCLER, firstKey), "the server still holds the old version");
        try (Encryption e = a.encryption()) {
            assertThrows(Encryption.WrongPassphraseException.class, () -> e.turnOn(PASSPHRASE));
            assertEquals(1, e.turnOn("a new passphrase, longer".toCharArray()), "what the old key sealed, sealed with the new one");
        }
        a.keyChanged();
        a.coordinator().syncNow();
        assertEquals(SyncState.SYNCED, a.coordinator().state(CYCLER, "cloud"), "with the new passphrase it sends again");
        c.coordinator().syncNow();
        assertEquals("edited after the change", c.locals().live(CYCLER).orElseThrow().body().get("lines").get(0).asText());
    }

    /** @return the first line of a config the server holds, opened with the first key */
    private String rawLine(Device device, ConfigKey key, String kid) throws StorageException {
        JsonNode stored = raw(device, key);
        assertEquals(kid, stored.path(WireFormat.META).path("e").path("k").asText(), "sealed with the first key");
        return device.cloud().get(key).map(d -> d.body().get("lines").get(0).asText()).orElse(null);
    }
}
