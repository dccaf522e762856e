package org.streamkit.sync.ui.internal;

import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

/** The Streamkit perspective: the configs view fills the window; the editor area stays for later. */
public final class StreamkitPerspective implements IPerspectiveFactory {

    @Override
    public void createInitialLayout(IPageLayout layout) {
        layout.setEditorAreaVisible(false);
        layout.addView(ConfigsView.ID, IPageLayout.LEFT, 0.95f, layout.getEditorArea());
        layout.addShowViewShortcut(ConfigsView.ID);
    }
}
