package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.tier.xodus.XodusStore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code streamkit import} of 10,000 configs, killed with {@code kill -9} at random moments: every config
 * the import reported stored ("Stored the first N of …") is in the workspace's Xodus store and in its
 * backup folder, read directly after the kill; an import run again to its end leaves all 10,000 in both.
 */
class CommandLineImportCrashTest {

    private static final Launcher LAUNCHER = new Launcher();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONFIGS = 10_000;
    private static final Pattern STORED = Pattern.compile("Stored the first (\\d+) of " + CONFIGS + " configs");

    @Test
    void anImportKilledAtRandomMomentsKeepsEveryConfigItReportedStored() throws Exception {
        long seed = Long.getLong("streamkit.crash.seed", System.nanoTime());
        int trials = Integer.getInteger("streamkit.import.crash.trials", 3);
        Random random = new Random(seed);
        Path folder = Launcher.folder("import-crash");
        Path workspace = Files.createDirectories(folder.resolve("workspace"));
        Path backup = folder.resolve("backup.json");
        writeBackup(backup);
        LAUNCHER.ok(workspace, null, "remote", "obs", "off");

        List<String> kills = new ArrayList<>();
        for (int trial = 0; trial < trials; trial++) {
            Launcher.Interactive importing = LAUNCHER.open(workspace, "import", backup.toString());
            int killAfter = 1 + random.nextInt(8); // progress lines seen before the kill
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (stored(importing.errorSoFar()) < killAfter * 1000 && importing.alive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(300)); // somewhere inside the next batch
            importing.kill();
            int reported = stored(importing.errorSoFar());
            assertTrue(reported > 0, "the import reported progress before it was killed: " + importing.errorSoFar());
            assertHeld(workspace, reported, "after kill -9 " + (trial + 1) + " (seed " + seed + ")");
            kills.add(Integer.toString(reported));
        }
        Launcher.Run finished = LAUNCHER.ok(workspace, null, "import", backup.toString());
        assertTrue(finished.err().contains("Stored the first " + CONFIGS + " of " + CONFIGS), finished.err());
        assertHeld(workspace, CONFIGS, "after the import ran to its end");
        System.out.println("Import crash test: kill -9 after " + String.join(", ", kills) + " of " + CONFIGS
                + " configs reported stored (seed " + seed + "); each of them was in Xodus and in the backup folder");
    }

    private static int stored(String err) {
        int last = 0;
        Matcher m = STORED.matcher(err);
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** Reads the workspace's Xodus store and backup folder directly: the first {@code count} configs are in both. */
    private static void assertHeld(Path workspace, int count, String when) throws Exception {
        Path plugins = workspace.resolve(".metadata/.plugins");
        try (XodusStore xodus = XodusStore.open("xodus", plugins.resolve("org.streamkit.sync.tier.xodus/store"),
                XodusStore.Durability.PROCESS_CRASH, 10_000)) {
            for (int i = 0; i < count; i++) {
                ConfigKey key = new ConfigKey("notes", id(i));
                ConfigDocument held = xodus.get(key).orElseThrow(() -> new AssertionError(when + ": Xodus lacks " + key));
                assertEquals(name(i), held.body().path("name").asText(), when + ": Xodus copy of " + key);
            }
        }
        Path files = plugins.resolve("org.streamkit.sync.tier.file/backup/notes");
        for (int i = 0; i < count; i++) {
            Path file = files.resolve(id(i) + ".json");
            assertTrue(Files.isRegularFile(file), when + ": the backup folder lacks " + file.getFileName());
            JsonNode held = JSON.readTree(file.toFile());
            assertEquals(name(i), held.path("body").path("name").asText(), when + ": backup copy of " + id(i));
        }
    }

    private static String id(int i) {
        return String.format("c%05d", i);
    }

    private static String name(int i) {
        return "config " + i;
    }

    /** A backup of 10,000 configs of about 1 KB each. */
    private static void writeBackup(Path file) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode configs = root.putArray("configs");
        String text = "x".repeat(900);
        for (int i = 0; i < CONFIGS; i++) {
            ObjectNode c = configs.addObject();
            c.put("type", "notes").put("id", id(i)).put("createdAt", "2026-01-01T00:00:00Z")
                    .put("updatedAt", "2026-01-01T00:00:00Z").put("deleted", false);
            c.putObject("body").put("name", name(i)).put("text", text);
        }
        JSON.writeValue(file.toFile(), root);
    }
}
