package org.streamkit.sync.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.Changes;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The behaviour every {@link StorageTier} promises (see its javadoc). Each tier's test bundle subclasses
 * this once and returns the tier as registered in the service registry. Tests write under a type of
 * their own, so they hold whatever else the tier already contains.
 */
public abstract class StorageTierContractTest {

    /** @return the tier under test, as users get it (from the service registry) */
    protected abstract StorageTier tier();

    /** @return how many writers the concurrency test runs at once; slow remote tiers may lower it */
    protected int concurrentWriters() {
        return 8;
    }

    /** @return how many writes each concurrent writer makes */
    protected int writesPerWriter() {
        return 100;
    }

    /**
     * @return whether {@link StorageTier#changedSince} lists only what changed after a cursor; a tier whose
     *         remote has no change feed (the cloud against the core routes) lists everything each time, which
     *         skips nothing either
     */
    protected boolean listsOnlyChanges() {
        return true;
    }

    protected String type;
    private Instant clock;

    @BeforeEach
    void freshType() {
        type = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        clock = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    protected ConfigKey key(String id) {
        return new ConfigKey(type, id);
    }

    /** @return a strictly later time than the previous call's, so stamps order */
    protected Instant tick() {
        clock = clock.plusMillis(1);
        return clock;
    }

    protected ConfigDocument doc(String id, String name) {
        ObjectNode body = ConfigJson.newObject();
        body.put("name", name);
        body.putArray("texts").add("one").add("two");
        Instant now = tick();
        return ConfigDocument.of(key(id), body, now, now);
    }

    @Test
    void putThenGetReturnsTheSameDocument() throws Exception {
        ConfigDocument written = tier().put(doc("a", "Alpha"));
        Optional<ConfigDocument> read = tier().get(key("a"));
        assertTrue(read.isPresent(), "a put document must be readable");
        assertEquals(written.key(), read.get().key());
        assertEquals(written.bodyJson(), read.get().bodyJson());
        assertEquals(written.updatedAt(), read.get().updatedAt());
        assertFalse(read.get().deleted());
    }

    @Test
    void putAllStoresEveryDocumentAndDocumentsReadsTheTypeBackInKeyOrder() throws Exception {
        tier().put(doc("b", "old b"));
        java.util.List<ConfigDocument> batch = java.util.List.of(doc("c", "Gamma"), doc("a", "Alpha"), doc("b", "Beta"),
                ConfigDocument.tombstone(key("d"), tick(), tick()));
        java.util.List<ConfigDocument> stored = tier().putAll(batch);
        assertEquals(batch.size(), stored.size(), "one stored document per document given");
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(batch.get(i).key(), stored.get(i).key(), "in the order given");
        }
        java.util.List<ConfigDocument> read = tier().documents(type);
        assertEquals(java.util.List.of(key("a"), key("b"), key("c"), key("d")), read.stream().map(ConfigDocument::key).toList());
        assertEquals("Beta", read.get(1).body().get("name").asText(), "the batch replaced the earlier version");
        assertTrue(read.get(3).deleted(), "tombstones are documents too");
        assertEquals("Gamma", tier().get(key("c")).orElseThrow().body().get("name").asText());
    }

    @Test
    void getOfAKeyNeverWrittenIsEmpty() throws Exception {
        assertEquals(Optional.empty(), tier().get(key("never-written")));
    }

    @Test
    void putReplacesTheEarlierVersion() throws Exception {
        tier().put(doc("a", "first"));
        ConfigDocument second = tier().put(doc("a", "second"));
        ConfigDocument read = tier().get(key("a")).orElseThrow();
        assertEquals("second", read.body().get("name").asText());
        assertEquals(second.updatedAt(), read.updatedAt());
    }

    @Test
    void deleteLeavesATombstoneThatGetReturns() throws Exception {
        tier().put(doc("a", "Alpha"));
        Instant deletedAt = tick();
        ConfigDocument tombstone = tier().delete(key("a"), deletedAt);
        assertTrue(tombstone.deleted());
        ConfigDocument read = tier().get(key("a")).orElseThrow(() -> new AssertionError("a tombstone must stay"));
        assertTrue(read.deleted(), "a deleted config reads as a tombstone");
        assertEquals(deletedAt, read.updatedAt());
    }

    @Test
    void deleteOfAnUnknownKeyStillStoresATombstone() throws Exception {
        Instant deletedAt = tick();
        tier().delete(key("ghost"), deletedAt);
        ConfigDocument read = tier().get(key("ghost")).orElseThrow();
        assertTrue(read.deleted());
        assertEquals(deletedAt, read.updatedAt());
    }

