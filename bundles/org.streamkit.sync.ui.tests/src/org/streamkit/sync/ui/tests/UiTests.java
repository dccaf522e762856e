package org.streamkit.sync.ui.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.eclipse.jface.window.Window;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.WorkbenchException;
import org.eclipse.ui.PlatformUI;
import org.streamkit.sync.ui.internal.views.ConfigsView;

/** What the UI tests share: the page, waiting on the event loop, driving dialogs, screenshots. */
final class UiTests {

    static final String PERSPECTIVE = "org.streamkit.sync.ui.perspective";

    private UiTests() {
    }

    static IWorkbenchPage page() {
        return PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
    }

    /**
     * Shows the Streamkit perspective and its configs view in a window as large as the screen (there is
     * no window manager under Xvfb).
     */
    static ConfigsView configsView() throws WorkbenchException {
        IWorkbenchWindow window = PlatformUI.getWorkbench().getActiveWorkbenchWindow();
        Shell shell = window.getShell();
        shell.setBounds(shell.getDisplay().getPrimaryMonitor().getBounds());
        PlatformUI.getWorkbench().showPerspective(PERSPECTIVE, window);
        return (ConfigsView) page().showView(ConfigsView.ID);
    }

    /** Runs the UI event loop until the condition holds (the tests run on the UI thread). */
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

    /** Calls something that declares checked exceptions from a lambda of the tests. */
    static <T> T call(java.util.concurrent.Callable<T> callable) {
        try {
            return callable.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the event loop for a while, so that posted work and painting happen. */
    static void settle(int millis) throws InterruptedException {
        Display display = Display.getCurrent();
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (!display.readAndDispatch()) {
                Thread.sleep(5);
            }
        }
    }

    /**
     * Drives the next window of a type that opens (a modal dialog blocks the test's own code): once it is
     * visible, {@code driver} runs on the UI thread. Failures inside a dialog's event loop are swallowed
     * by JFace, so the driver records what it saw and the test asserts after the dialog closed. The
     * window is closed if the driver leaves it open, so a test never hangs on it.
     */
    static <W extends Window> AtomicBoolean whenOpens(Class<W> type, Consumer<W> driver) {
        Display display = Display.getCurrent();
        AtomicBoolean done = new AtomicBoolean();
        long deadline = System.nanoTime() + 30_000_000_000L;
        Runnable[] poll = new Runnable[1];
        poll[0] = () -> {
            for (Shell shell : display.getShells()) {
                if (type.isInstance(shell.getData()) && shell.isVisible()) {
                    W window = type.cast(shell.getData());
                    try {
                        driver.accept(window);
                    } finally {
                        done.set(true);
                        if (window.getShell() != null && !window.getShell().isDisposed()) {
                            window.close();
                        }
                    }
                    return;
                }
            }
            if (System.nanoTime() < deadline) {
                display.timerExec(50, poll[0]);
            }
        };
        display.timerExec(50, poll[0]);
        return done;
    }

    /** Presses the button of a window whose label (without its mnemonic) is {@code label}. */
    static void press(Composite parent, String label) {
        Button button = find(parent, label);
        if (button == null) {
            throw new AssertionError("No button " + label);
        }
        button.notifyListeners(SWT.Selection, new Event());
    }

    static Button find(Composite parent, String label) {
        for (Control child : parent.getChildren()) {
            if (child instanceof Button button && button.getText().replace("&", "").equals(label.replace("&", ""))) {
                return button;
            }
            if (child instanceof Composite composite) {
                Button found = find(composite, label);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Saves a PNG of the shell under {@code target/screenshots}. */
    static Path screenshot(Shell shell, String name) throws Exception {
        Display display = shell.getDisplay();
        settle(500);
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
            loader.data = new ImageData[] { image.getImageData() };
            loader.save(file.toString(), SWT.IMAGE_PNG);
        } finally {
            image.dispose();
        }
        return file;
    }
}
