package org.streamkit.sync.ui.internal.compare;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.runtime.Adapters;
import org.eclipse.ui.handlers.HandlerUtil;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.ui.internal.ConfigKeyAdapters;

/**
 * The "History…" command: opens the {@link HistoryDialog} of the selected config. Anything that adapts to
 * a {@link ConfigKey} ({@link ConfigKeyAdapters}) can be the selection: a row of the Configs view, a
 * conflict, a pending write.
 */
public final class HistoryHandler extends AbstractHandler {

    /** The command's id in {@code plugin.xml}. */
    public static final String COMMAND_ID = "org.streamkit.sync.ui.history"; //$NON-NLS-1$

    @Override
    public Object execute(ExecutionEvent event) {
        Object first = HandlerUtil.getCurrentStructuredSelection(event).getFirstElement();
        ConfigKey key = Adapters.adapt(first, ConfigKey.class);
        if (key != null) {
            new HistoryDialog(HandlerUtil.getActiveShell(event), key).open();
        }
        return null;
    }
}
