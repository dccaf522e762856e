package org.streamkit.sync.api.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.api.StorageTier;

/** How a tier's properties say it is turned off: as a Boolean, or as text from a configuration file. */
class StorageTierPropertiesTest {

    @Test
    void onlyAnExplicitFalseTurnsATierOff() {
        assertFalse(StorageTier.turnedOff(Map.of()), "absent: on");
        assertFalse(StorageTier.turnedOff(Map.of(StorageTier.ENABLED, true)));
        assertFalse(StorageTier.turnedOff(Map.of(StorageTier.ENABLED, "true")));
        assertFalse(StorageTier.turnedOff(Map.of(StorageTier.ENABLED, "no")), "only false turns it off");
        assertTrue(StorageTier.turnedOff(Map.of(StorageTier.ENABLED, false)));
        assertTrue(StorageTier.turnedOff(Map.of(StorageTier.ENABLED, " FALSE ")));
    }
}
