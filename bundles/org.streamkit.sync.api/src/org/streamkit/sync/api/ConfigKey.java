package org.streamkit.sync.api;

import java.util.Comparator;

/**
 * Identifies one config: its type (for example {@code text-cyclers}, {@code swaps}, {@code layouts},
 * {@code notes}) and its id within that type. Both are validated on construction, so a key that exists
 * is safe to use as a path segment, a database key or a URL segment once the tier encodes it.
 * <ul>
 * <li>type: 1 to {@value #MAX_TYPE_LENGTH} characters of {@code a-z}, {@code 0-9}, {@code -} and
 * {@code _}, starting with a letter or digit;</li>
 * <li>id: 1 to {@value #MAX_ID_LENGTH} characters; no control characters (NUL included), no {@code /}
 * or {@code \}, not {@code .} or {@code ..}, no leading or trailing white space.</li>
 * </ul>
 * Keys order by type, then id (ordinal string order).
 *
 * @param type the config type
 * @param id   the config id, unique within its type
 * @since 0.1
 */
public record ConfigKey(String type, String id) implements Comparable<ConfigKey> {

    /** Longest accepted type, in characters. */
    public static final int MAX_TYPE_LENGTH = 64;
    /** Longest accepted id, in characters. */
    public static final int MAX_ID_LENGTH = 200;

    private static final Comparator<ConfigKey> ORDER = Comparator.comparing(ConfigKey::type)
            .thenComparing(ConfigKey::id);

    /**
     * @throws ConfigValidationException when the type or the id is not acceptable
     */
    public ConfigKey {
        validateType(type);
        validateId(id);
    }

    /**
     * Checks a config type.
     *
     * @return the type, for chaining
     * @throws ConfigValidationException when it is not acceptable, with the reason
     */
    public static String validateType(String type) {
        if (type == null || type.isEmpty()) {
            throw new ConfigValidationException("Config type is empty");
        }
        if (type.length() > MAX_TYPE_LENGTH) {
            throw new ConfigValidationException(
                    "Config type is " + type.length() + " characters long; at most " + MAX_TYPE_LENGTH + " are allowed");
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!letterOrDigit && (i == 0 || (c != '-' && c != '_'))) {
                throw new ConfigValidationException("Config type '" + printable(type) + "' has '" + printable(String.valueOf(c))
                        + "' at position " + (i + 1) + "; use a-z, 0-9, '-' and '_', starting with a letter or digit");
            }
        }
        return type;
    }

    /**
     * Checks a config id.
     *
     * @return the id, for chaining
     * @throws ConfigValidationException when it is not acceptable, with the reason
     */
    public static String validateId(String id) {
        if (id == null || id.isEmpty()) {
            throw new ConfigValidationException("Config id is empty");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new ConfigValidationException(
                    "Config id is " + id.length() + " characters long; at most " + MAX_ID_LENGTH + " are allowed");
        }
        if (id.equals(".") || id.equals("..")) {
            throw new ConfigValidationException("Config id '" + id + "' is reserved");
        }
        if (Character.isWhitespace(id.charAt(0)) || Character.isWhitespace(id.charAt(id.length() - 1))) {
            throw new ConfigValidationException("Config id '" + printable(id) + "' starts or ends with white space");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '/' || c == '\\') {
                throw new ConfigValidationException(
                        "Config id '" + printable(id) + "' contains '" + c + "'; slashes are not allowed in ids");
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new ConfigValidationException("Config id '" + printable(id)
                        + "' contains a control character (U+" + String.format("%04X", (int) c) + ") at position " + (i + 1));
            }
            if (Character.isSurrogate(c) && !validSurrogateAt(id, i)) {
                throw new ConfigValidationException("Config id '" + printable(id) + "' contains a lone surrogate at position " + (i + 1));
            }
        }
        return id;
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Renders control characters visibly so an error message never carries them raw. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= 80) {
            b.append('…');
        }
        return b.toString();
    }

    @Override
    public int compareTo(ConfigKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return type + "/" + id;
    }
}
