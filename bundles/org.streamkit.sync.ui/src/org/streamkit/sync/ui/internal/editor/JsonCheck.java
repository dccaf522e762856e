package org.streamkit.sync.ui.internal.editor;

import java.io.IOException;

import org.eclipse.osgi.util.NLS;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.ui.internal.Messages;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Whether the text of a config body can be saved: one JSON object (parsed as strictly as every tier
 * parses it) whose compact form fits {@link ConfigDocument#MAX_BODY_BYTES}. When it cannot, says why in
 * words and where (the line and column of Jackson's {@link JsonLocation}).
 *
 * @param body    the parsed body, or null when the text cannot be saved
 * @param problem why it cannot be saved, or empty
 * @param line    the 1-based line of the problem, or -1 when it has none
 * @param column  the 1-based column of the problem, or -1
 */
public record JsonCheck(ObjectNode body, String problem, int line, int column) {

    /** Text longer than this is refused without parsing: even its compact form could not fit. */
    private static final int MAX_TEXT_CHARS = 16 * ConfigDocument.MAX_BODY_BYTES;

    /** @return whether the text can be saved */
    public boolean valid() {
        return body != null;
    }

    /** Checks a body's text. */
    public static JsonCheck of(String text) {
        if (text.length() > MAX_TEXT_CHARS) {
            return tooLarge(text.length());
        }
        JsonNode node;
        try {
            node = ConfigJson.reader().readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            int line = location == null ? -1 : location.getLineNr();
            int column = location == null ? -1 : location.getColumnNr();
            String message = line > 0 ? NLS.bind(Messages.Editor_invalidJsonAt, new Object[] { line, column, e.getOriginalMessage() })
                    : NLS.bind(Messages.Editor_invalidJson, e.getOriginalMessage());
            return new JsonCheck(null, message, line, column);
        } catch (IOException e) {
            return new JsonCheck(null, NLS.bind(Messages.Editor_invalidJson, e.getMessage()), -1, -1);
        }
        if (node == null || node.isMissingNode()) {
            return new JsonCheck(null, Messages.Editor_empty, 1, 1);
        }
        if (!(node instanceof ObjectNode object)) {
            return new JsonCheck(null, NLS.bind(Messages.Editor_notObject, node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)), 1, 1);
        }
        int bytes;
        try {
            bytes = ConfigJson.writer().writeValueAsBytes(object).length;
        } catch (JsonProcessingException e) {
            return new JsonCheck(null, NLS.bind(Messages.Editor_invalidJson, e.getOriginalMessage()), -1, -1);
        }
        if (bytes > ConfigDocument.MAX_BODY_BYTES) {
            return tooLarge(bytes);
        }
        return new JsonCheck(object, "", -1, -1);
    }

    private static JsonCheck tooLarge(long size) {
        return new JsonCheck(null, NLS.bind(Messages.Editor_tooLarge, size, ConfigDocument.MAX_BODY_BYTES), -1, -1);
    }
}