    @Test
    void putAfterDeleteBringsTheConfigBack() throws Exception {
        tier().put(doc("a", "Alpha"));
        tier().delete(key("a"), tick());
        tier().put(doc("a", "Again"));
        ConfigDocument read = tier().get(key("a")).orElseThrow();
        assertFalse(read.deleted());
        assertEquals("Again", read.body().get("name").asText());
    }

    @Test
    void listKeysReturnsTheKeysOfOneTypeInOrderWithTombstones() throws Exception {
        tier().put(doc("c", "C"));
        tier().put(doc("a", "A"));
        tier().put(doc("b", "B"));
        tier().delete(key("b"), tick());
        assertEquals(List.of(key("a"), key("b"), key("c")), tier().listKeys(type));
        assertTrue(tier().listTypes().contains(type));
        assertEquals(List.of(), tier().listKeys(type + "-empty"));
    }

    @Test
    void unicodeBodiesAndIdsRoundTrip() throws Exception {
        ObjectNode body = ConfigJson.newObject();
        body.put("name", "Café ☕ 🎮 日本語のテキスト — naïve");
        body.put("emoji", "👩‍💻🏳️‍🌈");
        Instant now = tick();
        ConfigKey key = key("scène-配信-🎬");
        tier().put(ConfigDocument.of(key, body, now, now));
        ConfigDocument read = tier().get(key).orElseThrow();
        assertEquals(body, read.body());
        assertEquals(key, read.key());
    }

    @Test
    void changedSinceTheStartIncludesEveryDocumentAndTombstone() throws Exception {
        tier().put(doc("a", "A"));
        tier().put(doc("b", "B"));
        tier().delete(key("b"), tick());
        Map<ConfigKey, ConfigDocument> all = drain(null).documents;
        assertEquals("A", all.get(key("a")).body().get("name").asText());
        assertTrue(all.get(key("b")).deleted());
    }

    @Test
    void changedSinceACursorReturnsOnlyLaterChangesEachKeyOnceInItsLatestState() throws Exception {
        tier().put(doc("before", "old"));
        String cursor = drain(null).cursor;
        tier().put(doc("x", "1"));
        tier().put(doc("y", "1"));
        tier().put(doc("x", "2"));
        tier().delete(key("y"), tick());
        Drained later = drain(cursor);
        Set<ConfigKey> mine = new HashSet<>();
        for (ConfigKey k : later.documents.keySet()) {
            if (k.type().equals(type)) {
                mine.add(k);
            }
        }
        if (listsOnlyChanges()) {
            assertEquals(Set.of(key("x"), key("y")), mine, "only keys changed after the cursor");
        } else {
            assertTrue(mine.containsAll(Set.of(key("x"), key("y"))), "every key changed after the cursor: " + mine);
        }
        assertEquals("2", later.documents.get(key("x")).body().get("name").asText());
        assertTrue(later.documents.get(key("y")).deleted());
        assertTrue(later.keysSeenTwice.isEmpty(), "a key appears once per page: " + later.keysSeenTwice);
        if (listsOnlyChanges()) {
            Drained none = drain(later.cursor);
            assertTrue(none.documents.keySet().stream().noneMatch(k -> k.type().equals(type)),
                    "nothing of ours changed after the last cursor");
        }
    }

    @Test
    void rewritingTheMostRecentlyChangedKeyIsSeenAfterACursorTakenAtIt() throws Exception {
        tier().put(doc("newest", "v1"));
        String cursor = drain(null).cursor;
        tier().put(doc("newest", "v2"));
        Drained later = drain(cursor);
        ConfigDocument seen = later.documents.get(key("newest"));
        assertTrue(seen != null, "the second write of the newest key was skipped");
        assertEquals("v2", seen.body().get("name").asText());
    }

    @Test
    void changedSinceInSmallPagesNeverSkipsAChange() throws Exception {
        String cursor = drain(null).cursor;
        int count = 25;
        for (int i = 0; i < count; i++) {
            tier().put(doc("p" + i, "v" + i));
        }
        Set<ConfigKey> seen = new HashSet<>();
        int pages = 0;
        Changes page;
        do {
            page = tier().changedSince(cursor, 4);
            assertTrue(page.documents().size() <= 4, "a page holds at most the limit");
            page.documents().forEach(d -> seen.add(d.key()));
            cursor = page.nextCursor();
            pages++;
        } while (page.hasMore() && pages < 1000);
        for (int i = 0; i < count; i++) {
            assertTrue(seen.contains(key("p" + i)), "change p" + i + " was skipped");
        }
    }

