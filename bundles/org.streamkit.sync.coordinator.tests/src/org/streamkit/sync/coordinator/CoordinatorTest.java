package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.testing.TestRemote;
import org.streamkit.sync.tier.memory.MemoryStore;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The coordinator's rules, on in-memory tiers and a hand-driven clock. */
class CoordinatorTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final ConfigKey KEY = new ConfigKey("text-cyclers", "intro");

    private final ManualTimer timer = new ManualTimer(T0);

    private static ObjectNode body(String name) {
        return ConfigJson.newObject().put("name", name);
    }

    private static ConfigDocument doc(ConfigKey key, String name, Instant at) {
        return ConfigDocument.of(key, body(name), at, at);
    }

    @Test
    void readsFallBackInRankOrderAndRefillTheTiersAbove(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.primary.put(doc(KEY, "from xodus", T0));
            assertEquals("from xodus", device.coordinator.get(KEY).orElseThrow().body().get("name").asText());
            assertEquals("from xodus", device.cache.get(KEY).orElseThrow().body().get("name").asText(),
                    "the memory tier above was refilled");

            ConfigKey remoteOnly = new ConfigKey("notes", "only-in-the-cloud");
            cloud.put(doc(remoteOnly, "from the cloud", T0));
            assertEquals("from the cloud", device.coordinator.get(remoteOnly).orElseThrow().body().get("name").asText());
            assertTrue(device.cache.get(remoteOnly).isPresent() && device.primary.get(remoteOnly).isPresent(),
                    "every local tier above the cloud was refilled");
        }
    }

    @Test
    void listingMergesEveryTierAndAddsWhatOnlyARemoteHolds(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.put(new ConfigKey("notes", "local"), body("here"));
            device.primary.put(doc(new ConfigKey("notes", "newer-here"), "newer", T0.plusSeconds(60)));
            server.store(doc(new ConfigKey("notes", "newer-here"), "older remote copy", T0));
            for (int i = 0; i < 30; i++) {
                server.store(doc(new ConfigKey("notes", "remote-" + i), "remote " + i, T0));
            }
            server.store(ConfigDocument.tombstone(new ConfigKey("notes", "gone"), T0, T0));
            List<ConfigDocument> all = device.coordinator.list("notes");
            assertEquals(32, all.size(), "2 local + 30 only in the cloud; the remote tombstone is not listed");
            assertEquals("newer", all.stream().filter(d -> d.id().equals("newer-here")).findFirst().orElseThrow()
                    .body().get("name").asText(), "local copies are not replaced by a listing");
            cloud.partition(true);
            assertEquals(2, device.coordinator.list("notes").size(), "an unreachable remote adds nothing and fails nothing");
        }
    }

    @Test
    void aTombstoneIsAHitThatMeansDeleted(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            cloud.put(doc(KEY, "still in the cloud", T0));
            device.primary.put(ConfigDocument.tombstone(KEY, T0, T0.plusSeconds(1)));
            assertTrue(device.coordinator.get(KEY).isEmpty(), "the local tombstone answers: deleted");
            assertTrue(device.coordinator.getIncludingDeleted(KEY).orElseThrow().deleted());
        }
    }

    @Test
    void aRemoteAddedAfterConfigsWereMadeHereIsSentEveryLiveConfigItLacks(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        ConfigKey onServer = new ConfigKey("notes", "from-the-server");
        server.store(doc(onServer, "Made on another device", T0.minusSeconds(60)));
        ConfigKey deleted = new ConfigKey("notes", "deleted-here");
        try (Device device = new Device(state, timer, Device.settings())) {
            ConfigDocument intro = device.coordinator.put(KEY, body("Made before the cloud was set up"));
            ConfigDocument swap = device.coordinator.put(new ConfigKey("swaps", "cam"), body("Camera"));
            device.coordinator.put(deleted, body("Gone"));
            device.coordinator.delete(deleted);
            assertEquals(0, device.coordinator.outbox().size(), "no remote yet: nothing waits");

            // The first pull reads the remote whole: what it holds comes here, what it lacks goes there.
            device.coordinator.addTier(Device.tier(cloud, 100, Duration.ofSeconds(1)));
            assertEquals("Made on another device", device.local().field(onServer, "name"), "pulled into the local tiers");
            assertEquals(SyncState.PENDING, device.coordinator.state(KEY, "cloud"));
            timer.advance(Duration.ofMillis(1));
            assertEquals(Map.of(KEY, intro, swap.key(), swap),
                    cloud.accepted().stream().collect(Collectors.toMap(ConfigDocument::key, d -> d)),
                    "the live configs made here reach the remote once; a config deleted before it knew it does not");
            assertTrue(server.stored(deleted).isEmpty());
            assertEquals(0, device.coordinator.outbox().size());

            // A later pull goes on from its cursor and sends nothing again.
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(2));
            assertEquals(2, cloud.accepted().size());
        }
    }

    @Test
    void aRemoteTurnedOffIsForgottenWithItsWaitingWritesAndCatchesUpWhenTurnedOnAgain(@TempDir Path state)
            throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            Coordinator.Tier tier = device.coordinator.tiers().stream().filter(t -> t.name().equals("cloud")).findFirst()
                    .orElseThrow();
            device.coordinator.put(KEY, body("v1"));
            assertEquals(SyncState.PENDING, device.coordinator.state(KEY, "cloud"));

            // Turned off (the tier registers again, disabled): out of the chain, nothing waits for it.
            device.coordinator.removeTier(tier.tier());
            device.coordinator.turnedOff("cloud");
            assertEquals(List.of(), device.coordinator.outbox());
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
            assertTrue(device.coordinator.status().tiers().stream().noneMatch(t -> t.name().equals("cloud")),
                    "a tier turned off is not shown as missing");
            ConfigDocument v2 = device.coordinator.put(KEY, body("v2, made while the cloud is off"));
            assertEquals(List.of(), device.coordinator.outbox(), "writes made while it is off do not wait for it");
            timer.advance(Duration.ofSeconds(5));
            assertEquals(List.of(), cloud.accepted());

            // Turned on again: read from the beginning, and sent what it lacks.
            device.coordinator.addTier(Device.tier(cloud, 100, Duration.ofSeconds(1)));
            timer.advance(Duration.ofMillis(1));
            assertEquals(List.of(v2), cloud.accepted());
        }
    }

    @Test
    void aWriteReachesEveryLocalTierAtOnceAndTheRemoteOnlyAfterItsDebounce(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            ConfigDocument saved = device.coordinator.put(KEY, body("v1"));
            assertEquals(saved, device.cache.get(KEY).orElseThrow());
            assertEquals(saved, device.primary.get(KEY).orElseThrow());
            assertEquals(SyncState.PENDING, device.coordinator.state(KEY, "cloud"));
            timer.advance(Duration.ofMillis(999));
            assertEquals(List.of(), cloud.accepted(), "nothing leaves before the debounce");
            timer.advance(Duration.ofMillis(1));
            assertEquals(List.of(saved), cloud.accepted());
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
            assertEquals(0, device.coordinator.outbox().size());
        }
    }

    @Test
    void aThousandRapidEditsOfOneConfigBecomeOneRemoteWriteWithTheLastState(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.addTier(Device.tier(obs, 150, Duration.ofSeconds(2)));
            for (int i = 0; i < 1000; i++) {
                device.coordinator.put(KEY, body("edit " + i));
                timer.advance(Duration.ofNanos(900_000)); // 1,000 edits in 0.9 s
            }
            timer.advance(Duration.ofSeconds(3));
            assertEquals(1, cloud.accepted().size(), "one cloud write for 1,000 edits");
            assertEquals("edit 999", cloud.accepted().get(0).body().get("name").asText());
            assertEquals(1, obs.accepted().size(), "one OBS write for 1,000 edits");
            assertEquals("edit 999", obs.accepted().get(0).body().get("name").asText());
        }
    }

    @Test
    void aConfigEditedWithoutPauseStillReachesTheRemoteWithinTenDebounces(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            for (int i = 0; i < 150; i++) { // an edit every 100 ms for 15 s; the debounce is 1 s
                device.coordinator.put(KEY, body("tick " + i));
                timer.advance(Duration.ofMillis(100));
            }
            assertTrue(cloud.accepted().size() >= 1 && cloud.accepted().size() <= 2, "writes: " + cloud.accepted().size());
            assertEquals("tick 99", cloud.accepted().get(0).body().get("name").asText(),
                    "the first write left 10 s after the first edit, with the state of that moment");
        }
    }

    @Test
    void aThousandEditsPerSecondOnTenConfigsForTenSecondsCauseFewRemoteWrites(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            int edits = 0;
            for (int ms = 0; ms < 10_000; ms++) {
                device.coordinator.put(new ConfigKey("notes", "k" + ms % 10), body("edit " + edits++));
                timer.advance(Duration.ofMillis(1));
            }
            timer.advance(Duration.ofSeconds(3));
            int writes = cloud.accepted().size();
            assertTrue(writes <= 0.005 * edits, writes + " remote writes for " + edits + " edits");
            for (int k = 0; k < 10; k++) {
                ConfigKey key = new ConfigKey("notes", "k" + k);
                assertEquals(device.coordinator.get(key).orElseThrow().bodyJson(),
                        cloud.get(key).orElseThrow().bodyJson(), "the remote holds the last state of " + key);
            }
        }
    }

    @Test
    void aNewerTombstoneBeatsAnEditAndANewerEditBeatsATombstone(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            ConfigDocument mine = device.coordinator.put(KEY, body("mine"));
            timer.advance(Duration.ofSeconds(2));
            server.store(ConfigDocument.tombstone(KEY, mine.createdAt(), mine.updatedAt().plusSeconds(5)));
            device.coordinator.syncNow();
            assertTrue(device.coordinator.get(KEY).isEmpty(), "the newer delete from the cloud wins");

            server.store(doc(KEY, "revived elsewhere", mine.updatedAt().plusSeconds(10)));
            device.coordinator.syncNow();
            assertEquals("revived elsewhere", device.coordinator.get(KEY).orElseThrow().body().get("name").asText(),
                    "a newer edit beats the tombstone");

            server.store(ConfigDocument.tombstone(KEY, mine.createdAt(), mine.updatedAt().plusSeconds(7)));
            device.coordinator.syncNow();
            assertEquals("revived elsewhere", device.coordinator.get(KEY).orElseThrow().body().get("name").asText(),
                    "an older delete does not beat a newer edit");
        }
    }

    @Test
    void equalStampsResolveTheSameWayOnEveryDevice() {
        ConfigDocument a = doc(KEY, "alpha", T0);
        ConfigDocument b = doc(KEY, "beta", T0);
        ConfigDocument gone = ConfigDocument.tombstone(KEY, T0, T0);
        assertEquals(Lww.winner(a, b), Lww.winner(b, a));
        assertEquals("beta", Lww.winner(a, b).body().get("name").asText());
        assertEquals(gone, Lww.winner(a, gone), "on equal stamps the delete wins");
        assertEquals(gone, Lww.winner(gone, a));
    }

    @Test
    void aDeviceTenMinutesBehindStillOrdersItsEditAfterWhatItHasSeen(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        Timer behind = timer.skewed(Duration.ofMinutes(-10));
        try (Device device = new Device(state, behind, Device.settings(), cloud)) {
            server.store(doc(KEY, "from a device with the right time", T0));
            device.coordinator.syncNow();
            ConfigDocument edit = device.coordinator.put(KEY, body("edited on the slow device"));
            assertTrue(edit.updatedAt().isAfter(T0), "stamped after what it saw, not 10 minutes before: " + edit.updatedAt());
            timer.advance(Duration.ofSeconds(2));
            assertEquals("edited on the slow device", server.stored(KEY).orElseThrow().body().get("name").asText());
        }
    }

    @Test
    void anEditIsStampedAfterTheVersionItReplacesWhateverTheClocksSay(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        Instant farFuture = T0.plus(Duration.ofDays(2)); // a device whose clock runs two days ahead
        cloud.server().store(doc(KEY, "from the fast device", farFuture));
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.syncNow();
            assertEquals("from the fast device", device.local().field(KEY, "name"));
            ConfigDocument edit = device.coordinator.put(KEY, body("edited here"));
            assertTrue(edit.updatedAt().isAfter(farFuture), "the edit wins over what it replaced: " + edit.updatedAt());
            timer.advance(Duration.ofSeconds(2));
            assertEquals("edited here", cloud.server().stored(KEY).orElseThrow().body().get("name").asText());

            ConfigDocument other = device.coordinator.put(new ConfigKey("notes", "unrelated"), body("another config"));
            assertTrue(other.updatedAt().isBefore(T0.plus(HybridClock.MAX_DRIFT).plusSeconds(10)),
                    "one far-future stamp does not pin the stamps of every other config: " + other.updatedAt());
        }
    }

    @Test
    void aDeviceWhoseClockIsBehindStillStampsAfterWhatItReplacedAfterARestart(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        MemoryStore cache = new MemoryStore("memory");
        MemoryStore primary = new MemoryStore("xodus");
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(2));
        }
        cloud.server().store(doc(KEY, "v2 from a device on time", T0.plusSeconds(60)));
        // The same device restarts with its clock set back 10 minutes, then pulls and edits.
        try (Device device = new Device(state, timer.skewed(Duration.ofMinutes(-10)), Device.settings(), new MemoryStore("memory"),
                primary, cloud)) {
            device.coordinator.syncNow();
            ConfigDocument v3 = device.coordinator.put(KEY, body("v3"));
            assertTrue(v3.updatedAt().isAfter(T0.plusSeconds(60)), "v3 " + v3.updatedAt());
            assertEquals("v3", device.local().field(KEY, "name"));
            assertTrue(device.coordinator.history(KEY).stream().noneMatch(d -> d.body().path("name").asText().equals("v3")),
                    "the edit did not go to history");
        }
    }

    @Test
    void twoDevicesEditingInTheSameMillisecondNeverMakeTheSameStamp(@TempDir Path state) throws Exception {
        TestRemote.Server server = new TestRemote.Server("shared");
        try (Device a = new Device(state.resolve("a"), timer, Device.settings(), new TestRemote("cloud", server));
                Device b = new Device(state.resolve("b"), timer, Device.settings(), new TestRemote("cloud", server))) {
            ConfigDocument fromA = a.coordinator.put(KEY, body("a"));
            ConfigDocument fromB = b.coordinator.put(KEY, body("b"));
            // Tags are random per device: equal only one time in a thousand, and then the body decides.
            assertTrue(!fromA.updatedAt().equals(fromB.updatedAt()) || Lww.winner(fromA, fromB) == Lww.winner(fromB, fromA));
            timer.advance(Duration.ofSeconds(2));
            a.coordinator.syncNow();
            b.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(2));
            a.coordinator.syncNow();
            ConfigDocument winner = Lww.winner(fromA, fromB);
            assertTrue(winner.sameVersion(a.local().version(KEY).orElseThrow()), "device a holds the winner");
            assertTrue(winner.sameVersion(b.local().version(KEY).orElseThrow()), "device b holds the winner");
            assertTrue(winner.sameVersion(server.stored(KEY).orElseThrow()), "the server holds the winner");
        }
    }

    @Test
    void theEchoOfAnOwnWriteIsNoConflictWithTheEditMadeAfterIt(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        Settings ask = new Settings(true, 20, Duration.ZERO, true, Duration.ofSeconds(1), Duration.ofMinutes(5));
        try (Device device = new Device(state, timer, ask, cloud)) {
            Coordinator.Tier tier = device.coordinator.tiers().stream().filter(t -> t.name().equals("cloud")).findFirst()
                    .orElseThrow();
            ConfigDocument v1 = device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(2));
            assertTrue(v1.sameVersion(server.stored(KEY).orElseThrow()), "the server keeps the edit's own stamp");

            // Edited again here, then a pull brings the server's copy of v1: a version this side had, not a
            // change made elsewhere. The edit stays and goes out; nothing asks for a decision.
            device.coordinator.put(KEY, body("v2"));
            device.coordinator.pull(tier);
            assertEquals(List.of(), device.coordinator.conflicts());
            assertEquals(SyncState.PENDING, device.coordinator.state(KEY, "cloud"));
            assertEquals("v2", device.local().field(KEY, "name"));
            device.coordinator.delete(KEY);
            device.coordinator.pull(tier);
            assertEquals(List.of(), device.coordinator.conflicts(), "a deletion after it neither");
            timer.advance(Duration.ofSeconds(2));
            assertTrue(server.stored(KEY).orElseThrow().deleted(), "the deletion reaches the server");
        }
    }

    @Test
    void theOutboxSurvivesARestartAndDeliversWhenTheRemoteIsBack(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        MemoryStore cache = new MemoryStore("memory");
        MemoryStore primary = new MemoryStore("xodus");
        cloud.partition(true);
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            device.coordinator.put(KEY, body("written offline"));
            timer.advance(Duration.ofSeconds(5));
            assertEquals(SyncState.OFFLINE, device.coordinator.state(KEY, "cloud"));
        }
        cloud.partition(false);
        // A new coordinator on the same state folder: the framework restarted.
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            assertEquals(1, device.coordinator.outbox().size(), "the pending write survived the restart");
            timer.advance(Duration.ofMinutes(1));
            assertEquals(1, cloud.accepted().size());
            assertEquals("written offline", cloud.accepted().get(0).body().get("name").asText());
            assertEquals(0, device.coordinator.outbox().size());
        }
    }

    @Test
    void drops500sLostAcksAnd429sStillDeliverEveryWriteOnce(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        cloud.failNext(TestRemote.Fault.DROP, TestRemote.Fault.RATE_LIMITED, TestRemote.Fault.DROP);
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(1));
            assertEquals(List.of(), cloud.accepted());
            assertEquals(SyncState.PENDING, device.coordinator.state(KEY, "cloud"));
            timer.advance(Duration.ofSeconds(29));
            assertEquals(List.of(), cloud.accepted(), "Retry-After: 30 s is honoured");
            timer.advance(Duration.ofMinutes(2));
            assertEquals(1, cloud.accepted().size(), "delivered once after the failures");
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
            assertEquals(3, device.coordinator.status().metrics().deliveryErrors());

            cloud.failNext(TestRemote.Fault.LOSE_ACK);
            device.coordinator.put(KEY, body("v2"));
            timer.advance(Duration.ofMinutes(2));
            List<ConfigDocument> v2 = cloud.accepted().stream().filter(d -> d.body().get("name").asText().equals("v2")).toList();
            assertEquals(1, v2.size(), "after a lost acknowledgement, the read before the retry finds the write landed");
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
            timer.advance(Duration.ofMinutes(10));
            assertEquals(2, cloud.accepted().size(), "each version reached the remote exactly once");
        }
    }

    @Test
    void aWriteTheRemoteRefusesForGoodIsParkedUntilTheUserRetries(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        cloud.failNext(TestRemote.Fault.REJECT);
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.put(KEY, body("refused"));
            timer.advance(Duration.ofMinutes(30));
            assertEquals(SyncState.FAILED, device.coordinator.state(KEY, "cloud"));
            assertTrue(device.coordinator.outbox().get(0).failed());
            assertTrue(device.coordinator.outbox().get(0).lastError().contains("refused"));
            assertEquals(List.of(), cloud.accepted(), "not retried on its own");
            device.coordinator.retry(KEY, "cloud");
            timer.runDue();
            assertEquals(1, cloud.accepted().size());
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
        }
    }

    @Test
    void aStaleDeviceNeverDeletesOrOverwritesNewerRemoteConfigs(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        MemoryStore cache = new MemoryStore("memory");
        MemoryStore primary = new MemoryStore("xodus");
        Instant weekAgo = T0.minus(Duration.ofDays(7));
        ConfigKey a = new ConfigKey("swaps", "a");
        ConfigKey b = new ConfigKey("swaps", "b");
        primary.put(doc(a, "old a", weekAgo));
        for (int i = 0; i < 50; i++) {
            server.store(doc(new ConfigKey("swaps", "s" + i), "remote " + i, T0));
        }
        server.store(doc(a, "new a", T0));
        server.store(doc(b, "new b", T0));
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            timer.advance(Duration.ofMinutes(1));
            device.coordinator.syncNow();
            timer.advance(Duration.ofMinutes(1));
            assertEquals("new a", device.coordinator.get(a).orElseThrow().body().get("name").asText());
            assertEquals(52, device.coordinator.list("swaps").size());
            assertEquals(52, server.keys("swaps").size(), "nothing was deleted remotely");
            assertTrue(server.keys("swaps").stream().allMatch(k -> !server.stored(k).orElseThrow().deleted()));
            assertEquals("new a", server.stored(a).orElseThrow().body().get("name").asText(), "nothing was overwritten remotely");
            assertTrue(cloud.accepted().isEmpty(), "the stale device sent nothing");
            assertEquals("old a", device.coordinator.history(a).get(0).body().get("name").asText(),
                    "the replaced local version is kept in history");
        }
    }

    @Test
    void askPolicyKeepsBothVersionsUntilAPersonResolves(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        try (Device device = new Device(state, timer, Device.settings().withAskOnConflict(true), cloud)) {
            cloud.partition(true);
            device.coordinator.put(KEY, body("mine"));
            server.store(doc(KEY, "theirs", T0.plusSeconds(30)));
            cloud.partition(false);
            device.coordinator.syncNow();
            List<Conflict> open = device.coordinator.conflicts();
            assertEquals(1, open.size());
            assertEquals("mine", open.get(0).mine().body().get("name").asText());
            assertEquals("theirs", open.get(0).theirs().body().get("name").asText());
            assertEquals(SyncState.CONFLICT, device.coordinator.state(KEY, "cloud"));
            assertEquals("mine", device.coordinator.get(KEY).orElseThrow().body().get("name").asText(), "nothing overwritten");
            timer.advance(Duration.ofMinutes(5));
            assertEquals("theirs", server.stored(KEY).orElseThrow().body().get("name").asText(), "nothing sent while open");

            device.coordinator.resolve(KEY, body("merged"), "merged");
            timer.advance(Duration.ofSeconds(2));
            assertTrue(device.coordinator.conflicts().isEmpty());
            assertEquals("merged", server.stored(KEY).orElseThrow().body().get("name").asText());
            assertEquals("merged", device.coordinator.conflictLog(KEY).get(0).resolution());
            assertTrue(device.coordinator.history(KEY).stream().anyMatch(d -> d.body().get("name").asText().equals("mine")));
        }
    }

    @Test
    void workingOfflineSendsPullsAndReadsNothingRemoteUntilTurnedOff(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        MemoryStore cache = new MemoryStore("memory");
        MemoryStore primary = new MemoryStore("xodus");
        ConfigKey remoteOnly = new ConfigKey("notes", "only-in-the-cloud");
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            assertFalse(device.coordinator.workingOffline());
            device.coordinator.workOffline(true);
            assertTrue(device.coordinator.workingOffline());
            device.coordinator.put(KEY, body("written offline"));
            assertEquals(SyncState.OFFLINE, device.coordinator.state(KEY, "cloud"));
            assertTrue(device.events.contains("text-cyclers/intro cloud OFFLINE"), device.events.toString());
            assertTrue(device.coordinator.status().offline(), "the status says nothing reaches a remote tier");
            server.store(doc(remoteOnly, "from the cloud", T0));
            device.coordinator.syncNow();
            timer.advance(Duration.ofMinutes(10));
            assertEquals(List.of(), cloud.accepted(), "nothing is sent while working offline");
            assertTrue(device.coordinator.get(remoteOnly).isEmpty(), "reads do not ask the remote tier");
            assertTrue(device.coordinator.list("notes").isEmpty(), "listings do not ask the remote tier");
            assertEquals(1, device.coordinator.outbox().size(), "the edit waits in the outbox");
        }
        // A new coordinator on the same state folder: the framework restarted, and the choice was kept.
        try (Device device = new Device(state, timer, Device.settings(), cache, primary, cloud)) {
            assertTrue(device.coordinator.workingOffline(), "work offline survives a restart");
            timer.advance(Duration.ofMinutes(1));
            assertEquals(List.of(), cloud.accepted());

            device.coordinator.workOffline(false);
            assertFalse(device.coordinator.workingOffline());
            assertEquals(1, cloud.accepted().size(), "turning it off delivers what is due");
            assertEquals("written offline", server.stored(KEY).orElseThrow().body().get("name").asText());
            assertEquals(SyncState.SYNCED, device.coordinator.state(KEY, "cloud"));
            assertEquals("from the cloud", primary.get(remoteOnly).orElseThrow().body().get("name").asText(),
                    "turning it off pulls what changed remotely");
            assertFalse(device.coordinator.status().offline());
        }
    }

    @Test
    void automaticResolutionIsRecordedAndTheLoserKeptInHistory(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote.Server server = cloud.server();
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            cloud.partition(true);
            ConfigDocument mine = device.coordinator.put(KEY, body("mine"));
            server.store(doc(KEY, "theirs, newer", mine.updatedAt().plusSeconds(1)));
            cloud.partition(false);
            device.coordinator.syncNow();
            assertEquals("theirs, newer", device.coordinator.get(KEY).orElseThrow().body().get("name").asText());
            assertEquals("auto:theirs", device.coordinator.conflictLog(KEY).get(0).resolution());
            ConfigDocument lost = device.coordinator.history(KEY).get(0);
            assertEquals("mine", lost.body().get("name").asText());
            ConfigDocument restored = device.coordinator.restore(KEY, lost.updatedAt());
            assertEquals("mine", restored.body().get("name").asText());
            timer.advance(Duration.ofSeconds(2));
            assertEquals("mine", server.stored(KEY).orElseThrow().body().get("name").asText(), "a restore is a new version");
        }
    }

    @Test
    void anAuditFindsAndRepairsAStaleLocalTier(@TempDir Path state) throws Exception {
        try (Device device = new Device(state, timer, Device.settings())) {
            for (int i = 0; i < 10; i++) {
                device.coordinator.put(new ConfigKey("notes", "n" + i), body("v" + i));
            }
            ConfigKey n3 = new ConfigKey("notes", "n3");
            device.cache.put(doc(n3, "stale", T0.minusSeconds(60)));
            device.primary.put(doc(new ConfigKey("notes", "only-primary"), "lonely", T0));
            var report = device.coordinator.audit(true);
            assertEquals(11, report.checked());
            assertEquals(2, report.repaired(), report.differences().toString());
            assertEquals("v3", device.cache.get(n3).orElseThrow().body().get("name").asText());
            assertTrue(device.cache.get(new ConfigKey("notes", "only-primary")).isPresent());
            assertTrue(device.coordinator.audit(false).differences().isEmpty());
        }
    }

    @Test
    void badInputIsRefusedAndNothingStoredChanges(@TempDir Path state) throws Exception {
        try (Device device = new Device(state, timer, Device.settings())) {
            device.coordinator.put(KEY, body("good"));
            ObjectNode huge = ConfigJson.newObject().put("blob", "x".repeat(ConfigDocument.MAX_BODY_BYTES));
            assertThrows(ConfigValidationException.class, () -> device.coordinator.put(KEY, huge));
            assertThrows(ConfigValidationException.class, () -> device.coordinator.put(KEY, null));
            assertEquals("good", device.coordinator.get(KEY).orElseThrow().body().get("name").asText());
            assertEquals(0, device.coordinator.history(KEY).size(), "a refused write leaves no trace");
        }
    }

    @Test
    void withNoLocalTierAWriteFailsWithAClearError(@TempDir Path state) throws Exception {
        CoordinatorStore store = new CoordinatorStore(state);
        try (Coordinator empty = new Coordinator(store, timer, Runnable::run, Device.settings(), EventSink.NONE)) {
            StorageException e = assertThrows(StorageException.class, () -> empty.put(KEY, body("x")));
            assertTrue(e.getMessage().contains("No durable local tier"), e.getMessage());
        } finally {
            store.close();
        }
    }

    @Test
    void offlineWritesAreDeliveredWhenTheRemoteJoinsBeforeTheLocalTiersAtTheNextStart(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        MemoryStore primary = new MemoryStore("xodus");
        try (Device device = new Device(state, timer, Device.settings(), new MemoryStore("memory"), primary, cloud)) {
            device.coordinator.syncNow();
            cloud.partition(true);
            for (int i = 0; i < 4; i++) {
                device.coordinator.put(new ConfigKey("notes", "offline-" + i), body("written offline " + i));
            }
            timer.advance(Duration.ofSeconds(5));
            assertEquals(4, device.coordinator.outbox().size());
        }
        cloud.partition(false);
        // The next start: the cloud tier registers first; the local tiers join afterwards.
        CoordinatorStore store = new CoordinatorStore(state);
        try (Coordinator restarted = new Coordinator(store, timer, Runnable::run, Device.settings(), EventSink.NONE)) {
            restarted.addTier(Device.tier(cloud, 100, Duration.ofSeconds(1)));
            timer.advance(Duration.ofSeconds(5));
            assertFalse(restarted.ready(), "no durable local tier yet");
            assertEquals(4, restarted.outbox().size(), "nothing is decided before the local tiers are there");
            assertEquals(List.of(), cloud.accepted());
            restarted.addTier(Coordinator.Tier.cache(new MemoryStore("memory"), "memory", 500, 1));
            timer.advance(Duration.ofSeconds(5));
            assertFalse(restarted.ready(), "a cache alone is not durable");
            assertEquals(List.of(), cloud.accepted());
            restarted.addTier(new Coordinator.Tier(primary, "xodus", 400, 2, false, Duration.ZERO));
            timer.advance(Duration.ofSeconds(5));
            assertEquals(0, restarted.outbox().size(), "every acknowledged offline write was delivered");
            for (int i = 0; i < 4; i++) {
                assertEquals("written offline " + i, cloud.server().stored(new ConfigKey("notes", "offline-" + i))
                        .orElseThrow().body().get("name").asText());
            }
        } finally {
            store.close();
        }
    }

    @Test
    void aPullStoresWhatItReadBeforeItsCursorMovesOn(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        ConfigKey first = new ConfigKey("notes", "first");
        cloud.server().store(doc(first, "made elsewhere", T0));
        FailingTier primary = new FailingTier(new MemoryStore("xodus"));
        CoordinatorStore store = new CoordinatorStore(state);
        try (Coordinator device = new Coordinator(store, timer, Runnable::run, Device.settings(), EventSink.NONE)) {
            Coordinator.Tier remote = Device.tier(cloud, 100, Duration.ofSeconds(1));
            device.addTier(remote);
            assertFalse(device.pull(remote), "no pull before a durable local tier is there");
            assertEquals(null, store.cursor("cloud"));

            primary.failing = true;
            device.addTier(new Coordinator.Tier(primary, "xodus", 400, 2, false, Duration.ZERO));
            assertFalse(device.pull(remote), "the local tier refused the change: the pull stops");
            assertEquals(null, store.cursor("cloud"), "the cursor did not move past a change that was not stored");

            primary.failing = false;
            assertTrue(device.pull(remote));
            assertEquals("made elsewhere", primary.store.get(first).orElseThrow().body().get("name").asText(),
                    "the change was pulled, not skipped");
        } finally {
            store.close();
        }
    }

    @Test
    void aConfigNewOnOneRemoteReachesEveryOtherRemote(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        TestRemote obs = new TestRemote("obs");
        ConfigKey pulled = new ConfigKey("layouts", "from-the-cloud");
        ConfigKey read = new ConfigKey("layouts", "read-through");
        try (Device device = new Device(state, timer, Device.settings(), cloud, obs)) {
            cloud.server().store(doc(pulled, "pulled from the cloud", T0));
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(3));
            assertEquals("pulled from the cloud", obs.server().stored(pulled).orElseThrow().body().get("name").asText());

            cloud.server().store(doc(read, "read through the cloud", T0));
            assertEquals("read through the cloud", device.coordinator.get(read).orElseThrow().body().get("name").asText());
            timer.advance(Duration.ofSeconds(3));
            assertEquals("read through the cloud", device.local().field(read, "name"), "the read refilled the local tiers");
            assertEquals("read through the cloud", obs.server().stored(read).orElseThrow().body().get("name").asText(),
                    "and the other remote got it too");

            ConfigDocument gone = cloud.server().store(ConfigDocument.tombstone(pulled, T0, T0.plusSeconds(5)));
            device.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(3));
            assertTrue(obs.server().stored(pulled).orElseThrow().sameVersion(gone), "a delete travels on as well");
        }
    }

    @Test
    void anOlderEditWaitingInAnOutboxNeverUndoesALaterDelete(@TempDir Path state) throws Exception {
        TestRemote.Server server = new TestRemote.Server("shared");
        TestRemote linkA = new TestRemote("cloud", server);
        try (Device a = new Device(state.resolve("a"), timer, Device.settings(), linkA);
                Device b = new Device(state.resolve("b"), timer, Device.settings(), new TestRemote("cloud", server))) {
            a.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(2));
            b.coordinator.syncNow();
            linkA.partition(true);
            a.coordinator.put(KEY, body("edited on A, offline"));
            timer.advance(Duration.ofSeconds(1));
            ConfigDocument deleted = b.coordinator.delete(KEY);
            timer.advance(Duration.ofSeconds(2));
            assertTrue(server.stored(KEY).orElseThrow().deleted());

            linkA.partition(false);
            a.coordinator.syncNow();
            timer.advance(Duration.ofMinutes(1));
            b.coordinator.syncNow();
            assertTrue(deleted.sameVersion(server.stored(KEY).orElseThrow()), "the later delete stays on the server");
            assertTrue(deleted.sameVersion(a.local().version(KEY).orElseThrow()), "and reaches A");
            assertTrue(deleted.sameVersion(b.local().version(KEY).orElseThrow()), "and stays on B");
            assertTrue(a.coordinator.history(KEY).stream().anyMatch(d -> d.body().path("name").asText().equals("edited on A, offline")),
                    "A's older edit is kept in its history");
        }
    }

    @Test
    void pullsAndPeriodicSyncsLeaveTheBackoffOfWaitingWritesAlone(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        cloud.failNext(TestRemote.Fault.SERVER_ERROR);
        Settings settings = new Settings(false, 20, Duration.ofSeconds(10), true, Duration.ofMinutes(2), Duration.ofMinutes(10),
                Duration.ZERO);
        try (Device device = new Device(state, timer, settings, cloud)) {
            Coordinator.Tier tier = device.coordinator.tiers().stream().filter(t -> t.name().equals("cloud")).findFirst()
                    .orElseThrow();
            device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(1));
            assertEquals(1, device.coordinator.outbox().get(0).attempts(), "the first delivery failed");
            Instant next = device.coordinator.outbox().get(0).nextAttempt();
            assertTrue(next.isAfter(timer.now().plusSeconds(50)), "backoff of a minute or more: " + next);
            for (int i = 0; i < 5; i++) {
                device.coordinator.pull(tier); // as a server's change events do
            }
            timer.advance(Duration.ofSeconds(45)); // four periodic syncs
            assertEquals(List.of(), cloud.accepted(), "nothing went before its next attempt");
            assertEquals(1, device.coordinator.outbox().get(0).attempts());
            assertEquals(next, device.coordinator.outbox().get(0).nextAttempt());
            timer.advance(Duration.ofMinutes(3));
            assertEquals(1, cloud.accepted().size(), "delivered once its backoff was over");
        }
    }

    @Test
    void writesWaitingForAnUnreachableRemoteGoAsSoonAsItAnswersAgain(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        Settings settings = new Settings(false, 20, Duration.ZERO, true, Duration.ofMinutes(2), Duration.ofMinutes(10),
                Duration.ZERO);
        try (Device device = new Device(state, timer, settings, cloud)) {
            Coordinator.Tier tier = device.coordinator.tiers().stream().filter(t -> t.name().equals("cloud")).findFirst()
                    .orElseThrow();
            cloud.partition(true);
            device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(1));
            assertEquals(1, device.coordinator.outbox().get(0).attempts());
            cloud.partition(false);
            assertTrue(device.coordinator.pull(tier));
            timer.runDue();
            assertEquals(1, cloud.accepted().size(), "the remote answered again: what waited for it went at once");
        }
    }

    @Test
    void anOldBackupImportedOnAnotherDeviceNeverReplacesANewerEdit(@TempDir Path state) throws Exception {
        TestRemote.Server server = new TestRemote.Server("shared");
        TestRemote linkB = new TestRemote("cloud", server);
        try (Device a = new Device(state.resolve("a"), timer, Device.settings(), new TestRemote("cloud", server));
                Device b = new Device(state.resolve("b"), timer, Device.settings(), linkB)) {
            ConfigDocument old = a.coordinator.put(KEY, body("in the backup"));
            timer.advance(Duration.ofSeconds(5));
            ConfigDocument newer = a.coordinator.put(KEY, body("edited after the backup"));
            timer.advance(Duration.ofSeconds(2));

            // B, offline, imports the old backup: it sees no version of the config, so it takes it.
            linkB.partition(true);
            assertEquals(org.streamkit.sync.api.support.ConfigBackup.Change.NEW,
                    org.streamkit.sync.api.support.ConfigBackup.importOne(b.coordinator, old));
            assertTrue(old.sameVersion(b.local().version(KEY).orElseThrow()), "taken with its own stamp");
            linkB.partition(false);
            b.coordinator.syncNow();
            timer.advance(Duration.ofSeconds(2));
            assertTrue(newer.sameVersion(server.stored(KEY).orElseThrow()), "the server keeps the newer edit");
            assertTrue(newer.sameVersion(b.local().version(KEY).orElseThrow()), "and B takes it");
            assertEquals(org.streamkit.sync.api.support.ConfigBackup.Change.OLDER,
                    org.streamkit.sync.api.support.ConfigBackup.importOne(b.coordinator, old), "importing again changes nothing");
        }
    }

    /** A local tier that refuses writes while {@link #failing}. */
    private static final class FailingTier extends org.streamkit.sync.api.support.ForwardingStorageTier {
        final MemoryStore store;
        volatile boolean failing;

        FailingTier(MemoryStore store) {
            this.store = store;
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        protected org.streamkit.sync.api.StorageTier delegate() {
            return store;
        }

        @Override
        public ConfigDocument put(ConfigDocument document) throws StorageException {
            if (failing) {
                throw new StorageException("The disk is full", true);
            }
            return super.put(document);
        }
    }

    @Test
    void eventsTellTheUiWhatHappened(@TempDir Path state) throws Exception {
        TestRemote cloud = new TestRemote("cloud");
        try (Device device = new Device(state, timer, Device.settings(), cloud)) {
            device.coordinator.put(KEY, body("v1"));
            timer.advance(Duration.ofSeconds(2));
            Map<String, Long> seen = device.events.stream().collect(Collectors.groupingBy(e -> e, Collectors.counting()));
            assertTrue(seen.containsKey("text-cyclers/intro changed"), device.events.toString());
            assertTrue(seen.containsKey("text-cyclers/intro cloud PENDING"), device.events.toString());
            assertTrue(seen.containsKey("text-cyclers/intro cloud SYNCED"), device.events.toString());
            assertFalse(device.coordinator.status().offline());
        }
    }
}
