package org.streamkit.sync.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.coordinator.Timer;
import org.streamkit.sync.tier.file.FileStore;
import org.streamkit.sync.tier.xodus.XodusStore;

/**
 * Damage between runs: files of the backup store truncated and garbled, the Xodus log truncated and
 * garbled. The next start must come up, say what it found, serve every config from the tier that still
 * holds it, and repair the damaged tier from the other.
 */
class CorruptionTortureTest {

    private static final int CONFIGS = 60;
    private static final Executor NOW = Runnable::run;

    private final long seed = Long.getLong("streamkit.torture.seed", System.nanoTime());
    private final Random random = new Random(seed);

    @Test
    void garbledBackupFilesAreReportedAndRestoredFromXodus(@TempDir Path folder) throws Exception {
        Map<ConfigKey, String> expected = firstRun(folder);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder.resolve("file"))) {
            files = new ArrayList<>(walk.filter(p -> p.toString().endsWith(".json")).sorted().toList());
        }
        java.util.Collections.shuffle(files, random);
        List<Path> damaged = files.subList(0, 10);
        for (int i = 0; i < damaged.size(); i++) {
            Path p = damaged.get(i);
            if (i % 2 == 0) {
                truncate(p, Files.size(p) / 2);
            } else {
                garble(p, 0, (int) Math.min(Files.size(p), 64));
            }
        }

        try (XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000)) {
            FileStore file = FileStore.open("file", folder.resolve("file"), NOW);
            TierHealth health = file.health();
            int unreadable = file.unreadableFiles().size();
            assertEquals(TierHealth.Status.DEGRADED, health.status(), "the damage is reported: " + health.reason());
            assertEquals(damaged.size(), unreadable, "every damaged file is named");
            // Starting the device: the backup tier joins, and is refilled from Xodus before anything else.
            try (Coordinator device = device(folder, xodus, file)) {
                assertServesEverything(device, expected);
                for (Map.Entry<ConfigKey, String> e : expected.entrySet()) {
                    assertEquals(e.getValue(), file.get(e.getKey()).orElseThrow().bodyJson(), "backup of " + e.getKey() + " restored");
                }
                assertEquals(TierHealth.Status.UP, file.health().status(), "nothing unreadable is left: " + file.health().reason());
                AuditReport audit = device.audit(true);
                assertEquals(List.of(), audit.differences(), "after the start, the tiers agree");
                TortureReport.add("corruption", String.format(java.util.Locale.ROOT,
                        "backup store: %d of %d files truncated or garbled (seed %d); on start the file tier reported: \"%s\";"
                                + " all %d restored from Xodus when the tier joined; the tier is UP again; a later audit found %d differences",
                        damaged.size(), files.size(), seed, shorten(health.reason()), unreadable, audit.differences().size()));
            }
        }
    }

    @Test
    void aXodusLogCutShortAndGarbledAtItsEndIsReportedAndRefilledFromTheBackup(@TempDir Path folder) throws Exception {
        damagedXodus(folder, false);
    }

    @Test
    void aXodusLogGarbledFromItsStartIsSetAsideAndRefilledFromTheBackup(@TempDir Path folder) throws Exception {
        damagedXodus(folder, true);
    }

    private void damagedXodus(Path folder, boolean fromTheStart) throws Exception {
        Map<ConfigKey, String> expected = firstRun(folder);
        List<Path> logs;
        try (Stream<Path> list = Files.list(folder.resolve("xodus"))) {
            logs = list.filter(p -> p.toString().endsWith(".xd")).sorted().toList();
        }
        String damage;
        if (fromTheStart) {
            for (Path log : logs) {
                garble(log, 0, (int) Math.min(Files.size(log), 8192));
            }
            damage = "the first 8 KiB of each of its " + logs.size() + " log file(s) garbled";
        } else {
            Path last = logs.get(logs.size() - 1);
            long size = Files.size(last);
            garble(last, size / 3, (int) Math.min(4096, size / 3));
            truncate(last, size - size / 5);
            damage = Math.min(4096, size / 3) + " bytes of the last log file (" + size + " bytes) garbled and " + size / 5
                    + " bytes cut from its end";
        }

        FileStore file = FileStore.open("file", folder.resolve("file"), NOW);
        XodusStore.Opened opened = XodusStore.openOrSetAside("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000);
        try (XodusStore xodus = opened.store(); Coordinator device = device(folder, xodus, file)) {
            assertServesEverything(device, expected);
            AuditReport audit = device.audit(true);
            AuditReport again = device.audit(false);
            TortureReport.add("corruption", String.format(java.util.Locale.ROOT,
                    "Xodus store: %s (seed %d); on open: %s; audit found %d differences and repaired %d; a second audit found %d",
                    damage, seed, opened.note() == null ? "it opened" : "\"" + shorten(opened.note()) + "\"",
                    audit.differences().size(), audit.repaired(), again.differences().size()));
            for (Map.Entry<ConfigKey, String> e : expected.entrySet()) {
                assertEquals(e.getValue(), xodus.get(e.getKey()).orElseThrow(() -> new AssertionError(e.getKey() + " not refilled"))
                        .bodyJson(), "Xodus copy of " + e.getKey());
            }
            assertEquals(List.of(), again.differences(), "after the repair the tiers agree");
            if (opened.note() != null) {
                assertTrue(Files.isDirectory(opened.setAside()), "the damaged store is kept for inspection");
            }
        }
    }

    /** Writes the configs through a device with both local tiers, and closes it. */
    private Map<ConfigKey, String> firstRun(Path folder) throws Exception {
        Map<ConfigKey, String> expected = new TreeMap<>();
        try (XodusStore xodus = XodusStore.open("xodus", folder.resolve("xodus"), XodusStore.Durability.PROCESS_CRASH, 1000);
                Coordinator device = device(folder, xodus, FileStore.open("file", folder.resolve("file"), NOW))) {
            for (int i = 0; i < CONFIGS; i++) {
                ConfigKey key = new ConfigKey(i % 2 == 0 ? "text-cyclers" : "layouts", "c" + i);
                ConfigDocument d = device.put(key, ConfigJson.newObject().put("i", i).put("text", "Grüße 👋 " + "x".repeat(random.nextInt(400))));
                expected.put(key, d.bodyJson());
            }
        }
        return expected;
    }

    private static Coordinator device(Path folder, XodusStore xodus, FileStore file) throws Exception {
        Timer timer = new Timer() {
            @Override
            public java.time.Instant now() {
                return java.time.Instant.now();
            }

            @Override
            public void schedule(Runnable task, Duration delay) {
                // this device has no remote tier: nothing is ever due
            }
        };
        Coordinator device = Coordinator.open(folder.resolve("state"), timer, NOW,
                new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(5)), EventSink.NONE);
        device.addTier(new Coordinator.Tier(xodus, "xodus", 400, 1, false, Duration.ZERO));
        device.addTier(new Coordinator.Tier(file, "file", 300, 2, false, Duration.ZERO));
        return device;
    }

    private static void assertServesEverything(Coordinator device, Map<ConfigKey, String> expected) throws Exception {
        for (Map.Entry<ConfigKey, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), device.get(e.getKey()).orElseThrow(() -> new AssertionError(e.getKey() + " lost")).bodyJson());
        }
    }

    private static String shorten(String s) {
        return s.length() > 220 ? s.substring(0, 220) + "…" : s;
    }

    private static void truncate(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    private void garble(Path p, long offset, int length) throws IOException {
        byte[] junk = new byte[length];
        random.nextBytes(junk);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(junk);
        }
    }
}
