package org.streamkit.sync.ui.internal;

import java.time.Duration;

import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IStartup;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.streamkit.sync.ui.internal.preferences.FirstRun;
import org.streamkit.sync.ui.internal.preferences.FirstRunDialog;

/**
 * After the workbench started: on the first start in a workspace, looks for OBS Studio on this machine (off
 * the UI thread) and opens the {@link FirstRunDialog}.
 */
public final class StreamkitStartup implements IStartup {

    /** How long the look for OBS waits for an answer: it answers at once on this machine when it runs. */
    private static final Duration LOOK_FOR_OBS = Duration.ofMillis(500);

    @Override
    public void earlyStartup() {
        if (!FirstRun.needed()) {
            return;
        }
        boolean found = FirstRun.listening(FirstRun.OBS_HOST, FirstRun.OBS_PORT, LOOK_FOR_OBS);
        Display display = PlatformUI.getWorkbench().getDisplay();
        display.asyncExec(() -> {
            IWorkbenchWindow window = PlatformUI.getWorkbench().getActiveWorkbenchWindow();
            Shell shell = window == null ? display.getActiveShell() : window.getShell();
            if (shell != null && !shell.isDisposed() && FirstRun.needed()) {
                new FirstRunDialog(shell, found).open();
            }
        });
    }
}
