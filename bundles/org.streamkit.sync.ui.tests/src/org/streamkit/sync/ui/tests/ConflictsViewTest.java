package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.call;
import static org.streamkit.sync.ui.tests.UiTests.configsView;
import static org.streamkit.sync.ui.tests.UiTests.page;
import static org.streamkit.sync.ui.tests.UiTests.press;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;
import static org.streamkit.sync.ui.tests.UiTests.whenOpens;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.ui.IEditorPart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.compare.ConflictCompareInput;
import org.streamkit.sync.ui.internal.compare.FieldMerge;
import org.streamkit.sync.ui.internal.compare.FieldMergeDialog;
import org.streamkit.sync.ui.internal.compare.HistoryDialog;
import org.streamkit.sync.ui.internal.compare.HistoryEntry;
import org.streamkit.sync.ui.internal.views.ConfigsView;
import org.streamkit.sync.ui.internal.views.ConflictsView;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Real conflicts, made by two devices editing the same config (the workbench's coordinator with the
 * conflict policy "ask", and a second coordinator that syncs with the same server), shown in the
 * Conflicts view, compared in the compare editor and resolved each way: Keep Mine, Take Theirs, a field
 * merge, an edited merge. Each test checks what is stored, the history and the conflict log, and that the
 * resolution reaches the server and the other device. The History dialog, opened from the Configs view's
 * context menu, lists earlier and losing versions and restores them.
 */
@TestInstance(Lifecycle.PER_CLASS)
class ConflictsViewTest {

    private AskPolicy policy;
    private SyncCoordinator coordinator;
    private TestRemoteTier remote;
    private SecondDevice laptop;
    private StorageTier xodus;

    @BeforeAll
    void twoDevicesAndTheAskPolicy() throws Exception {
        remote = TestRemoteTier.install(ConflictsViewTest.class);
        remote.reachable(true);
        policy = AskPolicy.set(ConflictsViewTest.class);
        coordinator = AskPolicy.coordinator(ConflictsViewTest.class);
        xodus = Services.tier(ConflictsViewTest.class, "xodus");
        waitUntil(() -> coordinator.status().tiers().stream()
                .anyMatch(t -> t.name().equals(TestRemoteTier.NAME) && t.present()), "the remote tier joins");
        Path state = Path.of(System.getProperty("streamkit.test.output", "target"), "second-device-" + UUID.randomUUID());
        laptop = new SecondDevice(state, remote);
    }

    @AfterAll
    void theDefaultPolicyAgain() throws Exception {
        page().closeAllEditors(false);
        laptop.close();
        policy.close();
        Services.await(ConflictsViewTest.class, SyncCoordinator.class, "(!(conflictPolicy=ask))");
    }

    @AfterEach
    void closeEditors() {
        page().closeAllEditors(false);
    }

    // ------------------------------------------------------------------------------------------ resolving each way

