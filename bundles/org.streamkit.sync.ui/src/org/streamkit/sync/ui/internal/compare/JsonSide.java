package org.streamkit.sync.ui.internal.compare;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.compare.IEditableContent;
import org.eclipse.compare.IEncodedStreamContentAccessor;
import org.eclipse.compare.IModificationDate;
import org.eclipse.compare.ITypedElement;
import org.eclipse.swt.graphics.Image;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;

/**
 * One version of a config as the compare framework sees it: its body as pretty-printed JSON in UTF-8.
 * The editable side (this device's version, which becomes the merge) takes the text the merge viewer
 * saves into it.
 */
final class JsonSide implements ITypedElement, IEncodedStreamContentAccessor, IEditableContent, IModificationDate {

    private final String name;
    private final long modified;
    private final boolean editable;
    private volatile byte[] content;

    JsonSide(String name, ConfigDocument document, boolean editable) {
        this.name = name;
        this.modified = document.updatedAt().toEpochMilli();
        this.editable = editable;
        this.content = text(document).getBytes(StandardCharsets.UTF_8);
    }

    /** @return the text a version shows: its pretty body, or nothing for a deletion */
    static String text(ConfigDocument document) {
        return document.deleted() ? "" : ConfigJson.pretty(document.body()) + "\n"; //$NON-NLS-1$ //$NON-NLS-2$
    }

    /** @return the text as it stands now (after a save of the merge viewer, the merge) */
    String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Image getImage() {
        return null;
    }

    @Override
    public String getType() {
        return ConflictCompareInput.TYPE;
    }

    @Override
    public InputStream getContents() {
        return new ByteArrayInputStream(content);
    }

    @Override
    public String getCharset() {
        return StandardCharsets.UTF_8.name();
    }

    @Override
    public long getModificationDate() {
        return modified;
    }

    @Override
    public boolean isEditable() {
        return editable;
    }

    @Override
    public void setContent(byte[] newContent) {
        content = newContent.clone();
    }

    @Override
    public ITypedElement replace(ITypedElement dest, ITypedElement src) {
        return dest;
    }
}
