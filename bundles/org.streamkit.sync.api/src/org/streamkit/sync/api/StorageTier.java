package org.streamkit.sync.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One place where configs are kept: the memory cache, the Xodus store, the file backup, OBS, the cloud.
 * Tiers are OSGi services; the coordinator composes them by {@link #RANKING} (highest first) into a read
 * fallback chain and a write-through chain. A tier is a plain store: it keeps what it is given and does
 * not resolve conflicts (the coordinator does).
 * <p>
 * <b>Guarantees every tier gives</b> (checked by the storage-tier contract test):
 * <ul>
 * <li>{@link #put} and {@link #delete} return only once the write is as durable as the tier promises
 * ({@link #KIND_LOCAL} tiers: on local storage, or in memory for the cache; {@link #KIND_REMOTE} tiers:
 * acknowledged by the remote). A later {@link #get} on the same tier sees it.</li>
 * <li>A delete is a tombstone: {@link #get} returns it with {@link ConfigDocument#deleted()} set, so a
 * deletion travels to other tiers like any other change.</li>
 * <li>Calls may come from many threads at once; a write is never torn and never lost to a concurrent
 * write of another key.</li>
 * <li>Invalid input is refused with {@link ConfigValidationException} before anything is stored.</li>
 * <li>A tier that cannot serve throws {@link StorageException} (never an unchecked exception for an
 * expected failure) and reports why in {@link #health()}.</li>
 * </ul>
 * Service properties: {@link #RANKING}, {@link #TIER_NAME}, {@link #TIER_KIND}, for local tiers
 * {@link #DURABLE} and, for remote tiers, {@link #DEBOUNCE_MS} and {@link #ENABLED}.
 * <p>
 * <b>Conditional writes.</b> A remote tier that can compare versions honours the
 * {@link ConfigDocument#remoteVersion()} of the document given to {@link #put}: with one, the write happens
 * only if the tier still holds that version; with {@link #ABSENT}, only if it holds nothing for the key (no
 * config and no tombstone); otherwise it fails with a {@link ConflictException} carrying what it holds.
 * Without a remote version the write is unconditional. Local tiers store what they are given.
 *
 * @since 0.1
 */
public interface StorageTier {

    /** Service property: the tier's rank ({@code Integer}); higher ranks are asked first. */
    String RANKING = "service.ranking";
    /** Service property: the tier's short name ({@code String}), for example {@code memory} or {@code xodus}. */
    String TIER_NAME = "streamkit.tier.name";
    /** Service property: {@link #KIND_LOCAL} or {@link #KIND_REMOTE}. */
    String TIER_KIND = "streamkit.tier.kind";
    /** Service property of remote tiers: how long the coordinator debounces writes to it ({@code Long}, ms). */
    String DEBOUNCE_MS = "streamkit.tier.debounce.ms";
    /**
     * Service property of remote tiers ({@code Boolean}, or its text; true when absent): false when the user
     * turned the tier off. The coordinator leaves such a tier out and drops the writes that waited for it.
     */
    String ENABLED = "streamkit.tier.enabled";

    /**
     * Service property of local tiers ({@code Boolean}, or its text; true when absent): false for a tier whose
     * content does not survive the process (the memory cache). The coordinator acknowledges a write, and
     * moves a pull's cursor past a change, only once a durable tier holds it.
     *
     * @since 0.2
     */
    String DURABLE = "streamkit.tier.durable";

    /**
     * Service property of remote tiers: the config types it syncs, comma-separated text or a {@code String[]}
     * ({@code "notes,layouts"}); absent or empty: every type. A type left out is neither sent to the tier nor
     * taken from it; what the tier already holds of it stays there.
     *
     * @since 0.5
     */
    String SYNC_TYPES = "streamkit.tier.syncTypes";

    /**
     * The {@link ConfigDocument#remoteVersion()} that asks a remote tier to store a document only if it holds
     * nothing for its key (see <i>Conditional writes</i> above).
     *
     * @since 0.2
     */
    String ABSENT = "*";

    /**
     * @param properties a local tier's service properties
     * @return whether its content survives the process: {@link #DURABLE} is not false
     * @since 0.2
     */
    static boolean durable(Map<String, ?> properties) {
        Object durable = properties.get(DURABLE);
        return durable == null || !"false".equalsIgnoreCase(String.valueOf(durable).strip());
    }

    /**
     * @param properties a tier's service or configuration properties
     * @return whether they turn the tier off: {@link #ENABLED} is false (a {@code Boolean} or its text)
     */
    static boolean turnedOff(Map<String, ?> properties) {
        Object enabled = properties.get(ENABLED);
        return enabled != null && "false".equalsIgnoreCase(String.valueOf(enabled).strip());
    }

    /**
     * @param properties a tier's service or configuration properties
     * @return the config types the tier syncs ({@link #SYNC_TYPES}), empty for every type
     * @throws IllegalArgumentException when one of them is not a valid type
     * @since 0.5
     */
    static java.util.Set<String> syncTypes(Map<String, ?> properties) {
        Object value = properties.get(SYNC_TYPES);
        java.util.List<String> items = new java.util.ArrayList<>();
        if (value instanceof String[] array) {
            items.addAll(java.util.List.of(array));
        } else if (value instanceof java.util.Collection<?> collection) {
            collection.forEach(v -> items.add(String.valueOf(v)));
        } else if (value != null) {
            items.addAll(java.util.List.of(String.valueOf(value).split(",")));
        }
        java.util.Set<String> types = new java.util.TreeSet<>();
        for (String item : items) {
            String type = item.strip();
            if (!type.isEmpty()) {
                ConfigKey.validateType(type);
                types.add(type);
            }
        }
        return java.util.Collections.unmodifiableSet(types);
    }

    /** {@link #TIER_KIND} of a tier on this machine, written synchronously by the coordinator. */
    String KIND_LOCAL = "local";
    /** {@link #TIER_KIND} of a tier reached over a network, written through a debounced outbox. */
    String KIND_REMOTE = "remote";

    /** @return the tier's short name, the same as its {@link #TIER_NAME} property */
    String name();

    /**
     * Reads one config.
     *
     * @return the document, a tombstone if it was deleted, or empty if this tier has never seen the key
     * @throws StorageException when the tier cannot be read now
     */
    Optional<ConfigDocument> get(ConfigKey key) throws StorageException;

    /**
     * Stores a document (a live config or a tombstone), replacing what the tier held for its key, with its
     * own stamps ({@link ConfigDocument#updatedAt()} is the edit's, and a remote that stamps writes itself
     * keeps the edit's stamp with the document). Returns once the write is as durable as the tier promises.
     * A remote tier honours the document's remote version (see <i>Conditional writes</i>).
     *
     * @return the document as stored; a remote tier may attach its new remote version
     * @throws ConflictException when a condition of the write did not hold
     * @throws StorageException  when the write did not happen
     */
    ConfigDocument put(ConfigDocument document) throws StorageException;

    /**
     * Stores several documents as {@link #put} stores each, with as few commits as the tier can (a tier
     * that can commit them together does: a bulk import, a pull's page). Returns once all of them are as
     * durable as {@link #put} promises. When it throws, each document is either stored whole or not at all,
     * and which ones were is found by reading them. Invalid documents are refused before anything is stored.
     * Calls {@link #put} for each by default.
     *
     * @param documents the documents, at most one per key
     * @return the documents as stored, in the same order
     * @throws ConflictException when a condition of one of the writes did not hold
     * @throws StorageException  when a write did not happen
     * @since 0.4
     */
    default List<ConfigDocument> putAll(List<ConfigDocument> documents) throws StorageException {
        List<ConfigDocument> stored = new ArrayList<>(documents.size());
        for (ConfigDocument d : documents) {
            stored.add(put(d));
        }
        return stored;
    }

    /**
     * Deletes a config by storing a tombstone stamped {@code deletedAt}. Deleting a key the tier has never
     * seen stores a tombstone too, so the deletion can travel. Durable like {@link #put}.
     *
     * @return the tombstone as stored
     * @throws StorageException when the write did not happen
     */
    ConfigDocument delete(ConfigKey key, Instant deletedAt) throws StorageException;

    /**
     * @return the config types this tier holds any document of, tombstones included
     * @throws StorageException when the tier cannot be read now
     */
    Set<String> listTypes() throws StorageException;

    /**
     * Lists the keys of one type, tombstones included (use {@link #get} to tell them apart), in key order.
     *
     * @throws ConfigValidationException when the type is not valid
     * @throws StorageException          when the tier cannot be read now
     */
    List<ConfigKey> listKeys(String type) throws StorageException;

    /**
     * Reads every document of one type, tombstones included, in key order, with as few reads as the tier
     * can (a store that can read them in one pass does). Reads {@link #listKeys} and then {@link #get} for
     * each by default.
     *
     * @throws ConfigValidationException when the type is not valid
     * @throws StorageException          when the tier cannot be read now
     * @since 0.4
     */
    default List<ConfigDocument> documents(String type) throws StorageException {
        List<ConfigDocument> found = new ArrayList<>();
        for (ConfigKey key : listKeys(type)) {
            get(key).ifPresent(found::add);
        }
        return found;
    }

    /**
     * Lists what changed after a cursor, tombstones included, oldest change first, at most {@code limit}
     * documents. A key changed several times appears once, with its latest state. Without a cursor
     * ({@code null}) every document is a change. Feeding {@link Changes#nextCursor()} back in never skips
     * a change made after the previous page was read.
     *
     * @param cursor a cursor this tier returned before, or {@code null} for "from the beginning"
     * @param limit  the most documents to return, at least 1
     * @throws IllegalArgumentException when the cursor was not made by this tier or the limit is below 1
     * @throws StorageException         when the tier cannot be read now
     */
    Changes changedSince(String cursor, int limit) throws StorageException;

    /**
     * Names the config types this device holds, before each pull from this tier, so a remote that cannot
     * list its own types (the Streamkit API's core routes have no such route) pulls these too. Cheap: it
     * only notes them. Does nothing by default.
     *
     * @param types types the local tiers hold
     * @since 0.3
     */
    default void localTypes(Set<String> types) {
    }

    /** @return the tier's health now; cheap, never blocks on the network */
    TierHealth health();
}
