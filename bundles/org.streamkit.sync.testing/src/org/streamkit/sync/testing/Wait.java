package org.streamkit.sync.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition that something running elsewhere makes true, with a time limit. */
public final class Wait {

    private Wait() {
    }

    /**
     * Polls a condition every few milliseconds until it holds.
     *
     * @param state what to say when it never holds (evaluated only then)
     * @throws AssertionError when the limit passes first, with the state
     */
    public static void until(BooleanSupplier condition, Duration limit, Supplier<String> state) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + ": " + state.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + state.get(), e);
            }
        }
    }

    /** {@link #until(BooleanSupplier, Duration, Supplier)} with a plain description. */
    public static void until(BooleanSupplier condition, Duration limit, String what) {
        until(condition, limit, () -> what);
    }
}
