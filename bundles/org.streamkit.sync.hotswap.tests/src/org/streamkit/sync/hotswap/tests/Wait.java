package org.streamkit.sync.hotswap.tests;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling: the tests wait for a condition, never for a fixed time, so a loaded machine only slows them. */
final class Wait {

    /** The most any single step of the hot-swap test waits for. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    private Wait() {
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, LIMIT, condition, () -> "");
    }

    /**
     * Polls {@code condition} until it holds.
     *
     * @param detail what to add to the failure message (the state that kept the condition false)
     * @throws AssertionError when it does not hold within {@code limit}
     */
    static void until(String what, Duration limit, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = 5;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String more = detail.get();
                throw new AssertionError("Waited " + limit.toSeconds() + " s for " + what + (more.isEmpty() ? "" : ": " + more));
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
            pause = Math.min(100, pause * 2);
        }
    }
}
