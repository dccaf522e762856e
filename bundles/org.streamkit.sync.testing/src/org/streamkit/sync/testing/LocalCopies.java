package org.streamkit.sync.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;

/**
 * What a device holds, read from each of its local tiers directly: never through the coordinator, whose
 * read fallback asks a remote tier when the local ones miss and so would hide a pull that stored nothing.
 * A device "has" a version only when every one of its local tiers holds that same version.
 */
public final class LocalCopies {

    private final String device;
    private final List<StorageTier> tiers;

    /**
     * @param device a name for messages
     * @param tiers  the device's local tiers (memory, Xodus, file backup, as it runs them)
     */
    public LocalCopies(String device, List<StorageTier> tiers) {
        this.device = device;
        this.tiers = List.copyOf(tiers);
    }

    /** @return each local tier's copy of a key (null where a tier has none) */
    public Map<String, ConfigDocument> copies(ConfigKey key) {
        Map<String, ConfigDocument> copies = new LinkedHashMap<>();
        for (StorageTier t : tiers) {
            try {
                copies.put(t.name(), t.get(key).orElse(null));
            } catch (StorageException e) {
                throw new AssertionError(device + ": tier " + t.name() + " could not be read for " + key + ": " + e.getMessage(), e);
            }
        }
        return copies;
    }

    /**
     * @return the version every local tier holds (a tombstone included), or empty when none holds one
     * @throws AssertionError when the local tiers disagree
     */
    public Optional<ConfigDocument> version(ConfigKey key) {
        Map<String, ConfigDocument> copies = copies(key);
        ConfigDocument first = copies.values().iterator().next();
        for (ConfigDocument d : copies.values()) {
            boolean same = first == null ? d == null : first.sameVersion(d);
            if (!same) {
                throw new AssertionError(device + ": its local tiers disagree on " + key + ": " + describe(copies));
            }
        }
        return Optional.ofNullable(first);
    }

    /**
     * Waits (bounded) until the local tiers agree on a key, as they do once a tier that joined late has been
     * filled from the others, then returns that version.
     *
     * @throws AssertionError when they still disagree after {@code limit}
     */
    public Optional<ConfigDocument> agreed(ConfigKey key, java.time.Duration limit) {
        Wait.until(() -> {
            try {
                version(key);
                return true;
            } catch (AssertionError disagree) {
                return false;
            }
        }, limit, () -> device + ": local tiers still disagree on " + key + ": " + describe(copies(key)));
        return version(key);
    }

    /** @return the live version every local tier holds, or empty (absent or deleted) */
    public Optional<ConfigDocument> live(ConfigKey key) {
        return version(key).filter(d -> !d.deleted());
    }

    /** @return a field of the live body every local tier holds, or null (absent, deleted, or no such field) */
    public String field(ConfigKey key, String field) {
        return live(key).map(d -> d.body().path(field).asText(null)).orElse(null);
    }

    /** @return whether every local tier holds a live version whose body satisfies the check */
    public boolean holds(ConfigKey key, Function<ConfigDocument, Boolean> check) {
        try {
            return live(key).map(check).orElse(false);
        } catch (AssertionError e) {
            return false; // the tiers are still being written
        }
    }

    /** @return the keys of a type any local tier holds, tombstones included */
    public List<ConfigKey> keys(String type) {
        List<ConfigKey> all = new ArrayList<>();
        for (StorageTier t : tiers) {
            try {
                for (ConfigKey k : t.listKeys(type)) {
                    if (!all.contains(k)) {
                        all.add(k);
                    }
                }
            } catch (StorageException e) {
                throw new AssertionError(device + ": tier " + t.name() + " could not list " + type + ": " + e.getMessage(), e);
            }
        }
        all.sort(null);
        return all;
    }

    private static String describe(Map<String, ConfigDocument> copies) {
        StringBuilder b = new StringBuilder();
        copies.forEach((tier, d) -> b.append(tier).append('=')
                .append(d == null ? "none" : (d.deleted() ? "deleted@" : d.bodyJson() + "@") + d.updatedAt()).append("; "));
        return b.toString();
    }
}
