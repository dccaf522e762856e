package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.ConfigRow;
import org.streamkit.sync.ui.internal.ConfigsView;

/** Opens the Streamkit Configs view in a real workbench and checks what it shows. */
class ConfigsViewTest {

    @Test
    void theViewShowsTheConfigsOfTheHighestRankedTier() throws Exception {
        SyncCoordinator coordinator = Services.await(ConfigsViewTest.class, SyncCoordinator.class, null);
        coordinator.put(new ConfigKey("text-cyclers", "intro"),
                ConfigJson.newObject().put("name", "Intro lines — café").put("intervalMs", 3000));
        coordinator.put(new ConfigKey("swaps", "cam-swap"), ConfigJson.newObject().put("name", "Camera swap"));
        coordinator.put(new ConfigKey("notes", "todo"), ConfigJson.newObject().put("name", "Stream notes à jour"));
        coordinator.put(new ConfigKey("notes", "gone"), ConfigJson.newObject().put("name", "Deleted"));
        coordinator.delete(new ConfigKey("notes", "gone"));
        // What the view shows is stored: the primary local store holds it.
        StorageTier xodus = Services.tier(ConfigsViewTest.class, "xodus");
        assertEquals("Camera swap", xodus.get(new ConfigKey("swaps", "cam-swap")).orElseThrow().body().get("name").asText());

        IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
        Shell shell = page.getWorkbenchWindow().getShell();
        // No window manager under Xvfb: size the window to the screen by hand.
        shell.setBounds(shell.getDisplay().getPrimaryMonitor().getBounds());
        ConfigsView view = (ConfigsView) page.showView(ConfigsView.ID);
        assertNotNull(view);
        view.refresh();

        Set<String> expected = Set.of("text-cyclers/intro", "swaps/cam-swap", "notes/todo");
        waitUntil(() -> view.rows().stream().map(r -> r.key().toString()).collect(Collectors.toSet())
                .containsAll(expected), "the view shows the configs of the memory tier");
        List<ConfigRow> rows = view.rows();
        assertTrue(rows.stream().noneMatch(r -> r.key().id().equals("gone")), "deleted configs are not listed");
        assertEquals("Intro lines — café", rows.stream().filter(r -> r.key().id().equals("intro")).findFirst()
                .orElseThrow().name());
        assertTrue(view.statusText().contains("xodus (400)"), "the status names the tiers: " + view.statusText());

        Path shot = screenshot(shell, "configs-view.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);
    }

    /** Runs the UI event loop until the condition holds (this test runs on the UI thread). */
    static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        Display display = Display.getCurrent();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            if (!display.readAndDispatch()) {
                Thread.sleep(10);
            }
        }
    }

    /** Saves a PNG of the shell under {@code target/screenshots}. */
    static Path screenshot(Shell shell, String name) throws Exception {
        Display display = shell.getDisplay();
        for (int i = 0; i < 50; i++) {
            while (display.readAndDispatch()) {
                // let the window paint
            }
            Thread.sleep(10);
        }
        Rectangle bounds = shell.getBounds();
        Image image = new Image(display, bounds.width, bounds.height);
        GC gc = new GC(display);
        try {
            gc.copyArea(image, bounds.x, bounds.y);
        } finally {
            gc.dispose();
        }
        Path dir = Path.of(System.getProperty("streamkit.test.output", "target"), "screenshots");
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        try {
            ImageLoader loader = new ImageLoader();
            loader.data = new org.eclipse.swt.graphics.ImageData[] { image.getImageData() };
            loader.save(file.toString(), SWT.IMAGE_PNG);
        } finally {
            image.dispose();
        }
        return file;
    }
}