    @Test
    void keepMineInTheCompareEditorSavesThisDevicesVersionEverywhere() throws Exception {
        ConfigKey key = new ConfigKey("text-cyclers", "chat-rules");
        Versions v = versions("Chat rules");
        Conflict conflict = conflict(key, v);

        ConflictsView view = conflictsView();
        waitUntil(() -> shows(view, key), "the Conflicts view lists the conflict");
        assertTrue(view.statusText().startsWith("Open conflicts:"), view.statusText());
        ConflictCompareInput input = openCompare(view, key);

        // Both versions side by side as pretty JSON, and the version both started from.
        List<String> texts = texts(input);
        assertTrue(texts.contains(pretty(v.mine())), "this device's version is shown: " + texts);
        assertTrue(texts.contains(pretty(v.theirs())), "the server's version is shown: " + texts);
        assertTrue(texts.contains(pretty(v.base())), "the common version is shown: " + texts);
        assertNotNull(input.base(), "the base is known from the history");
        assertEquals(v.base(), input.base().body());
        assertTrue(input.infoText().contains(TestRemoteTier.NAME), input.infoText());
        Path shot = UiTests.screenshot(page().getWorkbenchWindow().getShell(), "conflict-compare.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);

        press(input.actionBar(), "Keep Mine");
        awaitResolved(input);
        assertEquals(ConflictCompareInput.MINE, input.resolution());
        assertResolved(key, conflict, v.mine(), ConflictCompareInput.MINE);
        waitUntil(() -> !shows(view, key), "the Conflicts view drops the resolved conflict");
    }

    @Test
    void takeTheirsInTheCompareEditorSavesTheOtherDevicesVersion() throws Exception {
        ConfigKey key = new ConfigKey("swaps", "scene-swap");
        Versions v = versions("Scene swap");
        Conflict conflict = conflict(key, v);
        ConflictCompareInput input = openCompare(conflictsView(), key);

        press(input.actionBar(), "Take Theirs");
        awaitResolved(input);
        assertEquals(ConflictCompareInput.THEIRS, input.resolution());
        assertResolved(key, conflict, v.theirs(), ConflictCompareInput.THEIRS);
    }

    @Test
    void aFieldMergeKeepsTheChosenValueOfEachTopLevelField() throws Exception {
        ConfigKey key = new ConfigKey("layouts", "starting-soon");
        Versions v = versions("Starting soon");
        Conflict conflict = conflict(key, v);
        ConflictCompareInput input = openCompare(conflictsView(), key);

        Map<String, FieldMerge.Side> firstChoices = new java.util.LinkedHashMap<>();
        AtomicReference<String> mergedText = new AtomicReference<>();
        AtomicBoolean driven = whenOpens(FieldMergeDialog.class, dialog -> {
            dialog.merge().fields().forEach(f -> firstChoices.put(f.name(), f.choice()));
            dialog.choose("lines", FieldMerge.Side.THEIRS);
            mergedText.set(dialog.mergedText());
            press(dialog.getShell(), "Save Merge");
        });
        press(input.actionBar(), "Merge Fields\u2026");
        assertTrue(driven.get(), "the field merge dialog opened");
        // Only one side changed name, color and font (theirs) and intervalMs (mine): those are chosen at
        // first; both changed lines, where mine comes first until chosen otherwise.
        assertEquals(Map.of("name", FieldMerge.Side.THEIRS, "intervalMs", FieldMerge.Side.MINE, "color",
                FieldMerge.Side.THEIRS, "lines", FieldMerge.Side.MINE, "font", FieldMerge.Side.THEIRS), firstChoices);
        assertEquals(List.of("name", "intervalMs", "color", "lines", "font"), List.copyOf(firstChoices.keySet()),
                "fields in this device's order, then those only theirs has");

        ObjectNode expected = ConfigJson.newObject();
        expected.set("name", v.theirs().get("name"));
        expected.set("intervalMs", v.mine().get("intervalMs"));
        expected.set("color", v.theirs().get("color"));
        expected.set("lines", v.theirs().get("lines"));
        expected.set("font", v.theirs().get("font"));
        assertEquals(expected, ConfigJson.parseObject(mergedText.get()), "the merged JSON shows the choices");
        awaitResolved(input);
        assertEquals(ConflictCompareInput.MERGED, input.resolution());
        assertResolved(key, conflict, expected, ConflictCompareInput.MERGED);
    }

    @Test
    void theMergeEditedInTheCompareEditorIsSavedOnceItIsValidJson() throws Exception {
        ConfigKey key = new ConfigKey("notes", "sponsor-reads");
        Versions v = versions("Sponsor reads");
        Conflict conflict = conflict(key, v);
        ConflictCompareInput input = openCompare(conflictsView(), key);
        StyledText left = editable(input);

        left.setText("{ \"name\": \"Sponsor reads\", ");
        press(input.actionBar(), "Save Merge");
        assertTrue(input.problemText().startsWith("The merge cannot be saved: Invalid JSON at line 1"),
                "problem: " + input.problemText() + " | resolved: " + input.resolved() + " | " + input.resolution() + " | text: " + left.getText());
        assertNull(input.resolved());
        assertTrue(coordinator.conflicts().stream().anyMatch(c -> c.key().equals(key)), "the conflict stays open");

        // Ctrl+S saves the compare editor: the edited merge.
        ObjectNode edited = v.mine().deepCopy().put("name", "Sponsor reads (merged by hand)");
        left.setText(ConfigJson.pretty(edited));
        UiTests.settle(200);
        assertTrue(input.isDirty(), "the edited merge is unsaved");
        IEditorPart editor = page().findEditor(input);
        assertTrue(page().saveEditor(editor, false));
        awaitResolved(input);
        assertEquals(ConflictCompareInput.MERGED, input.resolution());
        assertResolved(key, conflict, edited, ConflictCompareInput.MERGED);
    }

    // ------------------------------------------------------------------------------------------ history

    @Test
    void theHistoryListsEarlierAndLosingVersionsAndRestoresThem() throws Exception {
        ConfigKey key = new ConfigKey("notes", "raid-plan");
        Versions v = versions("Raid plan");
        Conflict conflict = conflict(key, v);

        // Keep Mine right from the Conflicts view's list.
        ConflictsView view = conflictsView();
        waitUntil(() -> shows(view, key), "the Conflicts view lists the conflict");
        view.viewer().setSelection(new StructuredSelection(row(view, key)));
        view.action(ConflictsView.ACTION_KEEP_MINE).run();
        waitUntil(() -> coordinator.conflicts().stream().noneMatch(c -> c.key().equals(key)), "the conflict is resolved");
        assertEquals(v.mine(), coordinator.get(key).orElseThrow().body());

        // History… from the Configs view's context menu.
        ConfigsView configs = configsView();
        configs.refresh();
        waitUntil(() -> configs.rows().stream().anyMatch(r -> r.key().equals(key)), "the Configs view shows the config");
        page().activate(configs);
        configs.tree().select(key);
        List<String> seen = new ArrayList<>();
        List<String> stamps = new ArrayList<>();
        AtomicReference<String> afterFirstRestore = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean driven = whenOpens(HistoryDialog.class, dialog -> {
            try {
                waitUntil(() -> dialog.loads() > 0, "the history is read");
                dialog.entries().forEach(e -> seen.add(e.kind() + " " + e.document().body().get("name").asText()
                        + (e.tier().isEmpty() ? "" : " " + e.tier() + " " + e.resolution())));
                dialog.entries().forEach(e -> stamps.add(e.kind() + " " + e.document().bodyJson() + " @" + e.document().updatedAt()));
                // Restore the version both devices started from: an earlier version.
                HistoryEntry base = dialog.entries().stream().filter(e -> e.kind() == HistoryEntry.Kind.EARLIER
                        && e.document().body().equals(v.base())).findFirst().orElseThrow();
                dialog.select(base);
                assertEquals(pretty(v.base()), dialog.previewText().strip());
                long loads = dialog.loads();
                press(dialog.getShell(), "Restore");
                waitUntil(() -> !dialog.restoring() && dialog.loads() > loads
                        && dialog.entries().get(0).document().body().equals(v.base()), "the restored version is the current one");
                afterFirstRestore.set(dialog.messageText());
                // Restore the version that lost the conflict: kept only in the conflict log.
                HistoryEntry lost = dialog.entries().stream().filter(e -> e.kind() == HistoryEntry.Kind.LOST).findFirst()
                        .orElseThrow();
                dialog.select(lost);
                long loadsNow = dialog.loads();
                press(dialog.getShell(), "Restore");
                waitUntil(() -> !dialog.restoring() && dialog.loads() > loadsNow
                        && dialog.entries().get(0).document().body().equals(v.theirs()), "the losing version is the current one");
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        MenuItem history = contextMenuItem(configs.tree().viewer().getControl(), "History\u2026");
        assertTrue(history.isEnabled(), "History… is enabled for one selected config");
        history.notifyListeners(SWT.Selection, new Event());
        waitUntil(driven::get, "the History dialog was driven");
        if (failure.get() != null) {
            throw new AssertionError("in the History dialog", failure.get());
        }
        assertEquals(List.of(
                "CURRENT Raid plan",
                "EARLIER Raid plan",
                "LOST Raid plan (weekend) " + TestRemoteTier.NAME + " mine",
                "EARLIER Raid plan"), seen.subList(0, 4),
                "current, this device's version the resolution replaced, the losing version, then the base: " + stamps);
        assertTrue(afterFirstRestore.get().startsWith("Restored the version of"), afterFirstRestore.get());
        assertEquals(v.theirs(), coordinator.get(key).orElseThrow().body(), "the last restore is the current version");
        List<ConfigDocument> earlier = coordinator.history(key);
        assertEquals(v.base(), earlier.get(0).body(), "each restore put the version it replaced in the history");
        assertEquals(v.mine(), earlier.get(1).body());
        assertEquals(conflict.mine().updatedAt(), earlier.get(2).updatedAt());
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The three versions of a conflict: where both started, this device's edit, the other device's edit. */
    private record Versions(ObjectNode base, ObjectNode mine, ObjectNode theirs) {
    }

    private static Versions versions(String name) {
        ObjectNode base = ConfigJson.newObject().put("name", name).put("intervalMs", 8000).put("color", "#ffffff");
        base.putArray("lines").add("Be kind").add("No spoilers").add("Have fun");
        ObjectNode mine = base.deepCopy().put("intervalMs", 6000);
        ((ArrayNode) mine.get("lines")).add("Follow for more");
        ObjectNode theirs = base.deepCopy().put("name", name + " (weekend)").put("color", "#ffcc00").put("font", "Inter");
        ((ArrayNode) theirs.get("lines")).set(1, ConfigJson.newObject().textNode("No spoilers, please"));
        return new Versions(base, mine, theirs);
    }

    /**
     * Makes a real conflict: both devices hold the base version; the second device's edit reaches the
     * server; this device's edit waits in its outbox; the next sync finds both and, under the "ask"
     * policy, leaves the conflict open.
     */
    private Conflict conflict(ConfigKey key, Versions v) throws Exception {
        coordinator.put(key, v.base());
        coordinator.syncNow();
        assertEquals(v.base(), remote.stored(key).orElseThrow().body(), "the base version reached the server");
        laptop.sync();
        assertEquals(v.base(), laptop.get(key).body(), "the second device has the base version");
        laptop.put(key, v.theirs());
        laptop.sync();
        assertEquals(v.theirs(), remote.stored(key).orElseThrow().body(), "the second device's edit reached the server");
        coordinator.put(key, v.mine());
        coordinator.syncNow();
        Conflict conflict = coordinator.conflicts().stream().filter(c -> c.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no open conflict for " + key));
        assertEquals(v.mine(), conflict.mine().body());
        assertEquals(v.theirs(), conflict.theirs().body());
        assertEquals(TestRemoteTier.NAME, conflict.tier());
        assertEquals(v.mine(), coordinator.get(key).orElseThrow().body(), "an open conflict changes nothing here");
        return conflict;
    }

    /** Checks what a resolution stored, kept and sent. */
    private void assertResolved(ConfigKey key, Conflict conflict, ObjectNode expected, String resolution) throws Exception {
        assertEquals(expected, coordinator.get(key).orElseThrow().body(), "the resolution is the current version");
        assertEquals(expected, xodus.get(key).orElseThrow().body(), "the primary local store holds it");
        assertTrue(coordinator.conflicts().stream().noneMatch(c -> c.key().equals(key)), "the conflict is closed");
        Conflict logged = coordinator.conflictLog(key).get(0);
        assertEquals(resolution, logged.resolution(), "the conflict log says how it ended");
        assertEquals(conflict.theirs(), logged.theirs());
        ConfigDocument replaced = coordinator.history(key).get(0);
        assertEquals(conflict.mine().updatedAt(), replaced.updatedAt(), "the version the resolution replaced is in the history");
        assertEquals(conflict.mine().body(), replaced.body());
        coordinator.syncNow();
        assertEquals(expected, remote.stored(key).orElseThrow().body(), "the resolution reached the server");
        laptop.sync();
        assertEquals(expected, laptop.get(key).body(), "and the other device");
    }

    private static String pretty(ObjectNode body) {
        return ConfigJson.pretty(body).strip();
    }

    private static ConflictsView conflictsView() throws Exception {
        configsView(); // the Streamkit perspective, as large as the screen
        return (ConflictsView) page().showView(ConflictsView.ID);
    }

    private static boolean shows(ConflictsView view, ConfigKey key) {
        return view.conflicts().stream().anyMatch(c -> c.key().equals(key));
    }

    private static Conflict row(ConflictsView view, ConfigKey key) {
        return view.conflicts().stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow();
    }

    /** Opens a conflict the way a double-click does, and waits for the compare editor to show it. */
    private static ConflictCompareInput openCompare(ConflictsView view, ConfigKey key) throws Exception {
        waitUntil(() -> shows(view, key), "the Conflicts view lists " + key);
        view.viewer().setSelection(new StructuredSelection(row(view, key)));
        view.action(ConflictsView.ACTION_COMPARE).run();
        waitUntil(() -> page().getActiveEditor() != null
                && page().getActiveEditor().getEditorInput() instanceof ConflictCompareInput input
                && input.conflict().key().equals(key) && input.actionBar() != null && texts(input).size() >= 2,
                "the compare editor shows the conflict");
        IEditorPart editor = page().getActiveEditor();
        return (ConflictCompareInput) editor.getEditorInput();
    }

    private void awaitResolved(ConflictCompareInput input) throws InterruptedException {
        waitUntil(() -> input.resolved() != null, "the conflict is resolved: " + call(input::problemText));
        waitUntil(() -> page().findEditor(input) == null, "the compare editor closes");
    }

    /** @return the texts of the comparison's panes, stripped */
    private static List<String> texts(ConflictCompareInput input) {
        List<String> texts = new ArrayList<>();
        collect(input.actionBar().getParent(), StyledText.class).forEach(t -> texts.add(t.getText().strip()));
        texts.removeIf(String::isEmpty);
        return texts;
    }

    /** @return the comparison's editable pane: this device's version, which becomes the merge */
    private static StyledText editable(ConflictCompareInput input) {
        List<StyledText> editable = collect(input.actionBar().getParent(), StyledText.class).stream()
                .filter(StyledText::getEditable).toList();
        assertEquals(1, editable.size(), "one side can be edited");
        return editable.get(0);
    }

    private static <T extends Control> List<T> collect(Composite parent, Class<T> type) {
        List<T> found = new ArrayList<>();
        for (Control child : parent.getChildren()) {
            if (type.isInstance(child)) {
                found.add(type.cast(child));
            }
            if (child instanceof Composite composite) {
                found.addAll(collect(composite, type));
            }
        }
        return found;
    }

    /** Shows a control's context menu, as a right-click does, and finds an item in it. */
    private static MenuItem contextMenuItem(Control control, String text) {
        Menu menu = control.getMenu();
        menu.notifyListeners(SWT.Show, new Event());
        for (MenuItem item : menu.getItems()) {
            if (item.getText().replace("&", "").startsWith(text)) {
                return item;
            }
        }
        List<String> items = new ArrayList<>();
        for (MenuItem item : menu.getItems()) {
            items.add(item.getText());
        }
        throw new AssertionError("No menu item " + text + " in " + items);
    }
}
