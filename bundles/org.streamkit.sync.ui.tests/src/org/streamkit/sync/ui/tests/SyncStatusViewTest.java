package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.configsView;
import static org.streamkit.sync.ui.tests.UiTests.page;
import static org.streamkit.sync.ui.tests.UiTests.press;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;
import static org.streamkit.sync.ui.tests.UiTests.whenOpens;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchPartReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.views.AuditDialog;
import org.streamkit.sync.ui.internal.views.OutboxRow;
import org.streamkit.sync.ui.internal.views.SyncStatusView;

/**
 * The Sync Status view in a real workbench: every tier with its health, the counters and latency, the
 * changes waiting in the outbox, and Retry Now, Discard (confirmed), Work Offline and the audit of the
 * local tiers acting on the coordinator.
 */
class SyncStatusViewTest {

    private final SyncCoordinator coordinator = Services.await(SyncStatusViewTest.class, SyncCoordinator.class, null);

    @AfterEach
    void online() {
        coordinator.workOffline(false);
    }

    @Test
    void theViewShowsEveryTierAndWhatWaitsAndRetriesAndDiscardsIt() throws Exception {
        TestRemoteTier remote = TestRemoteTier.install(SyncStatusViewTest.class);
        remote.reachable(true);
        waitUntil(() -> coordinator.status().tiers().stream()
                .anyMatch(t -> t.name().equals(TestRemoteTier.NAME) && t.present()), "the remote tier joins");
        // What other tests left waiting goes now, so that no delivery clears the error this test causes.
        coordinator.syncNow();
        // One change delivered at once (Retry Now skips the debounce), so the counters have something to say.
        ConfigKey sent = new ConfigKey("text-cyclers", "follow-goal");
        coordinator.put(sent, ConfigJson.newObject().put("name", "Follow goal").put("goal", 500));
        coordinator.retry(sent, TestRemoteTier.NAME);
        waitUntil(() -> remote.stored(sent).isPresent(), "a change is delivered");
        // A change that waits for its debounce (a minute), and one the server refuses for good.
        ConfigKey waiting = new ConfigKey("text-cyclers", "social-links");
        coordinator.put(waiting, ConfigJson.newObject().put("name", "Social links").put("intervalMs", 12000));
        ConfigKey refused = new ConfigKey("layouts", "interview");
        remote.refuse(refused.id());
        coordinator.put(refused, ConfigJson.newObject().put("name", "Interview"));
        coordinator.retry(refused, TestRemoteTier.NAME);
        waitUntil(() -> coordinator.outbox().stream().anyMatch(w -> w.key().equals(refused) && w.failed()),
                "the server refused the layout");

        SyncStatusView view = statusView();
        waitUntil(() -> state(view, waiting).isPresent() && state(view, refused).isPresent(), "the view lists both");
        assertEquals(SyncState.PENDING, state(view, waiting).get());
        assertEquals(SyncState.FAILED, state(view, refused).get());

        // Tiers: the local ones and the remote one, with health and what waits for them.
        Table tiers = view.tiersViewer().getTable();
        assertEquals(List.of("memory", "xodus", "file", TestRemoteTier.NAME),
                view.tierRows().stream().map(t -> t.name()).toList());
        TableItem remoteItem = item(tiers, TestRemoteTier.NAME);
        assertEquals("remote", remoteItem.getText(1));
        assertEquals("Up", remoteItem.getText(3));
        assertTrue(Integer.parseInt(remoteItem.getText(4)) >= 1, "changes waiting for the remote tier");
        assertTrue(Integer.parseInt(remoteItem.getText(5)) >= 1, "a failed change for the remote tier");
        assertTrue(remoteItem.getText(7).contains("refused"), "the last error in words: " + remoteItem.getText(7));
        assertEquals("local", item(tiers, "xodus").getText(1));
        assertTrue(view.metricsText().contains("acknowledgement latency p50"), view.metricsText());
        assertTrue(view.metricsText().contains("failed attempts"), view.metricsText());
        assertTrue(coordinator.status().metrics().deliveries() >= 1);
        assertTrue(view.metricsText().matches("Delivered: [1-9].*"), view.metricsText());

        // The waiting changes, with their state and last error.
        Table outbox = view.outboxViewer().getTable();
        TableItem refusedItem = item(outbox, refused.toString());
        assertEquals(TestRemoteTier.NAME, refusedItem.getText(1));
        assertEquals("Failed", refusedItem.getText(2));
        assertTrue(refusedItem.getText(6).contains("refused"), refusedItem.getText(6));
        assertEquals("Pending", item(outbox, waiting.toString()).getText(2));

        // The screenshot shows the view on its own, as large as the window.
        IWorkbenchPartReference reference = page().getReference(view);
        page().setPartState(reference, IWorkbenchPage.STATE_MAXIMIZED);
        view.outboxViewer().setSelection(new org.eclipse.jface.viewers.StructuredSelection(row(view, refused)));
        Path shot = UiTests.screenshot(page().getWorkbenchWindow().getShell(), "status-view.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);
        page().setPartState(reference, IWorkbenchPage.STATE_RESTORED);

        // Retry Now sends the waiting change at once, without its debounce.
        view.select(List.of(row(view, waiting)));
        assertTrue(view.action(SyncStatusView.ACTION_RETRY).isEnabled());
        view.action(SyncStatusView.ACTION_RETRY).run();
        waitUntil(() -> state(view, waiting).isEmpty(), "the retried change leaves the list");
        assertEquals(12000, remote.stored(waiting).orElseThrow().body().get("intervalMs").asInt(), "it reached the server");

        // Discard asks first; Cancel keeps the change.
        view.select(List.of(row(view, refused)));
        AtomicReference<String> question = new AtomicReference<>();
        AtomicBoolean asked = whenOpens(MessageDialog.class, dialog -> {
            question.set(dialog.getShell().getText());
            press(dialog.getShell(), "Cancel");
        });
        view.action(SyncStatusView.ACTION_DISCARD).run();
        assertTrue(asked.get(), "Discard asks for confirmation");
        assertEquals("Discard Waiting Changes", question.get());
        UiTests.settle(300);
        assertTrue(coordinator.outbox().stream().anyMatch(w -> w.key().equals(refused)), "Cancel keeps the change");

        // Confirmed, Discard drops it: it will not be sent, and the copy here stays.
        AtomicBoolean confirmed = whenOpens(MessageDialog.class, dialog -> press(dialog.getShell(), "Discard"));
        view.action(SyncStatusView.ACTION_DISCARD).run();
        assertTrue(confirmed.get());
        waitUntil(() -> state(view, refused).isEmpty(), "the discarded change leaves the list");
        assertTrue(coordinator.outbox().stream().noneMatch(w -> w.key().equals(refused)), "the outbox no longer holds it");
        assertTrue(remote.stored(refused).isEmpty(), "the server never got it");
        assertEquals("Interview", coordinator.get(refused).orElseThrow().body().get("name").asText(), "the local copy stays");
    }

    @Test
    void workOfflineHoldsEveryChangeUntilItIsTurnedOff() throws Exception {
        TestRemoteTier remote = TestRemoteTier.install(SyncStatusViewTest.class);
        remote.reachable(true);
        SyncStatusView view = statusView();

        view.action(SyncStatusView.ACTION_WORK_OFFLINE).setChecked(true);
        view.action(SyncStatusView.ACTION_WORK_OFFLINE).run();
        waitUntil(() -> coordinator.workingOffline() && view.offlineBannerShown(), "the view shows working offline");
        assertTrue(view.statusText().startsWith("Working offline"), view.statusText());

        ConfigKey key = new ConfigKey("notes", "offline-notes");
        coordinator.put(key, ConfigJson.newObject().put("name", "Written offline"));
        waitUntil(() -> state(view, key).orElse(null) == SyncState.OFFLINE, "the change waits, offline");
        coordinator.syncNow();
        assertTrue(remote.stored(key).isEmpty(), "nothing is sent while working offline, not even by Sync Now");

        view.action(SyncStatusView.ACTION_WORK_OFFLINE).setChecked(false);
        view.action(SyncStatusView.ACTION_WORK_OFFLINE).run();
        waitUntil(() -> !coordinator.workingOffline() && !view.offlineBannerShown(), "the view shows working online");
        waitUntil(() -> state(view, key).orElse(null) == SyncState.PENDING, "the change is pending again");
        assertFalse(view.action(SyncStatusView.ACTION_WORK_OFFLINE).isChecked());
        view.select(List.of(row(view, key)));
        view.action(SyncStatusView.ACTION_RETRY).run();
        waitUntil(() -> remote.stored(key).isPresent(), "online again, the change is sent");
    }

    @Test
    void anAuditInAJobShowsAStaleCopyInALocalTierAndRepairsIt() throws Exception {
        SyncStatusView view = statusView();
        ConfigKey key = new ConfigKey("ui-audit", "stale-" + System.nanoTime());
        ConfigDocument latest = coordinator.put(key, ConfigJson.newObject().put("name", "The latest version"));
        StorageTier file = Services.tier(SyncStatusViewTest.class, "file");
        file.put(ConfigDocument.of(key, ConfigJson.newObject().put("name", "An older copy"), latest.createdAt(),
                latest.updatedAt().minusSeconds(60)));

        AtomicReference<List<String>> shown = new AtomicReference<>();
        AtomicBoolean offered = new AtomicBoolean();
        AtomicBoolean driven = whenOpens(AuditDialog.class, dialog -> {
            shown.set(dialog.report().differences());
            offered.set(dialog.offersRepair());
            press(dialog.getShell(), "Repair");
        });
        view.action(SyncStatusView.ACTION_AUDIT).run();
        assertNotNull(view.auditJob(), "the audit runs in a job");
        waitUntil(driven::get, "the audit's result is shown");
        assertTrue(offered.get(), "a repair is offered");
        assertTrue(shown.get().stream().anyMatch(d -> d.startsWith(key + " in file: stale")), String.valueOf(shown.get()));

        waitUntil(() -> view.auditJob().getResult() != null && view.lastAudit().repaired() > 0, "the repair job ends");
        assertTrue(view.auditJob().getResult().getMessage().startsWith("Repaired "), view.auditJob().getResult().getMessage());
        assertEquals("The latest version", file.get(key).orElseThrow().body().get("name").asText(),
                "the stale copy now holds the latest version");
        assertTrue(coordinator.audit(false).differences().stream().noneMatch(d -> d.startsWith(key.toString())));
        coordinator.delete(key);
    }

    private static SyncStatusView statusView() throws Exception {
        configsView(); // the Streamkit perspective, as large as the screen
        return (SyncStatusView) page().showView(SyncStatusView.ID);
    }

    private static Optional<SyncState> state(SyncStatusView view, ConfigKey key) {
        return view.outboxRows().stream().filter(r -> r.write().key().equals(key)).map(OutboxRow::state).findFirst();
    }

    private static OutboxRow row(SyncStatusView view, ConfigKey key) {
        return view.outboxRows().stream().filter(r -> r.write().key().equals(key)).findFirst().orElseThrow();
    }

    private static TableItem item(Table table, String first) {
        for (TableItem item : table.getItems()) {
            if (item.getText(0).equals(first)) {
                return item;
            }
        }
        throw new AssertionError("No row " + first + " in the table");
    }
}
