package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.configsView;
import static org.streamkit.sync.ui.tests.UiTests.page;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.eclipse.swt.layout.FillLayout;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.views.ConfigRow;
import org.streamkit.sync.ui.internal.views.ConfigSync;
import org.streamkit.sync.ui.internal.views.ConfigTree;
import org.streamkit.sync.ui.internal.views.ConfigsView;
import org.streamkit.sync.ui.internal.views.TypeNode;

/** Opens the Streamkit Configs view in a real workbench and checks what it shows and how it follows sync. */
class ConfigsViewTest {

    private final SyncCoordinator coordinator = Services.await(ConfigsViewTest.class, SyncCoordinator.class, null);

    @Test
    void theViewShowsTheConfigsOfTheHighestRankedTier() throws Exception {
        coordinator.put(new ConfigKey("text-cyclers", "intro"),
                ConfigJson.newObject().put("name", "Intro lines — café").put("intervalMs", 3000));
        coordinator.put(new ConfigKey("swaps", "cam-swap"), ConfigJson.newObject().put("name", "Camera swap"));
        coordinator.put(new ConfigKey("notes", "todo"), ConfigJson.newObject().put("name", "Stream notes à jour"));
        coordinator.put(new ConfigKey("notes", "gone"), ConfigJson.newObject().put("name", "Deleted"));
        coordinator.delete(new ConfigKey("notes", "gone"));
        // What the view shows is stored: the primary local store holds it.
        StorageTier xodus = Services.tier(ConfigsViewTest.class, "xodus");
        assertEquals("Camera swap", xodus.get(new ConfigKey("swaps", "cam-swap")).orElseThrow().body().get("name").asText());

        ConfigsView view = configsView();
        assertNotNull(view);
        view.refresh();

        Set<String> expected = Set.of("text-cyclers/intro", "swaps/cam-swap", "notes/todo");
        waitUntil(() -> view.rows().stream().map(r -> r.key().toString()).collect(Collectors.toSet())
                .containsAll(expected), "the view shows the configs of the memory tier");
        List<ConfigRow> rows = view.rows();
        assertTrue(rows.stream().noneMatch(r -> r.key().id().equals("gone")), "deleted configs are not listed");
        assertEquals("Intro lines — café", row(view, new ConfigKey("text-cyclers", "intro")).orElseThrow().name());
        assertTrue(view.statusText().contains("xodus (400)"), "the status names the tiers: " + view.statusText());
    }

    @Test
    void theTreeGroupsConfigsByTypeWithCountsAndFilters() throws Exception {
        coordinator.put(new ConfigKey("ui-tree-alpha", "one"), ConfigJson.newObject().put("name", "Alpha one"));
        coordinator.put(new ConfigKey("ui-tree-alpha", "two"), ConfigJson.newObject().put("name", "Alpha two"));
        coordinator.put(new ConfigKey("ui-tree-beta", "one"), ConfigJson.newObject().put("name", "Beta one"));
        ConfigsView view = configsView();
        view.refresh();
        Tree tree = view.tree().viewer().getTree();
        waitUntil(() -> topItem(tree, "ui-tree-alpha").map(i -> i.getText(0).equals("ui-tree-alpha (2)")).orElse(false)
                && topItem(tree, "ui-tree-beta").isPresent(), "the tree shows both types");

        for (TreeItem item : tree.getItems()) {
            String text = item.getText(0); // a virtual tree's item gets its element when it is first read
            TypeNode node = assertInstanceOf(TypeNode.class, item.getData(), "every top-level node is a type");
            assertEquals(node.type() + " (" + node.rows().size() + ")", text);
            // A collapsed node's children are made when it is expanded.
            for (TreeItem child : item.getExpanded() ? item.getItems() : new TreeItem[0]) {
                child.getText(0);
                ConfigRow row = assertInstanceOf(ConfigRow.class, child.getData());
                assertEquals(node.type(), row.key().type(), "a config is under its own type");
            }
        }
        TreeItem alpha = topItem(tree, "ui-tree-alpha").orElseThrow();
        assertTrue(alpha.getExpanded(), "a type appears expanded");
        assertEquals(List.of("Alpha one", "Alpha two"), Arrays.stream(alpha.getItems()).map(i -> i.getText(0)).toList());
        assertEquals(List.of("one", "two"), Arrays.stream(alpha.getItems()).map(i -> i.getText(1)).toList());
        assertTrue(alpha.getItems()[0].getText(2).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"),
                "the updated column shows the time: " + alpha.getItems()[0].getText(2));
        assertEquals("ui-tree-beta (1)", topItem(tree, "ui-tree-beta").orElseThrow().getText(0));

        // The filter box matches type, id and name, and the counts say how many of a type match.
        view.tree().filter().setText("Beta ONE");
        assertEquals(List.of("ui-tree-beta (1)"), Arrays.stream(tree.getItems()).map(i -> i.getText(0)).toList());
        view.tree().filter().setText("two");
        assertEquals("ui-tree-alpha (1 of 2)", topItem(tree, "ui-tree-alpha").orElseThrow().getText(0));
        assertEquals(1, topItem(tree, "ui-tree-alpha").orElseThrow().getItemCount());
        view.tree().filter().setText("");
        assertEquals("ui-tree-alpha (2)", topItem(tree, "ui-tree-alpha").orElseThrow().getText(0));

        // A change elsewhere (here: straight through the coordinator) reaches the tree through its events.
        coordinator.put(new ConfigKey("ui-tree-beta", "two"), ConfigJson.newObject().put("name", "Beta two"));
        waitUntil(() -> topItem(tree, "ui-tree-beta").map(i -> i.getText(0).equals("ui-tree-beta (2)")).orElse(false),
                "the tree follows the coordinator's change event");
    }

