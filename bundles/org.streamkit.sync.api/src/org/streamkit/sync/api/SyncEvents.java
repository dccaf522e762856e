package org.streamkit.sync.api;

/**
 * The OSGi EventAdmin topics and properties the coordinator posts, so a UI can follow sync live.
 *
 * @since 0.1
 */
public final class SyncEvents {

    /** A config's {@link SyncState} with one tier changed. Properties: type, id, tier, state, message. */
    public static final String TOPIC_STATE = "org/streamkit/sync/STATE";
    /** A config's local content changed (a local edit, or a pull from a remote). Properties: type, id, deleted. */
    public static final String TOPIC_CHANGED = "org/streamkit/sync/CHANGED";
    /**
     * A remote tier learned that a config changed elsewhere (for example through the server's change
     * stream); the coordinator pulls from that tier at once. Properties: tier, type, id.
     */
    public static final String TOPIC_REMOTE_CHANGED = "org/streamkit/sync/REMOTE";
    /**
     * What a remote tier's program shows went on air or off air (OBS started or stopped streaming or
     * recording). Properties: tier, live, message (what is live, for people).
     *
     * @since 0.5
     */
    public static final String TOPIC_LIVE = "org/streamkit/sync/LIVE";
    /** Every topic of the coordinator, for an {@code EventHandler}'s {@code event.topics}. */
    public static final String TOPIC_ALL = "org/streamkit/sync/*";

    public static final String TYPE = "type";
    public static final String ID = "id";
    public static final String TIER = "tier";
    /** The {@link SyncState#name()}. */
    public static final String STATE = "state";
    /** A sentence for people, or empty. */
    public static final String MESSAGE = "message";
    /** Boolean: the change is a deletion. */
    public static final String DELETED = "deleted";
    /**
     * Boolean: on air (see {@link #TOPIC_LIVE}).
     *
     * @since 0.5
     */
    public static final String LIVE = "live";

    private SyncEvents() {
    }
}
