package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The stamps of edits, on a wall clock set by hand. */
class HybridClockTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private final AtomicReference<Instant> wall = new AtomicReference<>(T0);

    @Test
    void stampsOnlyGrowEvenWhenTheWallClockStandsStillOrStepsBack() {
        HybridClock clock = new HybridClock(wall::get, null, 7);
        Instant a = clock.now();
        Instant b = clock.now();
        wall.set(T0.minusSeconds(30));
        Instant c = clock.now();
        assertTrue(a.isBefore(b) && b.isBefore(c), a + " " + b + " " + c);
        assertEquals(7, a.getNano() % 1000, "the device tag sits in the nanosecond digits");
    }

    @Test
    void twoDevicesInTheSameMicrosecondMakeDifferentStamps() {
        assertNotEquals(new HybridClock(wall::get, null, 1).now(), new HybridClock(wall::get, null, 2).now());
    }

    @Test
    void anEditIsStampedAfterWhatItReplacesEvenFarInTheFutureWithoutPinningTheClock() {
        HybridClock clock = new HybridClock(wall::get, null, 3);
        Instant farFuture = T0.plus(Duration.ofDays(3));
        Instant edit = clock.stampAfter(farFuture);
        assertTrue(edit.isAfter(farFuture), "an edit wins over what it replaced: " + edit);
        clock.observe(farFuture.plusSeconds(1));
        Instant other = clock.now();
        assertTrue(other.isBefore(T0.plus(HybridClock.MAX_DRIFT).plusMillis(1)),
                "another config's stamp is bounded by the drift, not pinned to the far future: " + other);
    }

    @Test
    void aStampObservedWithinTheDriftOrdersLaterEditsAfterIt() {
        HybridClock clock = new HybridClock(wall::get, null, 0);
        Instant fromAFastDevice = T0.plus(Duration.ofMinutes(2));
        clock.observe(fromAFastDevice);
        assertTrue(clock.now().isAfter(fromAFastDevice), "a device behind orders its edits after what it saw");
    }

    @Test
    void aDeviceThatSawAFasterClockKeepsRealTimeOrderWithIt() {
        AtomicReference<Instant> fastWall = new AtomicReference<>(T0.plusSeconds(60)); // a device a minute ahead
        HybridClock fast = new HybridClock(fastWall::get, null, 900);
        HybridClock slow = new HybridClock(wall::get, null, 1);
        slow.observe(fast.now());
        wall.set(T0.plusSeconds(1));
        fastWall.set(T0.plusSeconds(61));
        Instant first = fast.now(); // made first
        wall.set(T0.plusSeconds(2));
        Instant second = slow.now(); // made a second later, on the slow device
        assertTrue(second.isAfter(first), "the later edit is stamped later: " + first + " then " + second);
    }

    @Test
    void theLastStampOfAnEarlierRunIsKeptButNotBeyondTheDrift() {
        Instant last = T0.plusSeconds(10);
        assertTrue(new HybridClock(wall::get, last, 0).now().isAfter(last));
        Instant wrong = T0.plus(Duration.ofDays(365));
        assertTrue(new HybridClock(wall::get, wrong, 0).now().isBefore(T0.plus(HybridClock.MAX_DRIFT).plusMillis(1)),
                "a year-ahead stamp kept from a wrong clock does not pin this run");
    }
}
