package org.streamkit.sync.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConflictException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;

/**
 * The outbox's delivery: sends each due entry's version (the one the outbox recorded, or a newer one the
 * local tiers hold) to its remote tier; rapid edits of one config become one remote write. It reads the
 * remote's copy first, never replaces a newer one there, and writes conditional on what it read (a remote
 * that can compare versions refuses the write when something else landed meanwhile). Failures retry with
 * exponential backoff and jitter, honour {@code Retry-After}, and park as failed when retrying cannot
 * help. An entry ends only when its version (or a newer one) is confirmed there, when a newer entry
 * replaces it, or when the user discards it.
 */
final class Delivery {

    /** How many times an entry with nothing to send is tried before it is parked for the user to see. */
    private static final int MISSING_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final SyncContext sync;
    private final LocalWriter writer;
    private final InFlight inFlight;
    private PullMerger merger;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean drainRequested = new AtomicBoolean();
    private final AtomicBoolean drainAllRequested = new AtomicBoolean();
    private Instant nextDrain = Instant.MAX;

    Delivery(SyncContext sync, LocalWriter writer, InFlight inFlight) {
        this.sync = sync;
        this.writer = writer;
        this.inFlight = inFlight;
    }

    void mergingWith(PullMerger pulls) {
        this.merger = pulls;
    }

    /** Makes sure a drain runs at {@code at} (or earlier, if one is already due earlier). */
    synchronized void schedule(Instant at) {
        if (sync.closed) {
            return;
        }
        Instant now = sync.timer.now();
        if (at.isBefore(now)) {
            at = now;
        }
        if (at.isBefore(nextDrain)) {
            nextDrain = at;
            sync.timer.schedule(this::drainDue, Duration.between(now, at));
        }
    }

    private void drainDue() {
        synchronized (this) {
            nextDrain = Instant.MAX;
        }
        drain(false);
    }

    /**
     * Delivers every due entry (every entry, when {@code all}); then schedules the next due one. One drain
     * runs at a time; a drain asked for while one runs is not dropped: the running one goes round again.
     * Nothing is delivered until the coordinator is ready (a durable local tier has joined).
     */
    void drain(boolean all) {
        if (sync.closed || sync.offline) {
            return;
        }
        if (!sync.tiers.ready()) {
            schedule(sync.timer.now().plus(sync.settings.retryBase()));
            return;
        }
        if (all) {
            drainAllRequested.set(true);
        }
        drainRequested.set(true);
        while (drainRequested.get() && !sync.closed && draining.compareAndSet(false, true)) {
            Instant next = Instant.MAX;
            try {
                while (drainRequested.getAndSet(false) && !sync.closed) {
                    next = drainPass(drainAllRequested.getAndSet(false));
                }
            } finally {
                draining.set(false);
            }
            if (!next.equals(Instant.MAX)) {
                schedule(next);
            }
        }
    }

