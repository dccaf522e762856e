package org.streamkit.sync.tier.obs;

import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whether OBS is on air: streaming or recording. Read when a session opens ({@code GetStreamStatus},
 * {@code GetRecordStatus}) and followed through {@code StreamStateChanged} and {@code RecordStateChanged}.
 * While OBS is away the last state stands: with OBS gone nothing reads its slots, and the next session
 * says what is true.
 */
final class ObsLive {

    /** What OBS is doing, as last seen. */
    record State(boolean streaming, boolean recording) {

        static final State OFF_AIR = new State(false, false);

        boolean live() {
            return streaming || recording;
        }

        /** @return what is live, for people ("streaming and recording"), or "off air" */
        String describe() {
            if (streaming && recording) {
                return "streaming and recording";
            }
            return streaming ? "streaming" : recording ? "recording" : "off air";
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ObsLive.class);

    private final Consumer<State> changed;
    private State state = State.OFF_AIR;

    /** @param changed told of each change of the state (on the thread that saw it) */
    ObsLive(Consumer<State> changed) {
        this.changed = changed;
    }

    synchronized State state() {
        return state;
    }

    /** A session opened: asks OBS what it is doing now. */
    void refresh(ObsSocket socket) {
        try {
            List<JsonNode> replies = socket.batch(List.of(new ObsSocket.Request("GetStreamStatus", null),
                    new ObsSocket.Request("GetRecordStatus", null)));
            set(new State(replies.get(0).path("outputActive").asBoolean(false), replies.get(1).path("outputActive").asBoolean(false)));
        } catch (StorageException | RuntimeException e) {
            LOG.debug("OBS tier: could not read the stream and recording state: {}", e.toString());
        }
    }

    /** Follows an event of OBS's: a change of the stream's or the recording's state (others are not its own). */
    void event(String type, JsonNode data) {
        boolean active = data.path("outputActive").asBoolean(false);
        synchronized (this) {
            switch (type) {
                case "StreamStateChanged" -> set(new State(active, state.recording()));
                case "RecordStateChanged" -> set(new State(state.streaming(), active));
                default -> {
                    // not about the outputs
                }
            }
        }
    }

    private void set(State next) {
        State before;
        synchronized (this) {
            before = state;
            state = next;
        }
        if (!before.equals(next)) {
            LOG.info("OBS is {}", next.describe());
            changed.accept(next);
        }
    }
}
