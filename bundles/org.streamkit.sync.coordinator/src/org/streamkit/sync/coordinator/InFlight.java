package org.streamkit.sync.coordinator;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.streamkit.sync.api.ConfigKey;

/**
 * The one thing delivery and pulls share: which configs are being sent to which remote tier right now. A
 * pull that takes a newer version from a remote while this device's older version is on its way there
 * keeps the outbox entry (instead of ending it), so the remote is checked again after that write, which a
 * remote without version checks may have let land over the newer one.
 */
final class InFlight {

    private final Set<String> sending = ConcurrentHashMap.newKeySet();

    void begin(String tier, ConfigKey key) {
        sending.add(id(tier, key));
    }

    void end(String tier, ConfigKey key) {
        sending.remove(id(tier, key));
    }

    boolean sending(String tier, ConfigKey key) {
        return sending.contains(id(tier, key));
    }

    private static String id(String tier, ConfigKey key) {
        return tier + '\n' + key.type() + '\n' + key.id();
    }
}
