package org.streamkit.sync.ui.internal;

import java.time.Instant;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;

/**
 * What the configs table shows of one config.
 *
 * @param key       the config
 * @param name      its {@code name} field, or empty
 * @param updatedAt when it last changed
 */
public record ConfigRow(ConfigKey key, String name, Instant updatedAt) {

    static ConfigRow of(ConfigDocument document) {
        var nameNode = document.body().get("name");
        String name = nameNode != null && nameNode.isValueNode() ? nameNode.asText() : "";
        return new ConfigRow(document.key(), name, document.updatedAt());
    }
}
