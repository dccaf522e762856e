package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.configsView;
import static org.streamkit.sync.ui.tests.UiTests.page;
import static org.streamkit.sync.ui.tests.UiTests.press;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;
import static org.streamkit.sync.ui.tests.UiTests.whenOpens;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jface.dialogs.MessageDialog;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.TestRemote;
import org.streamkit.sync.ui.internal.views.CheckpointsDialog;
import org.streamkit.sync.ui.internal.views.ConfigsView;
import org.streamkit.sync.ui.internal.views.OutboxRow;
import org.streamkit.sync.ui.internal.views.SyncStatusView;

/**
 * Safe on air in a real workbench: while a remote tier is on air (what the OBS tier reports when OBS streams
 * or records), a change pulled from another device is held for it, both views say so, and Apply Now sends
 * it; then checkpoints: Create Checkpoint keeps every config, and Restore Checkpoint… puts them back.
 */
class OnAirViewsTest {

    private static final String ON_AIR = "ui-test-on-air";

    private final SyncCoordinator coordinator = Services.await(OnAirViewsTest.class, SyncCoordinator.class, null);

    @Test
    void aChangeFromAnotherDeviceIsHeldWhileLiveShownAndAppliedAndACheckpointIsRestored() throws Exception {
        TestRemoteTier shared = TestRemoteTier.install(OnAirViewsTest.class);
        shared.reachable(true);
        TestRemote onAir = new TestRemote(ON_AIR);
        ServiceRegistration<StorageTier> registration = Services.context(OnAirViewsTest.class).registerService(StorageTier.class,
                onAir, properties(true));
        EventAdmin events = Services.await(OnAirViewsTest.class, EventAdmin.class, null);
        ConfigKey key = new ConfigKey("text-cyclers", "ui-on-air-ticker");
        try {
            waitUntil(() -> coordinator.status().tiers().stream().anyMatch(t -> t.name().equals(ON_AIR) && t.present()),
                    "the on-air tier joins");
            coordinator.put(key, ConfigJson.newObject().put("name", "Before the show"));
            coordinator.syncNow();
            waitUntil(() -> onAir.server().stored(key).isPresent(), "the config reaches the on-air tier");

            events.sendEvent(new Event(SyncEvents.TOPIC_LIVE, Map.of(SyncEvents.TIER, ON_AIR, SyncEvents.LIVE, true)));
            waitUntil(() -> coordinator.checkpoints().stream().anyMatch(c -> c.reason().equals(Checkpoint.GO_LIVE)),
                    "going live takes a checkpoint");

            Path laptop = Files.createTempDirectory("streamkit-on-air-laptop");
            try (SecondDevice other = new SecondDevice(laptop, shared)) {
                other.sync();
                other.put(key, ConfigJson.newObject().put("name", "Edited on the laptop"));
                other.sync();
            }
            coordinator.syncNow();
            waitUntil(() -> coordinator.heldWhileLive().stream().anyMatch(w -> w.key().equals(key)), "the pulled change is held");
            assertEquals("Before the show", onAir.server().stored(key).orElseThrow().body().path("name").asText(),
                    "the on-air tier still has what it showed");

            ConfigsView configs = configsView();
            configs.refresh();
            int heldNow = coordinator.heldWhileLive().size(); // other tests' configs the tier lacked wait too
            waitUntil(() -> configs.statusText().contains("\u2014 " + heldNow + " held while live"),
                    "the Configs view says how many changes are held");
            SyncStatusView view = (SyncStatusView) page().showView(SyncStatusView.ID);
            view.refresh();
            waitUntil(() -> view.outboxRows().stream().anyMatch(r -> r.write().key().equals(key) && r.heldWhileLive()),
                    "the Sync Status view lists the held change");
            assertTrue(view.statusText().contains("Changes from other devices held while live: " + heldNow), view.statusText());
            OutboxRow held = view.outboxRows().stream().filter(r -> r.write().key().equals(key) && r.heldWhileLive()).findFirst()
                    .orElseThrow();
            assertEquals("Held while live", view.outboxViewer().getTable().getItem(view.outboxRows().indexOf(held)).getText(2));

            view.select(List.of(held));
            assertTrue(view.action(SyncStatusView.ACTION_APPLY).isEnabled());
            view.action(SyncStatusView.ACTION_APPLY).run();
            waitUntil(() -> onAir.server().stored(key).filter(d -> d.body().path("name").asText().equals("Edited on the laptop"))
                    .isPresent(), "Apply Now sends the held change");
            waitUntil(() -> coordinator.heldWhileLive().stream().noneMatch(w -> w.key().equals(key)), "it is held no more");

            // Checkpoints: one by hand, an edit, then Restore Checkpoint… puts the config back.
            int before = coordinator.checkpoints().size();
            view.action(SyncStatusView.ACTION_CREATE_CHECKPOINT).run();
            waitUntil(() -> coordinator.checkpoints().size() == before + 1, "Create Checkpoint takes one");
            Checkpoint manual = coordinator.checkpoints().get(0);
            assertEquals(Checkpoint.MANUAL, manual.reason());
            coordinator.put(key, ConfigJson.newObject().put("name", "Changed after the checkpoint"));

            AtomicReference<List<Checkpoint>> listed = new AtomicReference<>();
            AtomicBoolean confirmed = new AtomicBoolean();
            AtomicBoolean shown = whenOpens(CheckpointsDialog.class, dialog -> {
                listed.set(dialog.shown());
                dialog.select(manual);
                AtomicBoolean asked = whenOpens(MessageDialog.class, confirm -> press(confirm.getShell(), "OK"));
                press(dialog.getShell(), "Restore");
                confirmed.set(asked.get());
            });
            view.action(SyncStatusView.ACTION_RESTORE_CHECKPOINT).run();
            assertTrue(shown.get(), "Restore Checkpoint… opens the list");
            assertTrue(listed.get().contains(manual), "the list shows the checkpoint: " + listed.get());
            assertTrue(confirmed.get(), "a restore asks first");
            waitUntil(() -> "Edited on the laptop".equals(name(key)), "the restore puts the config back");
            assertEquals(Checkpoint.BEFORE_RESTORE, coordinator.checkpoints().get(0).reason(), "and kept a checkpoint to undo it");
        } finally {
            events.sendEvent(new Event(SyncEvents.TOPIC_LIVE, Map.of(SyncEvents.TIER, ON_AIR, SyncEvents.LIVE, false)));
            registration.unregister();
            // Turned off, the coordinator forgets the tier and what waited for it: the other tests never see it.
            Services.context(OnAirViewsTest.class).registerService(StorageTier.class, onAir, properties(false));
        }
    }

    private String name(ConfigKey key) {
        try {
            return coordinator.get(key).map(d -> d.body().path("name").asText()).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    private static Hashtable<String, Object> properties(boolean enabled) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(StorageTier.RANKING, 140);
        properties.put(StorageTier.TIER_NAME, ON_AIR);
        properties.put(StorageTier.TIER_KIND, StorageTier.KIND_REMOTE);
        properties.put(StorageTier.DEBOUNCE_MS, 0L);
        properties.put(StorageTier.ENABLED, enabled);
        return properties;
    }
}