    /** One pass over the outbox. @return when the next entry is due, or {@link Instant#MAX} */
    private Instant drainPass(boolean all) {
        Instant next = Instant.MAX;
        try {
            for (CoordinatorStore.Entry entry : sync.store.outbox()) {
                if (sync.closed || sync.offline) {
                    return Instant.MAX; // turning work offline off drains again
                }
                if (!sync.store.routes(entry.tier(), entry.key())) {
                    sync.store.remove(entry.tier(), entry.key()); // the tier no longer syncs its type: nothing is sent
                    continue;
                }
                if (entry.failed() || entry.held() || entry.fromElsewhere() && sync.holding(entry.tier())) {
                    continue; // parked, a conflict waiting for a person, or held while the tier is on air
                }
                Optional<Coordinator.Tier> tier = sync.tiers.remote(entry.tier());
                if (tier.isEmpty()) {
                    continue; // delivered when the tier returns (a tier that joins asks for a drain)
                }
                if (!all && entry.nextAttempt().isAfter(sync.timer.now())) {
                    next = min(next, entry.nextAttempt());
                    continue;
                }
                Instant retry = deliver(entry, tier.get());
                if (retry != null) {
                    next = min(next, retry);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Outbox delivery stopped early: {}", e.toString(), e);
            next = min(next, sync.timer.now().plus(sync.settings.retryBase()));
        }
        return next;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** Sends one entry. @return when to try it again, or null when it is done (delivered or parked) */
    private Instant deliver(CoordinatorStore.Entry entry, Coordinator.Tier tier) {
        inFlight.begin(tier.name(), entry.key());
        try {
            return deliverNow(entry, tier);
        } finally {
            inFlight.end(tier.name(), entry.key());
        }
    }

    private Instant deliverNow(CoordinatorStore.Entry entry, Coordinator.Tier tier) {
        ConfigKey key = entry.key();
        ConfigDocument version;
        try {
            version = writer.ownVersion(key);
        } catch (StorageException e) {
            return retryLater(entry, e.getMessage(), null);
        }
        if (version == null) {
            // Nothing recorded and nothing local: never send an absence, and never end the entry silently.
            String why = "No copy of " + key + " is on this device to send to " + tier.name();
            if (entry.attempts() + 1 >= MISSING_ATTEMPTS) {
                LOG.warn("Sync {} → {}: {}; parked", key, tier.name(), why);
                sync.store.update(entry.failedAttempt(why, sync.timer.now(), true));
                sync.events.state(key, tier.name(), SyncState.FAILED, why);
                return null;
            }
            return retryLater(entry, why, null);
        }
        try {
            // Read before write: a remote that already holds a newer version is never overwritten by an
            // older one (a device back from a week offline); a tombstone there counts like any version.
            Optional<ConfigDocument> there = tier.tier().get(key);
            answered(tier);
            if (there.isPresent() && there.get().sameVersion(version)) {
                sync.store.delivered(entry);
                sync.events.state(key, tier.name(), SyncState.SYNCED, "");
                return null;
            }
            if (there.isPresent() && there.get().isNewerThan(version)) {
                LOG.info("Sync {} → {}: the remote has a newer version; merging instead of sending", key, tier.name());
                merger.merge(there.get(), tier, false);
                return null;
            }
            // Conditional on what was just read: a remote that compares versions refuses the write when
            // another one landed meanwhile, and a delete there is seen instead of written over.
            ConfigDocument sent = version.withRemoteVersion(
                    there.isEmpty() ? StorageTier.ABSENT : there.get().remoteVersion());
            tier.tier().put(sent);
            sync.metrics.deliveries.incrementAndGet();
            sync.metrics.ackLatency(Duration.between(entry.enqueuedAt(), sync.timer.now()).toMillis());
            sync.metrics.clearError(tier.name());
            Instant now = sync.timer.now();
            boolean removed = sync.store.delivered(entry, now, now.plus(tier.debounce()));
            LOG.info("Sync {} → {}: delivered ({})", key, tier.name(), version.deleted() ? "delete" : "update");
            if (removed) {
                sync.events.state(key, tier.name(), SyncState.SYNCED, "");
                return null;
            }
            return now.plus(tier.debounce()); // a newer entry arrived meanwhile: it waits its own debounce
        } catch (ConflictException e) {
            LOG.info("Sync {} → {}: the remote's copy changed meanwhile; merging it", key, tier.name());
            try {
                merger.merge(e.current(), tier, true);
            } catch (StorageException stored) {
                return retryLater(entry, stored.getMessage(), null);
            }
            // When this device's version still wins, the entry is tried again, after a short backoff.
            return sync.store.entry(tier.name(), key).filter(x -> !x.held() && !x.failed())
                    .map(x -> retryLater(x, "The remote's copy changed while sending; sending again", null)).orElse(null);
        } catch (StorageException e) {
            sync.metrics.error(tier.name(), e.getMessage());
            if (!e.retryable()) {
                LOG.warn("Sync {} → {}: failed for good: {}", key, tier.name(), e.getMessage());
                sync.store.update(entry.failedAttempt(e.getMessage(), sync.timer.now(), true));
                sync.events.state(key, tier.name(), SyncState.FAILED, e.getMessage());
                return null;
            }
            if (!tier.available()) {
                sync.failedOn(tier.name()); // unreachable: the first answer from it sends what waits at once
            }
            LOG.info("Sync {} → {}: failed, will retry: {}", key, tier.name(), e.getMessage());
            sync.events.state(key, tier.name(), sync.reachable(tier.name()) ? SyncState.PENDING : SyncState.OFFLINE,
                    e.getMessage());
            return retryLater(entry, e.getMessage(), e.retryAfter().orElse(null));
        } catch (RuntimeException e) {
            sync.metrics.error(tier.name(), e.toString());
            LOG.warn("Sync {} → {}: unexpected failure, will retry", key, tier.name(), e);
            return retryLater(entry, e.toString(), null);
        }
    }

    private Instant retryLater(CoordinatorStore.Entry entry, String error, Duration retryAfter) {
        Duration delay = retryAfter != null ? retryAfter : backoff(entry.attempts() + 1);
        Instant next = sync.timer.now().plus(delay);
        sync.store.update(entry.failedAttempt(error, next, false));
        return next;
    }

    /** Exponential backoff with equal jitter: half the delay fixed, half random. */
    Duration backoff(int attempt) {
        long base = sync.settings.retryBase().toMillis();
        long max = sync.settings.retryMax().toMillis();
        long delay = Math.min(max, base << Math.min(attempt - 1, 30));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /**
     * The remote answered. When it had failed before (it was away, or unreadable), what waits for it goes
     * now: writes waiting out a backoff, and writes parked while it could not be read. Held writes stay.
     */
    void answered(Coordinator.Tier tier) {
        if (!sync.answeredBy(tier.name())) {
            return;
        }
        Instant now = sync.timer.now();
        int again = 0;
        for (CoordinatorStore.Entry e : sync.store.outbox()) {
            if (e.tier().equals(tier.name()) && !e.held() && (e.failed() || e.attempts() > 0 && e.nextAttempt().isAfter(now))) {
                sync.store.update(e.retryAt(now));
                sync.events.state(e.key(), tier.name(), SyncState.PENDING, "");
                again++;
            }
        }
        if (again > 0) {
            LOG.info("Tier {} answers again: {} waiting writes go now", tier.name(), again);
            schedule(now);
        }
    }
}
