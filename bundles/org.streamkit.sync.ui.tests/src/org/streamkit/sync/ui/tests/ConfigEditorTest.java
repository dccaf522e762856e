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
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.core.runtime.NullProgressMonitor;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Event;
import org.eclipse.ui.IWorkbenchCommandConstants;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.editor.ConfigEditor;
import org.streamkit.sync.ui.internal.views.ConfigsView;
import org.streamkit.sync.ui.internal.views.NewConfigDialog;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The config editor in a real workbench: create, edit, validate, save, and changes made elsewhere. */
class ConfigEditorTest {

    private final SyncCoordinator coordinator = Services.await(ConfigEditorTest.class, SyncCoordinator.class, null);
    private final StorageTier xodus = Services.tier(ConfigEditorTest.class, "xodus");

    @AfterEach
    void closeEditors() {
        page().closeAllEditors(false);
    }

    @Test
    void aNewConfigIsCreatedEditedAndSavedThroughTheEditor() throws Exception {
        ConfigsView view = configsView();
        view.tree().viewer().setSelection(StructuredSelection.EMPTY);
        AtomicReference<String> badIdProblem = new AtomicReference<>();
        AtomicBoolean okWithBadId = new AtomicBoolean(true);
        AtomicBoolean okWhenValid = new AtomicBoolean();
        AtomicBoolean driven = whenOpens(NewConfigDialog.class, dialog -> {
            dialog.typeField().setText("text-cyclers");
            dialog.idField().setText("lower/third");
            badIdProblem.set(dialog.getErrorMessage());
            okWithBadId.set(dialog.okButton().isEnabled());
            dialog.idField().setText("lower-third");
            dialog.nameField().setText("Lower third");
            okWhenValid.set(dialog.okButton().isEnabled());
            dialog.okButton().notifyListeners(SWT.Selection, new Event());
        });
        view.action(ConfigsView.ACTION_NEW).run();
        assertTrue(driven.get(), "the New dialog opened");
        assertNotNull(badIdProblem.get());
        assertTrue(badIdProblem.get().contains("slashes are not allowed"), badIdProblem.get());
        assertFalse(okWithBadId.get(), "OK is disabled while the id is not acceptable");
        assertTrue(okWhenValid.get(), "OK is enabled once type and id are acceptable");

        ConfigKey key = new ConfigKey("text-cyclers", "lower-third");
        ConfigEditor editor = awaitEditor(key);
        assertEquals("Lower third", coordinator.get(key).orElseThrow().body().get("name").asText());
        assertEquals("Lower third", editor.form().nameField().getText());
        assertEquals(ConfigJson.pretty(ConfigJson.newObject().put("name", "Lower third")), editor.form().text(),
                "the body is shown pretty-printed");
        assertFalse(editor.isDirty());

        // Edit the JSON text: the editor is dirty, the name follows, nothing is wrong.
        editor.form().textWidget().setText("""
                {
                  "name": "Lower third — live",
                  "lines": ["Follow!", "Café au lait at 9"],
                  "intervalMs": 4000
                }
                """);
        assertTrue(editor.isDirty());
        assertEquals("Lower third — live", editor.form().nameField().getText());
        assertEquals("", editor.form().problemText());

        editor.doSave(new NullProgressMonitor());
        assertFalse(editor.isDirty(), "saved");
        ObjectNode stored = xodus.get(key).orElseThrow().body();
        assertEquals(4000, stored.get("intervalMs").asInt());
        assertEquals("Café au lait at 9", stored.get("lines").get(1).asText());
        assertEquals("Lower third — live", stored.get("name").asText());

        // The name field edits the body's name and keeps the rest; the Save command (Ctrl+S) saves.
        editor.form().nameField().setText("Lower third (main)");
        assertTrue(editor.isDirty());
        assertTrue(editor.form().text().contains("\"Lower third (main)\""), editor.form().text());
        assertTrue(editor.form().text().contains("4000"));
        editor.getSite().getService(IHandlerService.class).executeCommand(IWorkbenchCommandConstants.FILE_SAVE, null);
        assertFalse(editor.isDirty(), "saved by the Save command");
        assertEquals("Lower third (main)", xodus.get(key).orElseThrow().body().get("name").asText());
        assertEquals("Lower third (main)", editor.getPartName());
        waitUntil(() -> view.rows().stream().anyMatch(r -> r.key().equals(key) && r.name().equals("Lower third (main)")),
                "the configs view shows the saved name");

        Path shot = UiTests.screenshot(page().getWorkbenchWindow().getShell(), "editor.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);
    }

    @Test
    void invalidJsonIsRefusedWithTheLineOfTheProblem() throws Exception {
        ConfigKey key = new ConfigKey("ui-editor", "invalid");
        coordinator.put(key, ConfigJson.newObject().put("name", "Valid before"));
        ConfigsView view = configsView();
        ConfigEditor editor = view.openEditor(key);
        waitUntil(editor::loaded, "the editor has read the config");

        editor.form().textWidget().setText("{\n  \"name\": \"Broken\",\n  \"intervalMs\": 30 00\n}\n");
        String problem = editor.form().problemText();
        assertTrue(problem.contains("line 3"), problem);
        assertTrue(editor.form().textWidget().getLineBackground(2) != null, "the line of the problem is highlighted");
        assertNull(editor.form().textWidget().getLineBackground(0));
        assertFalse(editor.form().nameField().isEnabled(), "the name cannot be edited while the JSON is broken");
        NullProgressMonitor monitor = new NullProgressMonitor();
        editor.doSave(monitor);
        assertTrue(monitor.isCanceled(), "the save is refused");
        assertTrue(editor.isDirty());
        assertEquals("Valid before", coordinator.get(key).orElseThrow().body().get("name").asText());
        Path shot = UiTests.screenshot(page().getWorkbenchWindow().getShell(), "editor-invalid-json.png");
        assertTrue(Files.size(shot) > 1000);

        // As strict as every tier: duplicate keys and anything but an object are refused too.
        editor.form().textWidget().setText("{\"name\": \"a\",\n \"name\": \"b\"}");
        assertTrue(editor.form().problemText().contains("line 2"), editor.form().problemText());
        assertTrue(editor.form().problemText().contains("Duplicate field"), editor.form().problemText());
        editor.form().textWidget().setText("[1, 2]");
        assertTrue(editor.form().problemText().contains("JSON object"), editor.form().problemText());

        // Too large: over 1 MiB as compact JSON.
        StringBuilder big = new StringBuilder("{\"name\": \"Big\", \"blob\": [\n");
        String chunk = "x".repeat(1000);
        for (int i = 0; i < 1100; i++) {
            big.append(i == 0 ? "" : ",\n").append("  \"").append(chunk).append('"');
        }
        big.append("\n]}\n");
        editor.form().textWidget().setText(big.toString());
        waitUntil(() -> editor.form().problemText().contains(String.valueOf(ConfigDocument.MAX_BODY_BYTES)),
                "the editor says the body is too large");
        monitor = new NullProgressMonitor();
        editor.doSave(monitor);
        assertTrue(monitor.isCanceled(), "an oversize body is not saved");
        assertEquals("Valid before", coordinator.get(key).orElseThrow().body().get("name").asText());

        // Fixed, it saves.
        editor.form().textWidget().setText("{\"name\": \"Fixed\"}");
        assertEquals("", editor.form().problemText());
        editor.doSave(new NullProgressMonitor());
        assertFalse(editor.isDirty());
        assertEquals("Fixed", xodus.get(key).orElseThrow().body().get("name").asText());
    }

    @Test
    void aChangeMadeElsewhereIsShownAndNeverSilentlyOverwritten() throws Exception {
        ConfigKey key = new ConfigKey("ui-editor", "shared");
        ConfigDocument first = coordinator.put(key, ConfigJson.newObject().put("name", "First"));
        ConfigEditor editor = configsView().openEditor(key);
        waitUntil(() -> editor.loaded() && first.updatedAt().equals(editor.baseVersion()), "the editor shows the first version");

        // Without unsaved changes the editor shows the newer version, and says so.
        coordinator.put(key, ConfigJson.newObject().put("name", "Second from elsewhere"));
        waitUntil(() -> editor.form().text().contains("Second from elsewhere"), "the editor follows the change");
        assertTrue(editor.form().infoText().contains("changed elsewhere"), editor.form().infoText());
        assertFalse(editor.isDirty());

        // With unsaved changes it keeps them and asks.
        editor.form().textWidget().setText("{\"name\": \"Mine\"}");
        coordinator.put(key, ConfigJson.newObject().put("name", "Third from elsewhere"));
        waitUntil(() -> buttons(editor).contains("Keep mine"), "the editor asks what to keep");
        assertTrue(editor.form().infoText().contains("changed elsewhere"), editor.form().infoText());
        assertEquals(List.of("Reload", "Keep mine"), buttons(editor));
        assertEquals("{\"name\": \"Mine\"}", editor.form().text(), "unsaved changes are kept");
        UiTests.screenshot(page().getWorkbenchWindow().getShell(), "editor-changed-elsewhere.png");
        NullProgressMonitor monitor = new NullProgressMonitor();
        editor.doSave(monitor);
        assertTrue(monitor.isCanceled(), "no save before a choice");
        assertEquals("Third from elsewhere", coordinator.get(key).orElseThrow().body().get("name").asText());

        press(editor.form().control().getParent(), "Keep mine");
        assertEquals("", editor.form().infoText());
        editor.doSave(new NullProgressMonitor());
        assertFalse(editor.isDirty());
        assertEquals("Mine", coordinator.get(key).orElseThrow().body().get("name").asText());

        // Reload takes the other version.
        editor.form().textWidget().setText("{\"name\": \"Mine again\"}");
        coordinator.put(key, ConfigJson.newObject().put("name", "Fourth from elsewhere"));
        waitUntil(() -> buttons(editor).contains("Reload"), "the editor asks again");
        press(editor.form().control().getParent(), "Reload");
        assertTrue(editor.form().text().contains("Fourth from elsewhere"), editor.form().text());
        assertFalse(editor.isDirty());

        // A deletion elsewhere is shown too.
        coordinator.delete(key);
        waitUntil(() -> editor.form().infoText().contains("deleted elsewhere"), "the editor shows the deletion");
        assertEquals(List.of("Close editor", "Keep mine"), buttons(editor));
    }

    @Test
    void deleteAsksFirstAndUndoBringsTheConfigBack() throws Exception {
        ConfigKey key = new ConfigKey("ui-undo", "keep-me");
        ObjectNode body = ConfigJson.newObject().put("name", "Keep me");
        body.putArray("lines").add("first line").add("second line");
        coordinator.put(key, body);
        ConfigsView view = configsView();
        view.refresh();
        waitUntil(() -> view.rows().stream().anyMatch(r -> r.key().equals(key)), "the view shows the config");
        view.tree().select(key);
        assertEquals(List.of(key), view.tree().selectedKeys());

        // Cancel deletes nothing.
        AtomicBoolean asked = whenOpens(org.eclipse.jface.dialogs.MessageDialog.class,
                dialog -> press(dialog.getShell(), "Cancel"));
        view.action(ConfigsView.ACTION_DELETE).run();
        assertTrue(asked.get(), "the deletion is confirmed first");
        UiTests.settle(300);
        assertTrue(coordinator.get(key).isPresent(), "cancelled: still there");

        AtomicBoolean confirmed = whenOpens(org.eclipse.jface.dialogs.MessageDialog.class,
                dialog -> press(dialog.getShell(), "Delete"));
        view.action(ConfigsView.ACTION_DELETE).run();
        assertTrue(confirmed.get());
        waitUntil(() -> call(() -> coordinator.getIncludingDeleted(key)).map(ConfigDocument::deleted).orElse(false),
                "the config is deleted");
        waitUntil(() -> view.rows().stream().noneMatch(r -> r.key().equals(key)), "the view no longer shows it");

        // The workbench's Undo (Edit > Undo, Ctrl+Z) in the view brings it back with its body.
        page().activate(view);
        var undo = view.getViewSite().getActionBars().getGlobalActionHandler(
                org.eclipse.ui.actions.ActionFactory.UNDO.getId());
        waitUntil(undo::isEnabled, "Undo is offered");
        assertTrue(undo.getText().contains("Delete " + key), undo.getText());
        undo.run();
        waitUntil(() -> call(() -> coordinator.get(key)).isPresent(), "the config is back");
        assertEquals(body, coordinator.get(key).orElseThrow().body());
        assertEquals(body, xodus.get(key).orElseThrow().body());
        waitUntil(() -> view.rows().stream().anyMatch(r -> r.key().equals(key)), "the view shows it again");
    }

    @Test
    void duplicateCopiesTheBodyUnderANewId() throws Exception {
        ConfigKey source = new ConfigKey("ui-dup", "source");
        coordinator.put(source, ConfigJson.newObject().put("name", "Source").put("intervalMs", 1500));
        ConfigsView view = configsView();
        view.refresh();
        waitUntil(() -> view.rows().stream().anyMatch(r -> r.key().equals(source)), "the view shows the config");
        view.tree().select(source);
        AtomicReference<String> offeredId = new AtomicReference<>();
        AtomicReference<String> offeredName = new AtomicReference<>();
        AtomicBoolean driven = whenOpens(NewConfigDialog.class, dialog -> {
            offeredId.set(dialog.idField().getText());
            offeredName.set(dialog.nameField().getText());
            dialog.okButton().notifyListeners(SWT.Selection, new Event());
        });
        view.action(ConfigsView.ACTION_DUPLICATE).run();
        assertTrue(driven.get());
        assertEquals("source-copy", offeredId.get());
        assertEquals("Source (copy)", offeredName.get());
        ConfigKey copy = new ConfigKey("ui-dup", "source-copy");
        awaitEditor(copy);
        ObjectNode copied = coordinator.get(copy).orElseThrow().body();
        assertEquals(1500, copied.get("intervalMs").asInt());
        assertEquals("Source (copy)", copied.get("name").asText());
        assertEquals("Source", coordinator.get(source).orElseThrow().body().get("name").asText());
    }

    private static ConfigEditor awaitEditor(ConfigKey key) throws InterruptedException {
        waitUntil(() -> page().getActiveEditor() instanceof ConfigEditor e && e.key().equals(key) && e.loaded(),
                "the config opens in the editor");
        return (ConfigEditor) page().getActiveEditor();
    }

    private static List<String> buttons(ConfigEditor editor) {
        return editor.form().infoButtons().stream().map(Button::getText).map(t -> t.replace("&", "")).toList();
    }
}
