package org.streamkit.sync.tier.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.TierHealth;

/** The backup store's own promises: one whole file per config, hostile ids contained, bad files skipped. */
class FileStoreTest {

    private static ConfigDocument doc(String type, String id, String name) {
        Instant now = Instant.now();
        return ConfigDocument.of(new ConfigKey(type, id), ConfigJson.newObject().put("name", name), now, now);
    }

    private static List<Path> allFiles(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void eachConfigIsOneJsonFileAndNoTemporaryFileIsLeft(@TempDir Path root) throws Exception {
        FileStore store = FileStore.open("file", root, Runnable::run);
        store.put(doc("notes", "todo", "first"));
        store.put(doc("notes", "todo", "second"));
        store.put(doc("swaps", "Cam", "camera"));
        List<Path> files = allFiles(root);
        assertEquals(List.of(root.resolve("notes/todo.json"), root.resolve("swaps/_43am.json")),
                files.stream().sorted().toList());
        String json = Files.readString(root.resolve("notes/todo.json"));
        assertTrue(json.contains("\"second\""), json);
        ConfigDocument read = ConfigJson.reader().forType(ConfigDocument.class).readValue(json);
        assertEquals(new ConfigKey("notes", "todo"), read.key(), "the file alone is enough to restore the config");
    }

    @Test
    void hostileIdsStayInsideTheirTypeFolder(@TempDir Path parent) throws Exception {
        Path root = parent.resolve("backup");
        FileStore store = FileStore.open("file", root, Runnable::run);
        String[] ids = { "..x", "...", "a:b", "con", "Intro", "intro", "INTRO", ".hidden", "~", "🎬".repeat(100) };
        for (String id : ids) {
            store.put(doc("notes", id, id));
        }
        for (Path file : allFiles(parent)) {
            assertEquals(root.resolve("notes"), file.getParent(), "escaped its folder: " + file);
        }
        assertEquals(ids.length, allFiles(root).size(), "ids differing only in case are separate files");
        for (String id : ids) {
            assertEquals(id, store.get(new ConfigKey("notes", id)).orElseThrow().body().get("name").asText());
        }
        assertEquals(ids.length, store.listKeys("notes").size());
    }

    @Test
    void emptyTruncatedAndInvalidFilesAreSkippedReportedAndLeftUntouched(@TempDir Path root) throws Exception {
        FileStore first = FileStore.open("file", root, Runnable::run);
        first.put(doc("notes", "good", "good"));
        first.put(doc("notes", "also-good", "also good"));
        byte[] whole = Files.readAllBytes(root.resolve("notes/good.json"));
        Map<String, byte[]> bad = Map.of(
                "empty.json", new byte[0],
                "truncated.json", java.util.Arrays.copyOf(whole, whole.length / 2),
                "garbage.json", "{not json at all".getBytes(),
                "misplaced.json", whole); // holds notes/good, but its name says notes/misplaced
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            Files.write(root.resolve("notes").resolve(e.getKey()), e.getValue());
        }

        FileStore store = FileStore.open("file", root, Runnable::run);
        store.awaitScan();
        assertEquals("good", store.get(new ConfigKey("notes", "good")).orElseThrow().body().get("name").asText());
        assertEquals("also good", store.get(new ConfigKey("notes", "also-good")).orElseThrow().body().get("name").asText());
        for (String id : List.of("empty", "truncated", "garbage", "misplaced")) {
            assertTrue(store.get(new ConfigKey("notes", id)).isEmpty(), id + " is skipped, not served");
        }
        TierHealth health = store.health();
        assertEquals(TierHealth.Status.DEGRADED, health.status());
        assertTrue(health.reason().startsWith("4 backup file(s) could not be read"), health.reason());
        assertEquals(4, store.unreadableFiles().size());
        assertTrue(store.unreadableFiles().keySet().stream().allMatch(p -> bad.containsKey(p.getFileName().toString())));
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(root.resolve("notes").resolve(e.getKey())),
                    e.getKey() + " was changed");
        }
        assertEquals(2, store.changedSince(null, 100).documents().size(), "changes list only the readable configs");

        store.put(doc("notes", "garbage", "repaired"));
        assertEquals(3, store.unreadableFiles().size(), "a file rewritten by Streamkit is no longer reported");
    }

    @Test
    void temporaryFilesLeftByACrashAreRemovedWhenTheStoreOpens(@TempDir Path root) throws Exception {
        FileStore.open("file", root, Runnable::run).put(doc("notes", "kept", "kept"));
        Path stale = root.resolve("notes/.kept.json.1234abcd.tmp");
        Files.writeString(stale, "{\"half");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(60)));
        FileStore store = FileStore.open("file", root, Runnable::run);
        store.awaitScan();
        assertFalse(Files.exists(stale), "an unacknowledged partial write is cleaned up");
        assertEquals(TierHealth.Status.UP, store.health().status());
        assertEquals("kept", store.get(new ConfigKey("notes", "kept")).orElseThrow().body().get("name").asText());
    }
}
