package org.streamkit.sync.api;

/**
 * Thrown when a config key or document is not acceptable: a type or id outside the allowed charset or
 * length, a body that is not a JSON object, invalid JSON, or a body over {@link ConfigDocument#MAX_BODY_BYTES}.
 * The message says what was wrong and, for JSON, where (line and column). Nothing is stored when it is thrown.
 *
 * @since 0.1
 */
public class ConfigValidationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    public ConfigValidationException(String message) {
        this(message, -1, -1, null);
    }

    public ConfigValidationException(String message, int line, int column, Throwable cause) {
        super(message, cause);
        this.line = line;
        this.column = column;
    }

    /** @return the 1-based line of a JSON syntax error, or -1 when the error has no location */
    public int line() {
        return line;
    }

    /** @return the 1-based column of a JSON syntax error, or -1 when the error has no location */
    public int column() {
        return column;
    }
}
