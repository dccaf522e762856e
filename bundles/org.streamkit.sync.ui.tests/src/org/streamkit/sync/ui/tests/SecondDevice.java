package org.streamkit.sync.ui.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.coordinator.Coordinator;
import org.streamkit.sync.coordinator.EventSink;
import org.streamkit.sync.coordinator.ExecutorTimer;
import org.streamkit.sync.coordinator.Settings;
import org.streamkit.sync.tier.memory.MemoryStore;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Another device of the same streamer: a coordinator of its own (its own state folder and an in-memory
 * local tier) that syncs with the same remote server as the workbench ({@link TestRemoteTier}). Edits made
 * here reach the workbench only through that server, as they would from a second machine.
 */
final class SecondDevice implements AutoCloseable {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService background = Executors.newFixedThreadPool(2);
    private final Coordinator coordinator;

    SecondDevice(Path stateFolder, TestRemoteTier server) throws Exception {
        Files.createDirectories(stateFolder);
        Settings settings = new Settings(false, 20, Duration.ZERO, false, Duration.ofSeconds(1), Duration.ofMinutes(1));
        coordinator = Coordinator.open(stateFolder, new ExecutorTimer(scheduler), background, settings, EventSink.NONE);
        coordinator.addTier(new Coordinator.Tier(new MemoryStore("laptop-memory"), "memory", 500, 1, false, Duration.ZERO));
        coordinator.addTier(new Coordinator.Tier(server, TestRemoteTier.NAME, 150, 2, true, Duration.ofMinutes(1)));
    }

    /** Pulls what changed on the server and sends what waits, now. */
    void sync() {
        coordinator.syncNow();
    }

    ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException {
        return coordinator.put(key, body);
    }

    ConfigDocument get(ConfigKey key) throws StorageException {
        return coordinator.get(key).orElseThrow(() -> new AssertionError(key + " is not on the second device"));
    }

    @Override
    public void close() throws InterruptedException {
        coordinator.close();
        scheduler.shutdownNow();
        background.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
        background.awaitTermination(10, TimeUnit.SECONDS);
    }
}