    @Test
    void eachConfigShowsWhereItStandsWithTheRemoteTiersLive() throws Exception {
        TestRemoteTier remote = TestRemoteTier.install(ConfigsViewTest.class);
        waitUntil(() -> coordinator.status().tiers().stream()
                .anyMatch(t -> t.name().equals(TestRemoteTier.NAME) && t.present()), "the remote tier joins");
        ConfigsView view = configsView();

        // Offline: the remote cannot be reached, the change waits in the outbox.
        remote.reachable(false);
        ConfigKey lines = new ConfigKey("text-cyclers", "follow-lines");
        coordinator.put(lines, ConfigJson.newObject().put("name", "Follow reminders").put("intervalMs", 8000));
        waitUntil(() -> state(view, lines) == SyncState.OFFLINE, "the config shows offline");
        assertEquals("Offline: " + TestRemoteTier.NAME, syncText(view, lines));

        // Pending: the remote is back; the change waits for its debounce (a minute) or Sync Now.
        remote.reachable(true);
        view.action(ConfigsView.ACTION_REFRESH).run();
        waitUntil(() -> state(view, lines) == SyncState.PENDING, "the config shows pending");
        assertEquals("Pending: " + TestRemoteTier.NAME, syncText(view, lines));
        assertTrue(view.statusText().contains("waiting to sync"), view.statusText());

        // Synced: Sync Now (a job) delivers it, and the coordinator's state event updates the view.
        view.action(ConfigsView.ACTION_SYNC_NOW).run();
        assertNotNull(view.syncJob());
        waitUntil(() -> state(view, lines) == SyncState.SYNCED, "the config shows synced");
        assertEquals("Synced", syncText(view, lines));
        assertEquals(8000, remote.stored(lines).orElseThrow().body().get("intervalMs").asInt());

        // Failed: the remote refuses it for good.
        ConfigKey refused = new ConfigKey("layouts", "brb-screen");
        remote.refuse(refused.id());
        coordinator.put(refused, ConfigJson.newObject().put("name", "Be right back"));
        coordinator.put(new ConfigKey("layouts", "just-chatting"), ConfigJson.newObject().put("name", "Just chatting"));
        coordinator.put(new ConfigKey("swaps", "cam-swap"), ConfigJson.newObject().put("name", "Camera swap"));
        coordinator.put(new ConfigKey("text-cyclers", "intro"),
                ConfigJson.newObject().put("name", "Intro lines — café").put("intervalMs", 3000));
        view.action(ConfigsView.ACTION_SYNC_NOW).run();
        waitUntil(() -> state(view, refused) == SyncState.FAILED, "the refused config shows failed");
        assertEquals("Failed: " + TestRemoteTier.NAME, syncText(view, refused));

        // A new edit after the sync is pending again.
        ConfigKey notes = new ConfigKey("notes", "todo");
        coordinator.put(notes, ConfigJson.newObject().put("name", "Stream notes à jour").put("text", "Raid at 22:00"));
        waitUntil(() -> state(view, notes) == SyncState.PENDING, "the new edit shows pending");

        // This Machine Only: the config stays here; what waited for the remote is dropped, and it shows so.
        view.tree().select(notes);
        UiTests.settle(100);
        assertTrue(view.action(ConfigsView.ACTION_MACHINE_ONLY).isEnabled());
        view.action(ConfigsView.ACTION_MACHINE_ONLY).run();
        waitUntil(() -> coordinator.machineOnly().contains(notes) && "This machine only".equals(syncText(view, notes)),
                "the config shows it is kept on this machine");
        assertTrue(coordinator.outbox().stream().noneMatch(w -> w.key().equals(notes)), "nothing waits to send it");
        view.tree().select(notes);
        UiTests.settle(100);
        assertTrue(view.action(ConfigsView.ACTION_MACHINE_ONLY).isChecked());
        view.action(ConfigsView.ACTION_MACHINE_ONLY).setChecked(false);
        view.action(ConfigsView.ACTION_MACHINE_ONLY).run();
        waitUntil(() -> !coordinator.machineOnly().contains(notes) && state(view, notes) != null
                && !"This machine only".equals(syncText(view, notes)), "let go, it syncs again");
        waitUntil(() -> remote.stored(notes).isPresent(), "and reaches the remote");

        // The screenshot shows the configs a streamer has, not the other tests' types.
        for (TreeItem type : view.tree().viewer().getTree().getItems()) {
            if (type.getData() instanceof TypeNode node && node.type().startsWith("ui-")) {
                view.tree().viewer().setExpandedState(node, false);
            }
        }
        view.tree().select(lines);
        assertEquals(UiTests.PERSPECTIVE, page().getPerspective().getId());
        assertTrue(page().isEditorAreaVisible(), "the Streamkit perspective has room for the config editor");
        Path shot = UiTests.screenshot(page().getWorkbenchWindow().getShell(), "configs-view.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);
    }

    /**
     * A read of the view that started before an edit (and saw the config synced) but ends after the read the
     * edit asked for never has the last word: the view ends showing the edit pending, as the coordinator says.
     */
    @Test
    void aReadSlowerThanTheNextNeverShowsTheStateBeforeAnEditLast() throws Exception {
        TestRemoteTier remote = TestRemoteTier.install(ConfigsViewTest.class);
        waitUntil(() -> coordinator.status().tiers().stream()
                .anyMatch(t -> t.name().equals(TestRemoteTier.NAME) && t.present()), "the remote tier joins");
        remote.reachable(true);
        ConfigsView view = configsView();
        // A type listed last, so the held read is past its last check for a newer request when it is let go.
        ConfigKey key = new ConfigKey("ui-zz-read-order", Long.toString(System.nanoTime(), 36));
        coordinator.put(key, ConfigJson.newObject().put("name", "first"));
        coordinator.syncNow();
        waitUntil(() -> coordinator.state(key, TestRemoteTier.NAME) == SyncState.SYNCED, "the first version is delivered");
        waitUntil(() -> state(view, key) == SyncState.SYNCED, "the view shows it synced");

        // A read starts, sees the config synced, and is held up in the remote's listing (a slow link).
        TestRemoteTier.HeldListing slow = remote.holdNextListing(key.type());
        try {
            view.action(ConfigsView.ACTION_REFRESH).run();
            waitUntil(slow::waiting, "a read of the view waits in the remote's listing");
            // The edit waits a minute for the remote (its debounce); its event asks for a read of its own.
            coordinator.put(key, ConfigJson.newObject().put("name", "second"));
            assertEquals(SyncState.PENDING, coordinator.state(key, TestRemoteTier.NAME));
            UiTests.settle(600);
        } finally {
            slow.release();
        }
        UiTests.settle(1000);
        assertEquals(SyncState.PENDING, coordinator.state(key, TestRemoteTier.NAME), "the edit still waits");
        waitUntil(() -> state(view, key) == SyncState.PENDING, "the view shows the edit pending");
        UiTests.settle(500);
        assertEquals(SyncState.PENDING, state(view, key), "and no older read replaces that afterwards");
        coordinator.delete(key);
        coordinator.syncNow();
    }

    /**
     * The Configs view's tree with 10,000 configs of 1 KB, in a shell of its own (the rows as the view reads
     * them, without adding 10,000 configs to the workbench the other tests share): it shows them at once (a
     * virtual tree makes items only for the rows on screen), every row is reachable, and the filter follows
     * each keystroke. Prints the times beside the targets: shown within 1 s, a keystroke that does not hold
     * the UI thread up.
     */
    @Test
    void tenThousandConfigsShowAtOnceAndTheFilterFollowsEachKeystroke() throws Exception {
        String type = "notes";
        int count = 10_000;
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ConfigRow> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ConfigDocument d = ConfigDocument.of(new ConfigKey(type, String.format("c%05d", i)),
                    ConfigJson.newObject().put("name", String.format("Scale %05d", i)).put("text", "x".repeat(900)), at, at);
            rows.add(new ConfigRow(d.key(), d.body().get("name").asText(), d.updatedAt(), ConfigSync.LOCAL_ONLY));
        }
        java.util.Collections.shuffle(rows, new java.util.Random(7));
        Shell shell = new Shell(page().getWorkbenchWindow().getShell().getDisplay());
        shell.setLayout(new FillLayout());
        shell.setSize(900, 700);
        try {
            ConfigTree configs = new ConfigTree(shell);
            shell.open();
            Tree tree = configs.viewer().getTree();

            long start = System.nanoTime();
            configs.setRows(rows);
            tree.update();
            long shownMs = (System.nanoTime() - start) / 1_000_000;

            TreeItem node = topItem(tree, type).orElseThrow();
            assertEquals(type + " (" + count + ")", node.getText(0));
            assertTrue(node.getExpanded(), "a new type appears expanded");
            assertEquals(count, node.getItemCount());
            assertEquals("Scale 00000", node.getItem(0).getText(0), "sorted by name");
            assertEquals("c09999", node.getItem(count - 1).getText(1), "the last row is there too, made when asked for");

            long refill = System.nanoTime();
            configs.setRows(rows);
            tree.update();
            long refillMs = (System.nanoTime() - refill) / 1_000_000;

            long worstKeystrokeMs = 0;
            for (String typed : List.of("0", "09", "099", "0999")) {
                long keystroke = System.nanoTime();
                configs.filter().setText(typed);
                tree.update();
                worstKeystrokeMs = Math.max(worstKeystrokeMs, (System.nanoTime() - keystroke) / 1_000_000);
            }
            long matching = rows.stream().filter(r -> r.key().id().contains("0999")).count();
            TreeItem filtered = topItem(tree, type).orElseThrow();
            assertEquals(type + " (" + matching + " of " + count + ")", filtered.getText(0));
            assertEquals(matching, filtered.getItemCount());
            assertEquals("Scale 00999", filtered.getItem(0).getText(0));
            configs.select(new ConfigKey(type, "c09995"));
            assertEquals(List.of(new ConfigKey(type, "c09995")), configs.selectedKeys());
            configs.filter().setText("");
            assertEquals(count, topItem(tree, type).orElseThrow().getItemCount());
            configs.select(new ConfigKey(type, "c05000"));
            assertEquals(List.of(new ConfigKey(type, "c05000")), configs.selectedKeys(), "a row far down is selected");

            System.out.printf(java.util.Locale.ROOT, "Configs view tree, %,d configs: shown in %d ms (target 1000 ms:"
                    + " %s); shown again in %d ms; a filter keystroke took %d ms at most on the UI thread%n", count,
                    shownMs, shownMs <= 1000 ? "PASS" : "MISS", refillMs, worstKeystrokeMs);
        } finally {
            shell.dispose();
        }
    }

    private static Optional<ConfigRow> row(ConfigsView view, ConfigKey key) {
        return view.rows().stream().filter(r -> r.key().equals(key)).findFirst();
    }

    private static SyncState state(ConfigsView view, ConfigKey key) {
        return row(view, key).map(r -> r.sync().state()).orElse(null);
    }

    /** @return the Sync column's text of a config in the tree */
    private static String syncText(ConfigsView view, ConfigKey key) {
        Tree tree = view.tree().viewer().getTree();
        for (TreeItem type : tree.getItems()) {
            for (TreeItem item : type.getItems()) {
                String text = item.getText(3); // a virtual tree's item gets its row when it is first read
                if (item.getData() instanceof ConfigRow row && row.key().equals(key)) {
                    return text;
                }
            }
        }
        throw new AssertionError(key + " is not in the tree");
    }

    private static Optional<TreeItem> topItem(Tree tree, String type) {
        return Arrays.stream(tree.getItems()).filter(i -> !i.getText(0).isEmpty()) // read: a virtual item gets its element
                .filter(i -> i.getData() instanceof TypeNode node && node.type().equals(type)).findFirst();
    }
}
