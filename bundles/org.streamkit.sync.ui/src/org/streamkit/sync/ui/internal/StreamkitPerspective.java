package org.streamkit.sync.ui.internal;

import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;
import org.streamkit.sync.ui.internal.views.ConfigsView;

/** The Streamkit perspective: the configs view on the left, the config editors on the right. */
public final class StreamkitPerspective implements IPerspectiveFactory {

    @Override
    public void createInitialLayout(IPageLayout layout) {
        layout.setEditorAreaVisible(true);
        layout.addView(ConfigsView.ID, IPageLayout.LEFT, 0.45f, layout.getEditorArea());
        layout.addShowViewShortcut(ConfigsView.ID);
    }
}
