package org.streamkit.sync.tier.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamkit.sync.api.ConfigKey;

/** File names for ids: safe on every file system, reversible, distinct where ids differ. */
class FileNamesTest {

    @ParameterizedTest
    @ValueSource(strings = { "..x", "...", ".hidden", "a..b", "con", "CON", "nul", "Com1", "lpt9", "a:b", "a*b?c",
            "a<b>|\"", "tab like spaces", "scène-配信-🎬", "x_y", "~tilde", "UPPER", "%2e%2e" })
    void everyNameStaysInItsFolderAndDecodesBack(String id) {
        String name = FileNames.encode(id);
        assertTrue(name.matches("[a-z0-9_\\-~]+\\.json"), name);
        assertFalse(name.startsWith("."), name);
        assertFalse(Set.of("con", "prn", "aux", "nul", "com1", "lpt9").contains(name.substring(0, name.length() - 5)), name);
        assertEquals(Optional.of(id), FileNames.decode(name));
    }

    @Test
    void idsThatDifferOnlyInCaseGetNamesThatDifferIgnoringCase() {
        String a = FileNames.encode("Intro");
        String b = FileNames.encode("intro");
        String c = FileNames.encode("INTRO");
        Set<String> folded = new HashSet<>();
        for (String n : new String[] { a, b, c }) {
            assertTrue(folded.add(n.toLowerCase(Locale.ROOT)), "collides on a case-insensitive file system: " + n);
        }
    }

    @Test
    void veryLongIdsAreHashedWithinTheNameLimitAndStayDistinct() {
        String base = "🎬".repeat(ConfigKey.MAX_ID_LENGTH / 2);
        String other = "🎬".repeat(ConfigKey.MAX_ID_LENGTH / 2 - 1) + "🎥";
        String a = FileNames.encode(base);
        String b = FileNames.encode(other);
        assertTrue(a.length() <= FileNames.MAX_NAME + FileNames.EXTENSION.length(), a);
        assertTrue(FileNames.hashed(a));
        assertNotEquals(a, b);
        assertEquals(Optional.empty(), FileNames.decode(a), "a hashed name is resolved by reading the file");
        assertEquals(a, FileNames.encode(base), "encoding is stable");
    }

    @Test
    void namesNotMadeByTheEncoderAreNotDecoded() {
        assertEquals(Optional.empty(), FileNames.decode("_61.json"), "only the canonical name of 'a' counts");
        assertEquals(Optional.empty(), FileNames.decode("Intro.json"));
        assertEquals(Optional.empty(), FileNames.decode("a_4.json"));
        assertEquals(Optional.empty(), FileNames.decode("notes.txt"));
        assertEquals(Optional.empty(), FileNames.decode(".json"));
    }
}