    @Test
    void changedSinceRefusesABadLimitOrAForeignCursor() {
        assertThrows(IllegalArgumentException.class, () -> tier().changedSince(null, 0));
        assertThrows(IllegalArgumentException.class, () -> tier().changedSince("not a cursor", 10));
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        int writers = concurrentWriters();
        int each = writesPerWriter();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        Instant now = Instant.now();
                        ObjectNode body = ConfigJson.newObject().put("writer", writer).put("i", i);
                        tier().put(ConfigDocument.of(key("w" + writer + "-" + i), body, now, now));
                        tier().put(ConfigDocument.of(key("shared"), body, now, now));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < each; i++) {
                ConfigDocument read = tier().get(key("w" + w + "-" + i))
                        .orElseThrow(() -> new AssertionError("a concurrent write was lost"));
                assertEquals(i, read.body().get("i").asInt());
            }
        }
        ObjectNode shared = tier().get(key("shared")).orElseThrow().body();
        assertTrue(shared.has("writer") && shared.has("i"), "the shared key holds one whole write, not a torn one");
        assertEquals(writers * each + 1, tier().listKeys(type).size());
    }

    @Test
    void invalidKeysAndBodiesAreRefusedBeforeAnythingIsStored() throws Exception {
        for (String bad : new String[] { "../x", "", "a/b", "a\\b", "nul\u0000id", ".", "..", " padded" }) {
            assertThrows(ConfigValidationException.class, () -> key(bad), "id '" + bad + "' must be refused");
        }
        assertThrows(ConfigValidationException.class, () -> new ConfigKey("Bad Type", "x"));
        assertThrows(ConfigValidationException.class, () -> tier().listKeys("../etc"));
        Instant now = tick();
        assertThrows(ConfigValidationException.class,
                () -> ConfigDocument.parse(key("a"), "[1,2]", now, now), "an array is not a config body");
        ConfigValidationException invalid = assertThrows(ConfigValidationException.class,
                () -> ConfigDocument.parse(key("a"), "{\n  \"name\": \"x\",\n  oops\n}", now, now));
        assertEquals(3, invalid.line(), "the error names the line: " + invalid.getMessage());
        String big = "{\"blob\":\"" + "x".repeat(ConfigDocument.MAX_BODY_BYTES) + "\"}";
        assertThrows(ConfigValidationException.class, () -> ConfigDocument.parse(key("a"), big, now, now));
        assertEquals(Optional.empty(), tier().get(key("a")), "nothing was stored by refused input");
    }

    @Test
    void aBodyOfExactlyTheLimitIsAccepted() throws Exception {
        String prefix = "{\"blob\":\"";
        String suffix = "\"}";
        String exact = prefix + "y".repeat(ConfigDocument.MAX_BODY_BYTES - prefix.length() - suffix.length()) + suffix;
        Instant now = tick();
        ConfigDocument doc = ConfigDocument.parse(key("big"), exact, now, now);
        assertEquals(ConfigDocument.MAX_BODY_BYTES, doc.bodySize());
        tier().put(doc);
        assertEquals(ConfigDocument.MAX_BODY_BYTES, tier().get(key("big")).orElseThrow().bodySize());
    }

    @Test
    void aHealthyTierReportsUp() {
        TierHealth health = tier().health();
        assertEquals(TierHealth.Status.UP, health.status(), "reason: " + health.reason());
        assertNotEquals(null, tier().name());
    }

    /** Everything from a cursor to the end, as a map by key (the latest page wins). */
    protected Drained drain(String cursor) throws Exception {
        Drained result = new Drained();
        Changes page;
        int pages = 0;
        do {
            page = tier().changedSince(cursor, 500);
            Set<ConfigKey> inPage = new HashSet<>();
            for (ConfigDocument d : page.documents()) {
                if (!inPage.add(d.key())) {
                    result.keysSeenTwice.add(d.key());
                }
                result.documents.put(d.key(), d);
            }
            cursor = page.nextCursor();
            pages++;
        } while (page.hasMore() && pages < 100_000);
        result.cursor = cursor;
        return result;
    }

    /** What {@link #drain} read. */
    protected static final class Drained {
        public final Map<ConfigKey, ConfigDocument> documents = new HashMap<>();
        public final Set<ConfigKey> keysSeenTwice = new HashSet<>();
        public String cursor;
    }
}
