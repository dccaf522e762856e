package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.testing.TestRemote;

/**
 * Property, on a hand-driven clock: three devices sharing one remote through faulty links (dropped
 * requests, lost acknowledgements that cause duplicates, rate limits, 500s, partitions), one of them with
 * a wall clock ten minutes behind, make random edits and deletes; once the links heal and every device
 * syncs, every device's local tiers (read directly) and the remote hold, for every config, the
 * last-write-wins result of every version any device made. Each seed is one random history; a failure
 * names its seed. (The model-based test in the reliability suite does the same with real tiers, a real
 * server, threads and restarts.)
 */
class ConvergenceTest {

    private static final int KEYS = 4;

    static LongStream seeds() {
        long base = Long.getLong("streamkit.convergence.seed", 20261125L);
        return LongStream.range(base, base + Integer.getInteger("streamkit.convergence.runs", 40));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void threeDevicesConvergeToTheLastWriteOfEveryConfig(long seed, @TempDir Path state) throws Exception {
        Random random = new Random(seed);
        ManualTimer timer = new ManualTimer(Instant.parse("2026-11-25T10:00:00Z"));
        TestRemote.Server server = new TestRemote.Server("shared");
        TestRemote[] links = new TestRemote[3];
        Device[] devices = new Device[3];
        List<ConfigDocument> made = new ArrayList<>();
        try {
            for (int d = 0; d < 3; d++) {
                links[d] = new TestRemote("cloud", server);
                Timer clock = d == 2 ? timer.skewed(Duration.ofMinutes(-10)) : timer;
                devices[d] = new Device(state.resolve("device" + d), clock, Device.settings(), links[d]);
            }
            for (int step = 0; step < 80; step++) {
                int d = random.nextInt(3);
                ConfigKey key = new ConfigKey("notes", "k" + random.nextInt(KEYS));
                int op = random.nextInt(12);
                if (op < 6) {
                    made.add(devices[d].coordinator.put(key, ConfigJson.newObject().put("v", random.nextInt(1000))
                            .put("by", d)));
                } else if (op < 8) {
                    made.add(devices[d].coordinator.delete(key));
                } else if (op < 9) {
                    links[d].partition(random.nextBoolean());
                } else if (op < 11) {
                    TestRemote.Fault[] kinds = { TestRemote.Fault.DROP, TestRemote.Fault.LOSE_ACK, TestRemote.Fault.RATE_LIMITED,
                        TestRemote.Fault.SERVER_ERROR };
                    links[d].failNext(kinds[random.nextInt(kinds.length)]);
                } else {
                    devices[d].coordinator.syncNow();
                }
                timer.advance(Duration.ofMillis(random.nextInt(1500)));
            }
            for (TestRemote link : links) {
                link.partition(false);
            }
            // Sync rounds until a fixed point: two rounds in a row that leave every outbox empty (the second
            // round lets every device pull what the others pushed in the first).
            int quietRounds = 0;
            for (int round = 0; round < 30 && quietRounds < 2; round++) {
                timer.advance(Duration.ofMinutes(6));
                for (Device device : devices) {
                    device.coordinator.syncNow();
                }
                boolean quiet = true;
                for (Device device : devices) {
                    quiet &= device.coordinator.outbox().isEmpty();
                }
                quietRounds = quiet ? quietRounds + 1 : 0;
            }
            assertEquals(2, quietRounds, "seed " + seed + ": outboxes did not drain");

            Map<ConfigKey, ConfigDocument> expected = new HashMap<>();
            for (ConfigDocument version : made) {
                expected.merge(version.key(), version, Lww::winner);
            }
            for (ConfigKey key : expected.keySet()) {
                ConfigDocument want = expected.get(key);
                for (int d = 0; d < 3; d++) {
                    ConfigDocument got = devices[d].local().version(key).orElse(null);
                    assertTrue(Lww.same(want, got), "seed " + seed + ": device " + d + "'s local tiers hold " + got + " for "
                            + key + ", the last write was " + want);
                }
                assertTrue(Lww.same(want, server.stored(key).orElse(null)), "seed " + seed + ": the remote holds "
                        + server.stored(key).orElse(null) + " for " + key + ", the last write was " + want);
            }
            assertEquals(expected.size(), server.keys("notes").size(), "seed " + seed + ": the remote has every config");
        } finally {
            for (Device device : devices) {
                if (device != null) {
                    device.close();
                }
            }
        }
    }
}
