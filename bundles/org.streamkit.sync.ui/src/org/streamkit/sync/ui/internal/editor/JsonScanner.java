package org.streamkit.sync.ui.internal.editor;

import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.TextAttribute;
import org.eclipse.jface.text.rules.IToken;
import org.eclipse.jface.text.rules.ITokenScanner;
import org.eclipse.jface.text.rules.Token;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;

/**
 * Colours JSON for the config editor: keys, string values, numbers, {@code true}/{@code false}/{@code null}.
 * JSON strings never span lines, so scanning the damaged lines alone is always right; a string is a key
 * when the next thing after it is a colon.
 */
final class JsonScanner implements ITokenScanner {

    private static final int KEY_LOOKAHEAD = 256;

    private final IToken key = new Token(new TextAttribute(new Color(0x7a, 0x1f, 0xa2), null, SWT.BOLD));
    private final IToken string = new Token(new TextAttribute(new Color(0x1a, 0x5f, 0xb4)));
    private final IToken number = new Token(new TextAttribute(new Color(0x0b, 0x7a, 0x3e)));
    private final IToken literal = new Token(new TextAttribute(new Color(0xb3, 0x4a, 0x00), null, SWT.BOLD));
    private final IToken other = new Token(null);

    private IDocument document;
    private int position;
    private int end;
    private int tokenStart;

    @Override
    public void setRange(IDocument newDocument, int offset, int length) {
        document = newDocument;
        position = offset;
        end = offset + length;
    }

    @Override
    public IToken nextToken() {
        tokenStart = position;
        if (position >= end) {
            return Token.EOF;
        }
        char c = at(position);
        if (Character.isWhitespace(c)) {
            while (position < end && Character.isWhitespace(at(position))) {
                position++;
            }
            return Token.WHITESPACE;
        }
        if (c == '"') {
            position++;
            while (position < end) {
                char s = at(position++);
                if (s == '\\') {
                    position = Math.min(position + 1, end);
                } else if (s == '"' || s == '\n' || s == '\r') {
                    break;
                }
            }
            return colonFollows() ? key : string;
        }
        if (c == '-' || Character.isDigit(c)) {
            while (position < end && "0123456789+-.eE".indexOf(at(position)) >= 0) {
                position++;
            }
            return number;
        }
        if (Character.isLetter(c)) {
            while (position < end && Character.isLetter(at(position))) {
                position++;
            }
            String word = text(tokenStart, position - tokenStart);
            return word.equals("true") || word.equals("false") || word.equals("null") ? literal : other;
        }
        position++;
        return other;
    }

    private boolean colonFollows() {
        int limit = Math.min(document.getLength(), position + KEY_LOOKAHEAD);
        for (int i = position; i < limit; i++) {
            char c = at(i);
            if (!Character.isWhitespace(c)) {
                return c == ':';
            }
        }
        return false;
    }

    private char at(int offset) {
        try {
            return document.getChar(offset);
        } catch (BadLocationException e) {
            return '\0';
        }
    }

    private String text(int offset, int length) {
        try {
            return document.get(offset, length);
        } catch (BadLocationException e) {
            return "";
        }
    }

    @Override
    public int getTokenOffset() {
        return tokenStart;
    }

    @Override
    public int getTokenLength() {
        return position - tokenStart;
    }
}
