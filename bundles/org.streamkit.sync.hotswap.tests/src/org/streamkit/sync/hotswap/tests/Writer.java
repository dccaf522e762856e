package org.streamkit.sync.hotswap.tests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keeps putting configs through the coordinator on its own thread, as a user editing all the time would:
 * mostly new versions of configs it wrote before, sometimes a new config. It records what each put did:
 * acknowledged (the value every tier must end up holding, unless a later put of the key is acknowledged)
 * or failed, with the exception. Every body carries a sequence number that only grows, so "this or newer"
 * can be checked while writing goes on.
 */
final class Writer implements AutoCloseable {

    /** A put that did not return normally. */
    record Failure(ConfigKey key, long seq, String phase, Throwable error) {
        @Override
        public String toString() {
            return key + " #" + seq + " during " + phase + ": " + error;
        }
    }

    /** What the writer expects of one key: its last acknowledged sequence and body, and puts that failed after it. */
    record Expected(ObjectNode acknowledged, long seq, List<ObjectNode> failedSince) {
    }

    private final SyncCoordinator coordinator;
    private final String type;
    private final String prefix;
    private final int maxKeys;
    private final Thread thread;
    private final Random random;
    private final Map<ConfigKey, Expected> expected = new ConcurrentHashMap<>();
    private final List<Failure> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong maxPutNanos = new AtomicLong();
    private final List<ConfigKey> keys = new ArrayList<>();
    private volatile String phase = "start";
    private final Map<String, Long> durations = new java.util.LinkedHashMap<>();
    private long phaseStarted;
    private volatile boolean stopped;
    private boolean paused;
    private boolean idle;
    private int seq;

    Writer(SyncCoordinator coordinator, String type, String prefix, int maxKeys, long seed) {
        this.coordinator = coordinator;
        this.type = type;
        this.prefix = prefix;
        this.maxKeys = maxKeys;
        this.random = new Random(seed);
        this.thread = new Thread(this::run, "hotswap-writer-" + prefix);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Names what is happening to the tiers now, for the record of failures. */
    void phase(String name) {
        long now = System.nanoTime();
        synchronized (durations) {
            if (phaseStarted != 0) {
                durations.put(phase, TimeUnit.NANOSECONDS.toMillis(now - phaseStarted));
            }
            phaseStarted = now;
        }
        phase = name;
    }

    /** @return how long each phase lasted, in milliseconds, in order (the last one up to now) */
    Map<String, Long> phaseMillis() {
        synchronized (durations) {
            Map<String, Long> all = new java.util.LinkedHashMap<>(durations);
            if (phaseStarted != 0) {
                all.put(phase, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - phaseStarted));
            }
            return all;
        }
    }

    private void run() {
        while (!stopped) {
            if (!awaitResumed()) {
                return;
            }
            ConfigKey key;
            if (keys.isEmpty() || keys.size() < maxKeys && random.nextInt(5) == 0) {
                key = new ConfigKey(type, prefix + "-" + keys.size());
                keys.add(key);
            } else {
                key = keys.get(random.nextInt(keys.size()));
            }
            int n = ++seq;
            String now = phase;
            ObjectNode body = ConfigJson.newObject().put("seq", n).put("writer", prefix).put("phase", now);
            long started = System.nanoTime();
            try {
                coordinator.put(key, body.deepCopy());
                expected.put(key, new Expected(body, n, List.of()));
                acks.incrementAndGet();
            } catch (StorageException | RuntimeException e) {
                failures.add(new Failure(key, n, now, e));
                expected.merge(key, new Expected(null, 0, List.of(body)), (old, add) -> {
                    List<ObjectNode> more = new ArrayList<>(old.failedSince());
                    more.add(body);
                    return new Expected(old.acknowledged(), old.seq(), more);
                });
            }
            maxPutNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
            // A user's pace, and room for the tiers' own threads on a small machine.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
        }
    }

    /** @return false when the writer was stopped while paused */
    private synchronized boolean awaitResumed() {
        while (paused && !stopped) {
            idle = true;
            notifyAll();
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        idle = false;
        return !stopped;
    }

    /** Stops writing for a while, once the put under way has returned. */
    synchronized void pause() {
        paused = true;
        long deadline = System.nanoTime() + Wait.LIMIT.toNanos();
        while (!idle && thread.isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("A put has not returned for " + Wait.LIMIT.toSeconds() + " s: "
                        + Leaks.describe(List.of(thread)));
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while pausing the writer", e);
            }
        }
    }

    synchronized void resume() {
        paused = false;
        notifyAll();
    }

    /**
     * Waits until {@code count} more puts were acknowledged: the coordinator keeps serving.
     *
     * @throws AssertionError naming the phase when it does not
     */
    void awaitAcks(int count, String during) {
        long target = acks.get() + count;
        Wait.until(count + " more acknowledged puts " + during, Wait.LIMIT, () -> acks.get() >= target || !thread.isAlive(),
                () -> "only " + acks.get() + " of " + target + "; failures: " + lastFailures());
        if (!thread.isAlive()) {
            throw new AssertionError("The writer thread ended " + during);
        }
    }

    /** Stops writing and waits for the put under way. */
    @Override
    public void close() {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("A put has not returned for 30 s: " + Leaks.describe(List.of(thread)));
        }
    }

    /** @return a copy of the expectations now: every key written and its last acknowledged sequence */
    Map<ConfigKey, Expected> expected() {
        return new HashMap<>(expected);
    }

    List<Failure> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    private String lastFailures() {
        List<Failure> all = failures();
        return all.isEmpty() ? "none" : all.subList(Math.max(0, all.size() - 3), all.size()).toString();
    }

    long acknowledged() {
        return acks.get();
    }

    long maxPutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(maxPutNanos.get());
    }
}
