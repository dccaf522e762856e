package org.streamkit.sync.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.TestRemote;
import org.streamkit.sync.testing.Wait;

/** The coordinator as users get it: a service over the real tier bundles, which come and go. */
class CoordinatorServiceTest {

    private static SyncCoordinator coordinator() {
        return Services.await(CoordinatorServiceTest.class, SyncCoordinator.class, null);
    }

    private static Bundle bundle(String symbolicName) {
        for (Bundle b : FrameworkUtil.getBundle(CoordinatorServiceTest.class).getBundleContext().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    @Test
    void aWriteThroughTheServiceIsInEveryLocalTier() throws Exception {
        ConfigKey key = new ConfigKey("notes", "service-" + UUID.randomUUID());
        ConfigDocument saved = coordinator().put(key, ConfigJson.newObject().put("name", "through the service"));
        for (String tier : List.of("memory", "xodus", "file")) {
            Optional<ConfigDocument> copy = Services.tier(CoordinatorServiceTest.class, tier).get(key);
            assertEquals(saved, copy.orElseThrow(() -> new AssertionError("missing in " + tier)));
        }
    }

    @Test
    void aRemoteTierRegisteredTurnedOffIsLeftOutUntilItIsRegisteredTurnedOn() throws Exception {
        SyncCoordinator coordinator = coordinator();
        String name = "switched-" + UUID.randomUUID().toString().substring(0, 8);
        TestRemote remote = new TestRemote(name);
        BundleContext context = FrameworkUtil.getBundle(CoordinatorServiceTest.class).getBundleContext();
        Hashtable<String, Object> properties = new Hashtable<>(Map.of(StorageTier.TIER_NAME, name,
                StorageTier.TIER_KIND, StorageTier.KIND_REMOTE, StorageTier.RANKING, 50, StorageTier.ENABLED, "false"));
        ServiceRegistration<StorageTier> off = context.registerService(StorageTier.class, remote, properties);
        try {
            ConfigKey key = new ConfigKey("notes", "while-off-" + UUID.randomUUID());
            coordinator.put(key, ConfigJson.newObject().put("name", "made while the remote is off"));
            assertTrue(coordinator.status().tiers().stream().noneMatch(t -> t.name().equals(name)), "left out");
            assertTrue(coordinator.outbox().stream().noneMatch(w -> w.tier().equals(name)), "nothing waits for it");
        } finally {
            off.unregister();
        }
        properties.put(StorageTier.ENABLED, Boolean.TRUE);
        ServiceRegistration<StorageTier> on = context.registerService(StorageTier.class, remote, properties);
        try {
            waitUntil(() -> coordinator.status().tiers().stream().anyMatch(t -> t.name().equals(name) && t.present()));
            // Read from the beginning, it is sent the configs made while it was off (and all the others).
            waitUntil(() -> remote.accepted().stream().anyMatch(d -> d.key().id().startsWith("while-off-")));
        } finally {
            on.unregister();
            // Unregistered, it would stay known and keep writes for it; registered turned off, it is forgotten.
            properties.put(StorageTier.ENABLED, Boolean.FALSE);
            context.registerService(StorageTier.class, remote, properties).unregister();
        }
        assertTrue(coordinator.status().tiers().stream().noneMatch(t -> t.name().equals(name)), "forgotten again");
    }

    @Test
    void tierBundlesStoppedAndStartedMidStreamLoseNothing() throws Exception {
        SyncCoordinator coordinator = coordinator();
        for (String tier : List.of("memory", "xodus", "file")) {
            Services.tier(CoordinatorServiceTest.class, tier);
        }
        String type = "hotswap-" + UUID.randomUUID().toString().substring(0, 8);
        int count = 300;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        List<ConfigDocument> written = new ArrayList<>();
        Future<?> writing = writer.submit(() -> {
            for (int i = 0; i < count; i++) {
                written.add(coordinator.put(new ConfigKey(type, "c" + i), ConfigJson.newObject().put("i", i)));
            }
            return null;
        });
        Bundle file = bundle("org.streamkit.sync.tier.file");
        Bundle memory = bundle("org.streamkit.sync.tier.memory");
        try {
            waitUntil(() -> written.size() > 60);
            file.stop();
            memory.stop();
            waitUntil(() -> written.size() > 180);
            file.start();
            memory.start();
            writing.get(2, TimeUnit.MINUTES); // no write failed while tiers came and went
        } finally {
            writer.shutdownNow();
            if (file.getState() != Bundle.ACTIVE) {
                file.start();
            }
            if (memory.getState() != Bundle.ACTIVE) {
                memory.start();
            }
        }
        assertEquals(count, written.size());
        for (String tierName : List.of("memory", "xodus", "file")) {
            StorageTier tier = Services.tier(CoordinatorServiceTest.class, tierName);
            waitUntil(() -> {
                try {
                    return tier.listKeys(type).size() == count;
                } catch (Exception e) {
                    return false;
                }
            });
            for (ConfigDocument d : written) {
                assertEquals(d, tier.get(d.key()).orElseThrow(() -> new AssertionError(d.key() + " lost in " + tierName)));
            }
        }
        for (ConfigDocument d : written) {
            assertEquals(d, coordinator.get(d.key()).orElseThrow());
        }
        assertTrue(coordinator.audit(false).differences().stream().noneMatch(s -> s.startsWith(type)),
                "the tiers agree again");
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        Wait.until(condition, java.time.Duration.ofSeconds(60), "the condition");
    }
}
