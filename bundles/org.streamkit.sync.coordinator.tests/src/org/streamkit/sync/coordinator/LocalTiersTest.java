package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.support.ForwardingStorageTier;
import org.streamkit.sync.tier.memory.MemoryStore;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The local tiers at start and in bulk: a clean start reads no tier whole, a tier that missed writes is
 * backfilled when it joins (in a later run too), a start after a crash compares every tier, listings
 * read the first durable tier alone when every one holds every write, and an import commits in batches.
 */
class LocalTiersTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private final ManualTimer timer = new ManualTimer(T0);

    /** A durable tier that counts how it is read and written. */
    private static final class Counted extends ForwardingStorageTier {
        final MemoryStore store;
        final AtomicInteger gets = new AtomicInteger();
        final AtomicInteger wholeReads = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();
        volatile boolean failWrites;

        Counted(String name) {
            store = new MemoryStore(name);
        }

        @Override
        protected StorageTier delegate() {
            return store;
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        public java.util.Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
            gets.incrementAndGet();
            return super.get(key);
        }

        @Override
        public List<ConfigKey> listKeys(String type) throws StorageException {
            wholeReads.incrementAndGet();
            return super.listKeys(type);
        }

        @Override
        public List<ConfigDocument> documents(String type) throws StorageException {
            wholeReads.incrementAndGet();
            return store.documents(type);
        }

        @Override
        public ConfigDocument put(ConfigDocument document) throws StorageException {
            puts.incrementAndGet();
            if (failWrites) {
                throw new StorageException("the disk is full", true);
            }
            return super.put(document);
        }

        @Override
        public List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
            puts.incrementAndGet();
            if (failWrites) {
                throw new StorageException("the disk is full", true);
            }
            return store.putAll(documents);
        }

        void reset() {
            gets.set(0);
            wholeReads.set(0);
            puts.set(0);
        }
    }

    private static ObjectNode body(String name) {
        return ConfigJson.newObject().put("name", name);
    }

    private static ConfigKey key(int i) {
        return new ConfigKey("notes", "n" + i);
    }

    private Coordinator start(Path state, Counted... tiers) throws StorageException {
        Coordinator c = Coordinator.open(state, timer, Runnable::run, Device.settings(), EventSink.NONE);
        int ranking = 400;
        for (Counted t : tiers) {
            c.addTier(new Coordinator.Tier(t, t.name(), ranking--, ranking, false, Duration.ZERO));
        }
        return c;
    }

    private static String name(StorageTier tier, ConfigKey key) throws StorageException {
        return tier.get(key).orElseThrow(() -> new AssertionError(tier.name() + " lacks " + key)).body().path("name").asText();
    }

    @Test
    void aCleanStartReadsNoTierWholeAndATierThatMissedWritesIsBackfilledWhenItJoinsAgain(@TempDir Path state) throws Exception {
        Counted xodus = new Counted("xodus");
        Counted file = new Counted("file");
        try (Coordinator c = start(state, xodus, file)) {
            for (int i = 0; i < 20; i++) {
                c.put(key(i), body("v" + i));
            }
        }
        xodus.reset();
        file.reset();
        try (Coordinator c = start(state, xodus, file)) {
            assertEquals(0, xodus.wholeReads.get() + file.wholeReads.get() + xodus.gets.get() + file.gets.get(),
                    "a start after a clean stop reads nothing of the tiers");
            assertEquals(20, c.list("notes").size());
            assertEquals(0, file.wholeReads.get() + file.gets.get(), "the listing read the first durable tier alone");
            c.removeTier(file);
            for (int i = 20; i < 25; i++) {
                c.put(key(i), body("v" + i)); // the backup tier is away
            }
        }
        assertEquals(20, file.store.listKeys("notes").size());
        try (Coordinator c = start(state, xodus, file)) {
            assertEquals(25, file.store.listKeys("notes").size(), "the tier that missed writes was backfilled when it joined");
            assertEquals("v24", name(file.store, key(24)));
            file.reset();
            assertEquals(25, c.list("notes").size());
            assertEquals(0, file.wholeReads.get(), "once backfilled, the listing reads the first durable tier alone again");
        }
        try (Coordinator c = start(state, xodus, file)) {
            file.reset();
            c.list("notes");
            assertEquals(0, file.wholeReads.get(), "the backfill counted: the next start reads nothing either");
        }
    }

    @Test
    void aTierThatFailedAWriteIsLeftOutOfListingsAndBackfilledAtTheNextStart(@TempDir Path state) throws Exception {
        Counted xodus = new Counted("xodus");
        Counted file = new Counted("file");
        try (Coordinator c = start(state, xodus, file)) {
            c.put(key(1), body("first"));
            file.failWrites = true;
            c.put(key(1), body("second")); // stored by Xodus only
            file.reset();
            assertEquals("second", c.list("notes").get(0).body().path("name").asText());
            assertTrue(file.wholeReads.get() > 0, "with a tier behind, the listing merges every tier");
            file.failWrites = false;
        }
        assertEquals("first", name(file.store, key(1)));
        try (Coordinator c = start(state, xodus, file)) {
            assertEquals("second", name(file.store, key(1)), "backfilled when it joined again");
        }
    }

    @Test
    void aStartAfterACrashComparesEveryTierAndRepairsThem(@TempDir Path state) throws Exception {
        Counted xodus = new Counted("xodus");
        Counted file = new Counted("file");
        try (Coordinator c = start(state, xodus, file)) {
            c.put(key(1), body("one"));
        }
        // A run that ends without stopping (kill -9) after a write reached Xodus and not the backup.
        CoordinatorStore crashed = new CoordinatorStore(state);
        Coordinator running = new Coordinator(crashed, timer, Runnable::run, Device.settings(), EventSink.NONE);
        running.addTier(new Coordinator.Tier(xodus, "xodus", 400, 1, false, Duration.ZERO));
        running.put(key(1), body("two"));
        crashed.close(); // no running.close(): the process died
        assertEquals("one", name(file.store, key(1)));

        try (Coordinator c = start(state, xodus, file)) {
            assertEquals("two", name(file.store, key(1)), "after a crash every tier is compared as it joins");
        }
        xodus.reset();
        file.reset();
        try (Coordinator c = start(state, xodus, file)) {
            assertEquals(0, xodus.wholeReads.get() + file.wholeReads.get(), "repaired, the next start reads nothing whole");
        }
    }

    @Test
    void anImportTakesWhatIsNewerInBatchesAndEveryTierHoldsIt(@TempDir Path state) throws Exception {
        Counted xodus = new Counted("xodus");
        Counted file = new Counted("file");
        try (Coordinator c = start(state, xodus, file)) {
            ConfigDocument here = c.put(key(0), body("here"));
            List<ConfigDocument> versions = new ArrayList<>();
            versions.add(ConfigDocument.of(key(0), body("older"), T0.minusSeconds(3600), T0.minusSeconds(3600)));
            versions.add(ConfigDocument.of(key(0), body("here"), here.createdAt(), here.updatedAt().plusSeconds(60))); // same body
            Instant at = T0.minusSeconds(60);
            for (int i = 1; i <= 1000; i++) {
                versions.add(ConfigDocument.of(key(i), body("imported " + i), at, at));
            }
            versions.add(ConfigDocument.of(key(7), body("newer 7"), at, at.plusSeconds(1))); // the same key twice: the newer counts
            xodus.reset();
            file.reset();

            List<ConfigKey> taken = c.importVersions(versions);

            assertEquals(1000, taken.size(), "the 1,000 new configs, not the older or same version of n0");
            assertEquals(key(1), taken.get(0), "in the order given");
            assertTrue(xodus.puts.get() == 1 && file.puts.get() == 1,
                    "one write per tier for the batch, not one per config: " + xodus.puts.get());
            for (Counted t : List.of(xodus, file)) {
                assertEquals(1001, t.store.listKeys("notes").size());
                assertEquals("here", name(t.store, key(0)));
                assertEquals("imported 999", name(t.store, key(999)));
                assertEquals("newer 7", name(t.store, key(7)));
            }
            assertTrue(c.importVersions(versions).isEmpty(), "importing the same again takes nothing");
        }
    }
}
