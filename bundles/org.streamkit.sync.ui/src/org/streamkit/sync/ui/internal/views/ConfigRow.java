package org.streamkit.sync.ui.internal.views;

import java.time.Instant;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;

/**
 * What the configs tree shows of one config.
 *
 * @param key       the config
 * @param name      its {@code name} field, or empty
 * @param updatedAt when it last changed
 * @param sync      where it stands with the remote tiers
 */
public record ConfigRow(ConfigKey key, String name, Instant updatedAt, ConfigSync sync) {

    static ConfigRow of(ConfigDocument document, ConfigSync sync) {
        return new ConfigRow(document.key(), nameOf(document), document.updatedAt(), sync);
    }

    /** @return the document's {@code name} field when it is a plain value, else empty */
    public static String nameOf(ConfigDocument document) {
        var nameNode = document.body().get("name");
        return nameNode != null && nameNode.isValueNode() && !nameNode.isNull() ? nameNode.asText() : "";
    }
}
