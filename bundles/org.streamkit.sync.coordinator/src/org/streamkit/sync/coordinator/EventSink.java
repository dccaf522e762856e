package org.streamkit.sync.coordinator;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncState;

/** Where the coordinator reports what happens (EventAdmin in the product, a list in tests). */
public interface EventSink {

    void state(ConfigKey key, String tier, SyncState state, String message);

    void changed(ConfigKey key, boolean deleted);

    EventSink NONE = new EventSink() {
        @Override
        public void state(ConfigKey key, String tier, SyncState state, String message) {
        }

        @Override
        public void changed(ConfigKey key, boolean deleted) {
        }
    };
}
