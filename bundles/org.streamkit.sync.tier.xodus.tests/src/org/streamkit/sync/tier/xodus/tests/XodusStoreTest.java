package org.streamkit.sync.tier.xodus.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.streamkit.sync.testing.ChildJvm;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.tier.xodus.XodusStore;
import org.streamkit.sync.tier.xodus.XodusStore.Durability;
import org.streamkit.sync.tier.xodus.XodusTierComponent;

/** The Xodus store's own promises: persistence, durability modes, locks, damage, bundle stop and start. */
class XodusStoreTest {

    private static final ConfigKey KEY = new ConfigKey("notes", "kept");

    private static ConfigDocument doc(String name) {
        Instant now = Instant.now();
        return ConfigDocument.of(KEY, ConfigJson.newObject().put("name", name), now, now);
    }

    @Test
    void whatWasPutIsThereAfterReopeningInEitherDurabilityMode(@TempDir Path folder) throws Exception {
        for (Durability durability : Durability.values()) {
            Path dir = folder.resolve(durability.name());
            try (XodusStore store = XodusStore.open("xodus", dir, durability, 1000)) {
                store.put(doc("v1"));
                store.put(doc("v2"));
                store.delete(new ConfigKey("notes", "gone"), Instant.now());
            }
            try (XodusStore store = XodusStore.open("xodus", dir, durability, 1000)) {
                assertEquals("v2", store.get(KEY).orElseThrow().body().get("name").asText());
                assertTrue(store.get(new ConfigKey("notes", "gone")).orElseThrow().deleted());
                assertEquals(2, store.changedSince(null, 10).documents().size());
            }
        }
    }

    @Test
    void changedSinceReadsOnlyTheChangesAfterTheCursorAcrossAReopen(@TempDir Path folder) throws Exception {
        String cursor;
        try (XodusStore store = XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 1000)) {
            for (int i = 0; i < 1000; i++) {
                Instant now = Instant.now();
                store.put(ConfigDocument.of(new ConfigKey("bulk", "b" + i), ConfigJson.newObject().put("i", i), now, now));
            }
            cursor = store.changedSince(null, 5000).nextCursor();
        }
        try (XodusStore store = XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 1000)) {
            store.put(doc("after"));
            var changes = store.changedSince(cursor, 5000);
            assertEquals(List.of(KEY), changes.documents().stream().map(ConfigDocument::key).toList(),
                    "a cursor survives a reopen and yields only the newer change");
        }
    }

    @Test
    void aStoreLockedByAnotherProcessIsRefusedWithAReasonThatSaysWhatToDo(@TempDir Path folder) throws Exception {
        Process holder = ChildJvm.java(CrashWriter.class, CrashWriter.BUNDLES, "hold", folder.toString()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "the holding process did not start");
            assertTrue(line.startsWith("HOLDING"), line);
            StorageException e = assertThrows(StorageException.class,
                    () -> XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 200));
            assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
            assertTrue(e.retryable(), "a lock can be released: retrying later may work");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        try (XodusStore store = XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 5000)) {
            assertEquals(TierHealth.Status.UP, store.health().status(), "once the other process is gone, it opens");
        }
    }

    @Test
    void aDamagedStoreIsReportedNeverThrownAtTheHost(@TempDir Path folder) throws Exception {
        try (XodusStore store = XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 1000)) {
            for (int i = 0; i < 100; i++) {
                store.put(ConfigDocument.of(new ConfigKey("notes", "n" + i), ConfigJson.newObject().put("i", i),
                        Instant.now(), Instant.now()));
            }
        }
        List<Path> logs;
        try (Stream<Path> files = Files.list(folder)) {
            logs = files.filter(p -> p.toString().endsWith(".xd")).toList();
        }
        assertFalse(logs.isEmpty(), "Xodus wrote log files");
        for (Path log : logs) {
            byte[] garbage = new byte[(int) Files.size(log)];
            new java.util.Random(7).nextBytes(garbage);
            Files.write(log, garbage);
        }
        try {
            XodusStore store = XodusStore.open("xodus", folder, Durability.PROCESS_CRASH, 1000);
            try (store) {
                // Xodus may recover by treating the garbage as an empty log; then reads must still answer.
                store.listTypes();
            }
        } catch (StorageException e) {
            assertTrue(e.getMessage().contains(folder.toString()), "the reason names the folder: " + e.getMessage());
            assertTrue(e.getMessage().contains("move that folder aside"), "the reason says what to do: " + e.getMessage());
        }
    }

    @Test
    void stoppingTheBundleReleasesTheStoreAndStartingItReopensIt(@TempDir Path unused) throws Exception {
        StorageTier tier = Services.tier(XodusStoreTest.class, "xodus");
        Path directory = ((XodusTierComponent) tier).directory();
        ConfigKey key = new ConfigKey("notes", "survives-restart");
        Instant now = Instant.now();
        tier.put(ConfigDocument.of(key, ConfigJson.newObject().put("name", "kept"), now, now));
        Bundle bundle = FrameworkUtil.getBundle(XodusTierComponent.class);
        bundle.stop();
        try {
            // The lock is released: another store can open the same folder.
            try (XodusStore other = XodusStore.open("xodus", directory, Durability.PROCESS_CRASH, 1000)) {
                assertEquals("kept", other.get(key).orElseThrow().body().get("name").asText());
            }
        } finally {
            bundle.start();
        }
        StorageTier again = Services.tier(XodusStoreTest.class, "xodus");
        assertEquals("kept", again.get(key).orElseThrow().body().get("name").asText());
        assertEquals(TierHealth.Status.UP, again.health().status());
    }
}
