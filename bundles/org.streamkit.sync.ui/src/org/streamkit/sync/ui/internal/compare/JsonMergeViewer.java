package org.streamkit.sync.ui.internal.compare;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.compare.CompareConfiguration;
import org.eclipse.compare.IViewerCreator;
import org.eclipse.compare.contentmergeviewer.TextMergeViewer;
import org.eclipse.jface.text.TextViewer;
import org.eclipse.jface.text.source.SourceViewer;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.editor.JsonColours;

/**
 * The content merge viewer of config bodies (compare type {@value ConflictCompareInput#TYPE}): Eclipse's
 * text merge viewer, line by line over pretty-printed JSON, with the differences highlighted and JSON
 * coloured. Registered through {@code org.eclipse.compare.contentMergeViewers}.
 */
public final class JsonMergeViewer extends TextMergeViewer {

    /** The compare configuration property under which the viewer of a comparison can be found. */
    static final String PROPERTY = JsonMergeViewer.class.getName();

    private final List<TextViewer> panes = new ArrayList<>();

    public JsonMergeViewer(Composite parent, CompareConfiguration configuration) {
        super(parent, SWT.NONE, configuration);
        configuration.setProperty(PROPERTY, this);
    }

    @Override
    protected void configureTextViewer(TextViewer textViewer) {
        panes.add(textViewer);
        if (textViewer instanceof SourceViewer sourceViewer) {
            sourceViewer.configure(new JsonColours());
        }
    }

    /**
     * @return the text of the editable pane (the version that becomes the merge) as it stands, edits
     *         included, whichever side it is drawn on; null when no pane is editable
     */
    String editableText() {
        for (TextViewer pane : panes) {
            if (pane.getTextWidget() != null && !pane.getTextWidget().isDisposed() && pane.isEditable()
                    && pane.getDocument() != null) {
                return pane.getDocument().get();
            }
        }
        return null;
    }

    @Override
    public String getTitle() {
        return Messages.Compare_viewerTitle;
    }

    /** Makes the viewer for the compare framework. */
    public static final class Creator implements IViewerCreator {

        @Override
        public Viewer createViewer(Composite parent, CompareConfiguration configuration) {
            return new JsonMergeViewer(parent, configuration);
        }
    }
}
