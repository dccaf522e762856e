package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.press;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Table;
import org.eclipse.ui.IWorkbenchWizard;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.wizards.IWizardDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.support.ConfigBackup;
import org.streamkit.sync.api.support.ConfigBackup.Change;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.wizards.ExportConfigsWizard;
import org.streamkit.sync.ui.internal.wizards.ImportConfigsWizard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * File &gt; Export and File &gt; Import of Streamkit configs, through the wizards the workbench registers:
 * the export writes the command line's backup format; the import shows what it will change (new, newer,
 * older and skipped, the same) before it changes anything, then merges, last write wins.
 */
class BackupWizardsTest {

    private final SyncCoordinator coordinator = Services.await(BackupWizardsTest.class, SyncCoordinator.class, null);
    private final Path work = Path.of(System.getProperty("streamkit.test.output", "target"), "backups").toAbsolutePath();
    private WizardDialog dialog;

    @AfterEach
    void closeTheWizard() {
        if (dialog != null && dialog.getShell() != null && !dialog.getShell().isDisposed()) {
            dialog.close();
        }
    }

    @Test
    void anExportImportsBackAndTheImportShowsWhatItChangesBeforeChangingIt() throws Exception {
        Files.createDirectories(work);
        String run = Long.toString(System.nanoTime(), 36);
        String type = "ui-backup-" + run;
        ConfigKey same = new ConfigKey(type, "same");
        ConfigKey olderInBackup = new ConfigKey(type, "changed-here");
        ConfigKey newerInBackup = new ConfigKey(type, "changed-there");
        ConfigKey onlyInBackup = new ConfigKey(type, "only-there");
        coordinator.put(same, ConfigJson.newObject().put("name", "Stays the same — café"));
        coordinator.put(olderInBackup, ConfigJson.newObject().put("name", "Before the export"));
        ConfigDocument there = coordinator.put(newerInBackup, ConfigJson.newObject().put("name", "Before the export"));

        // Export through the registered wizard.
        Path backup = work.resolve("backup-" + run + ".json");
        ExportConfigsWizard export = (ExportConfigsWizard) create(
                PlatformUI.getWorkbench().getExportWizardRegistry().findWizard(ExportConfigsWizard.ID));
        open(export);
        export.filePage().fileText().setText(backup.toString());
        assertNull(export.filePage().getErrorMessage());
        press(dialog.getShell(), IDialogConstants.FINISH_LABEL);
        IStatus exported = finished(export.job());
        assertTrue(exported.getSeverity() <= IStatus.INFO, exported.getMessage());
        assertTrue(exported.getMessage().startsWith("Exported "), exported.getMessage());

        // The command line's format: {"configs": [documents]}, pretty-printed, read back whole.
        String text = Files.readString(backup, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("{\n  \"configs\" : [ {"), text.substring(0, Math.min(80, text.length())));
        JsonNode first = ConfigJson.reader().readTree(text).get("configs").get(0);
        List<String> fields = iterable(first.fieldNames());
        assertEquals(List.of("type", "id", "createdAt", "updatedAt", "deleted"), fields.subList(0, 5));
        assertEquals("body", fields.get(fields.size() - 1));
        Map<ConfigKey, ConfigDocument> inBackup = ConfigBackup.read(backup).stream()
                .collect(Collectors.toMap(ConfigDocument::key, d -> d));
        ConfigDocument here = coordinator.get(same).orElseThrow();
        assertEquals(here.updatedAt(), inBackup.get(same).updatedAt(), "a config is exported with its times");
        assertTrue(here.sameBody(inBackup.get(same)), "a config is exported with its body");
        assertEquals(coordinator.list(type).size(), inBackup.keySet().stream().filter(k -> k.type().equals(type)).count());

        // Importing it at once changes nothing: everything is the same.
        ImportConfigsWizard unchanged = openImport(backup);
        assertEquals(0, unchanged.previewPage().counts().get(Change.NEW) + unchanged.previewPage().counts().get(Change.NEWER));
        assertEquals(inBackup.size(), unchanged.previewPage().counts().get(Change.SAME));
        assertTrue(unchanged.previewPage().summaryText().endsWith("Importing changes nothing."),
                unchanged.previewPage().summaryText());
        press(dialog.getShell(), IDialogConstants.CANCEL_LABEL);

        // Then: a change here after the export, and the backup edited as another device would have it,
        // with one config changed later there and one config this side never had.
        Instant sameVersion = coordinator.get(same).orElseThrow().updatedAt();
        coordinator.put(olderInBackup, ConfigJson.newObject().put("name", "Changed here after the export"));
        ObjectNode root = (ObjectNode) ConfigJson.reader().readTree(text);
        ArrayNode configs = root.putArray("configs");
        for (ConfigDocument document : inBackup.values()) {
            if (!document.key().type().equals(type)) {
                continue;
            }
            ObjectNode node = (ObjectNode) ConfigJson.reader().readTree(ConfigJson.writer().writeValueAsBytes(document));
            if (document.key().equals(newerInBackup)) {
                node.put("updatedAt", there.updatedAt().plusSeconds(60).toString());
                ((ObjectNode) node.get("body")).put("name", "Changed there later — ünïcödé");
            }
            configs.add(node);
        }
        configs.addObject().put("type", type).put("id", onlyInBackup.id())
                .put("createdAt", "2026-01-02T03:04:05.678Z").put("updatedAt", "2026-01-02T03:04:05.678Z")
                .put("deleted", false).set("body", ConfigJson.newObject().put("name", "Only in the backup"));
        Files.writeString(backup, ConfigJson.pretty(root), StandardCharsets.UTF_8);

        // The preview says what will change; nothing has changed yet.
        ImportConfigsWizard wizard = openImport(backup);
        Map<Change, Integer> counts = wizard.previewPage().counts();
        assertEquals(Map.of(Change.NEW, 1, Change.NEWER, 1, Change.OLDER, 1, Change.SAME, 1), counts);
        assertEquals("4 configs in " + backup.getFileName() + ": 1 new, 1 newer, 1 older (skipped), 1 the same."
                + " Finish saves the 2 new and newer ones.", wizard.previewPage().summaryText());
        Table table = wizard.previewPage().viewer().getTable();
        assertEquals(4, table.getItemCount());
        assertEquals(List.of(onlyInBackup + "|New: saved", newerInBackup + "|Newer: replaces this one",
                olderInBackup + "|Older: skipped", same + "|Same: unchanged"),
                Arrays.stream(table.getItems()).map(i -> i.getText(0) + "|" + i.getText(1)).toList());
        assertEquals("\u2014", table.getItem(0).getText(3), "a new config has no version here");
        assertTrue(coordinator.get(onlyInBackup).isEmpty(), "the preview changes nothing");
        Path shot = UiTests.screenshot(dialog.getShell(), "import-preview.png");
        assertTrue(Files.size(shot) > 1000);

        press(dialog.getShell(), IDialogConstants.FINISH_LABEL);
        IStatus imported = finished(wizard.job());
        assertTrue(imported.getSeverity() <= IStatus.INFO, imported.getMessage());
        assertTrue(imported.getMessage().startsWith("Imported 2 of 4 configs"), imported.getMessage());

        assertEquals("Only in the backup", name(onlyInBackup));
        assertEquals("Changed there later — ünïcödé", name(newerInBackup));
        assertEquals("Changed here after the export", name(olderInBackup), "the newer version here stays");
        assertEquals(sameVersion, coordinator.get(same).orElseThrow().updatedAt(), "an unchanged config is not saved again");
    }

