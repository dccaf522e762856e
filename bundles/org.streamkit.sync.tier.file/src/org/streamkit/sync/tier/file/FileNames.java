package org.streamkit.sync.tier.file;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Turns config ids into file names that cannot escape their folder and cannot collide on any common file
 * system. {@code a-z}, {@code 0-9} and {@code -} stay; every other character (upper case included, so
 * case-insensitive file systems keep {@code Intro} and {@code intro} apart) becomes {@code _} and the
 * lower-case hex of its UTF-8 bytes. No name can be empty, start with a dot, contain a separator, or be
 * a Windows device name. Names longer than {@value #MAX_NAME} characters keep a readable prefix and end
 * with {@code ~} and a SHA-256 of the id; those are the only names that cannot be decoded, and the id is
 * then read from the file.
 */
final class FileNames {

    static final String EXTENSION = ".json";
    static final int MAX_NAME = 120;
    private static final HexFormat HEX = HexFormat.of();
    private static final Set<String> DEVICE_NAMES = Set.of("con", "prn", "aux", "nul", "com1", "com2", "com3", "com4",
            "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private FileNames() {
    }

    /** @return the file name (with extension) for an id */
    static String encode(String id) {
        StringBuilder b = new StringBuilder(id.length() + 8);
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        for (byte raw : utf8) {
            int c = raw & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                b.append((char) c);
            } else {
                b.append('_').append(HEX.toHexDigits((byte) c));
            }
        }
        if (DEVICE_NAMES.contains(b.toString())) {
            b.replace(0, 1, "_" + HEX.toHexDigits((byte) b.charAt(0)));
        }
        if (b.length() > MAX_NAME) {
            String hash = sha256(utf8);
            b.setLength(MAX_NAME - 1 - hash.length());
            // Never cut an escape in half: drop a trailing partial "_x".
            int underscore = b.lastIndexOf("_");
            if (underscore >= 0 && underscore > b.length() - 3) {
                b.setLength(underscore);
            }
            b.append('~').append(hash);
        }
        return b.append(EXTENSION).toString();
    }

    /** @return the id a file name stands for, or empty when it is hashed or not a name this class made */
    static Optional<String> decode(String fileName) {
        if (!fileName.endsWith(EXTENSION) || fileName.indexOf('~') >= 0) {
            return Optional.empty();
        }
        String name = fileName.substring(0, fileName.length() - EXTENSION.length());
        byte[] out = new byte[name.length()];
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                if (i + 2 >= name.length()) {
                    return Optional.empty();
                }
                try {
                    out[n++] = (byte) HEX.fromHexDigits(name, i + 1, i + 3);
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    return Optional.empty();
                }
                i += 2;
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                out[n++] = (byte) c;
            } else {
                return Optional.empty();
            }
        }
        if (n == 0) {
            return Optional.empty();
        }
        String id = new String(out, 0, n, StandardCharsets.UTF_8);
        // Only the one canonical name of an id counts; "_61.json" is not "a.json".
        return encode(id).equals(fileName) ? Optional.of(id) : Optional.empty();
    }

    /** @return whether a file name was made by {@link #encode} with a hash (the id must be read from the file) */
    static boolean hashed(String fileName) {
        return fileName.endsWith(EXTENSION) && fileName.indexOf('~') >= 0;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
