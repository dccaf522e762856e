package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The registered tiers, highest ranking first, as they come and go, and whether the coordinator is
 * <i>ready</i>: a durable local tier is registered and available. Only then are writes acknowledged,
 * pulls stored and the outbox delivered, so nothing is decided from local tiers that have not joined yet.
 */
final class TierChain {

    private volatile Coordinator.Tier[] tiers = new Coordinator.Tier[0];

    /** @return whether the coordinator was not ready before and is now */
    synchronized boolean add(Coordinator.Tier tier) {
        boolean before = ready();
        List<Coordinator.Tier> next = new ArrayList<>(List.of(tiers));
        next.add(tier);
        next.sort(Coordinator.Tier.ORDER);
        tiers = next.toArray(Coordinator.Tier[]::new);
        notifyAll();
        return !before && ready();
    }

    synchronized void removeIf(Predicate<Coordinator.Tier> which) {
        tiers = List.of(tiers).stream().filter(which.negate()).toArray(Coordinator.Tier[]::new);
    }

    /** @return the tiers now, highest ranking first (a snapshot) */
    Coordinator.Tier[] all() {
        return tiers;
    }

    Optional<Coordinator.Tier> remote(String name) {
        for (Coordinator.Tier t : tiers) {
            if (t.remote() && t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    List<Coordinator.Tier> remotes() {
        List<Coordinator.Tier> out = new ArrayList<>();
        for (Coordinator.Tier t : tiers) {
            if (t.remote()) {
                out.add(t);
            }
        }
        return out;
    }

    /** @return the local tiers that answer now, highest ranking first */
    List<Coordinator.Tier> availableLocals() {
        List<Coordinator.Tier> out = new ArrayList<>();
        for (Coordinator.Tier t : tiers) {
            if (!t.remote() && t.available()) {
                out.add(t);
            }
        }
        return out;
    }

    /** @return whether a durable local tier is registered and available */
    boolean ready() {
        for (Coordinator.Tier t : tiers) {
            if (!t.remote() && t.durable() && t.available()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits until the coordinator is ready (tiers join in any order while the product starts).
     *
     * @return whether it is ready
     */
    boolean awaitReady(Duration limit) {
        if (ready()) {
            return true;
        }
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (this) {
            while (!ready()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    // A tier joining wakes this at once; one that turns available is seen within 50 ms.
                    wait(Math.min(50, Math.max(1, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ready();
                }
            }
        }
        return true;
    }
}