    @Test
    void theImportRefusesAFileThatIsNotABackupAndSaysWhy() throws Exception {
        Files.createDirectories(work);
        ImportConfigsWizard wizard = (ImportConfigsWizard) create(
                PlatformUI.getWorkbench().getImportWizardRegistry().findWizard(ImportConfigsWizard.ID));
        open(wizard);
        wizard.filePage().fileText().setText(work.resolve("missing.json").toString());
        assertFalse(wizard.filePage().isPageComplete());
        assertTrue(wizard.filePage().getErrorMessage().contains("does not exist"), wizard.filePage().getErrorMessage());

        Path notABackup = work.resolve("not-a-backup.json");
        Files.writeString(notABackup, "{\"name\": \"a config, not a backup\"}");
        wizard.filePage().fileText().setText(notABackup.toString());
        assertTrue(wizard.filePage().isPageComplete());
        press(dialog.getShell(), IDialogConstants.NEXT_LABEL);
        assertSame(wizard.filePage(), dialog.getCurrentPage(), "the wizard stays on the file");
        assertTrue(wizard.filePage().getErrorMessage().contains("is not a Streamkit backup"),
                wizard.filePage().getErrorMessage());
        assertFalse(wizard.canFinish(), "nothing can be imported without a preview");
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static IWorkbenchWizard create(IWizardDescriptor descriptor) throws Exception {
        assertNotNull(descriptor, "the wizard is registered");
        IWorkbenchWizard wizard = descriptor.createWizard();
        wizard.init(PlatformUI.getWorkbench(), StructuredSelection.EMPTY);
        return wizard;
    }

    private void open(IWorkbenchWizard wizard) {
        Shell workbench = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
        dialog = new WizardDialog(workbench, wizard);
        dialog.setBlockOnOpen(false);
        dialog.open();
        dialog.getShell().setBounds(60, 60, 820, 620);
    }

    private ImportConfigsWizard openImport(Path backup) throws Exception {
        ImportConfigsWizard wizard = (ImportConfigsWizard) create(
                PlatformUI.getWorkbench().getImportWizardRegistry().findWizard(ImportConfigsWizard.ID));
        open(wizard);
        wizard.filePage().fileText().setText(backup.toString());
        assertFalse(wizard.canFinish(), "Finish waits for the preview");
        press(dialog.getShell(), IDialogConstants.NEXT_LABEL);
        assertSame(wizard.previewPage(), dialog.getCurrentPage(), String.valueOf(wizard.filePage().getErrorMessage()));
        assertTrue(wizard.canFinish());
        return wizard;
    }

    private static IStatus finished(Job job) throws InterruptedException {
        assertNotNull(job, "Finish started a job");
        waitUntil(() -> job.getResult() != null, job.getName() + " ends");
        return job.getResult();
    }

    private String name(ConfigKey key) throws Exception {
        return coordinator.get(key).orElseThrow().body().get("name").asText();
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> list = new java.util.ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
