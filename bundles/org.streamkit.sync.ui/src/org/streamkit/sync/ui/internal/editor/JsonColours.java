package org.streamkit.sync.ui.internal.editor;

import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.presentation.IPresentationReconciler;
import org.eclipse.jface.text.presentation.PresentationReconciler;
import org.eclipse.jface.text.rules.DefaultDamagerRepairer;
import org.eclipse.jface.text.source.ISourceViewer;
import org.eclipse.jface.text.source.SourceViewerConfiguration;

/**
 * JSON colouring ({@link JsonScanner}) and two-space tabs for the read-only and merge viewers of the
 * conflict and history UI: the compare viewer, the field merge's result, the history preview; the config
 * editor adds its undo history.
 */
public class JsonColours extends SourceViewerConfiguration {

    @Override
    public IPresentationReconciler getPresentationReconciler(ISourceViewer sourceViewer) {
        PresentationReconciler reconciler = new PresentationReconciler();
        DefaultDamagerRepairer colours = new DefaultDamagerRepairer(new JsonScanner());
        reconciler.setDamager(colours, IDocument.DEFAULT_CONTENT_TYPE);
        reconciler.setRepairer(colours, IDocument.DEFAULT_CONTENT_TYPE);
        return reconciler;
    }

    @Override
    public int getTabWidth(ISourceViewer sourceViewer) {
        return 2;
    }
}
