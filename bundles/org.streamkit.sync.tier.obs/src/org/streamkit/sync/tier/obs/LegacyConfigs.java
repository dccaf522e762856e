package org.streamkit.sync.tier.obs;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads the original web dock's slot, {@code {swapConfigs, textCyclerConfigs, layoutPresets}}: each a list
 * (or a map by id) of config objects. Each becomes a config of type {@code swaps}, {@code text-cyclers} or
 * {@code layouts}, keyed by its {@code id} (else its {@code name}, else its position), stamped with its own
 * {@code updatedAt} when it has one and else with the epoch, so that any version saved since wins.
 */
final class LegacyConfigs {

    private static final Logger LOG = LoggerFactory.getLogger(LegacyConfigs.class);
    static final Map<String, String> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("swapConfigs", "swaps");
        TYPES.put("textCyclerConfigs", "text-cyclers");
        TYPES.put("layoutPresets", "layouts");
    }

    private LegacyConfigs() {
    }

    static List<ConfigDocument> read(JsonNode slotValue) {
        List<ConfigDocument> out = new ArrayList<>();
        JsonNode root = slotValue;
        if (root != null && root.isTextual()) {
            try {
                root = ConfigJson.reader().readTree(root.asText());
            } catch (java.io.IOException e) {
                LOG.warn("The web dock's slot holds text that is not JSON; nothing imported");
                return out;
            }
        }
        if (root == null || !root.isObject()) {
            return out;
        }
        for (Map.Entry<String, String> t : TYPES.entrySet()) {
            JsonNode list = root.path(t.getKey());
            int position = 0;
            for (var it = list.isObject() ? list.fields() : null; it != null && it.hasNext();) {
                var field = it.next();
                add(out, t.getValue(), field.getValue(), field.getKey(), position++);
            }
            if (list.isArray()) {
                for (JsonNode item : list) {
                    add(out, t.getValue(), item, null, position++);
                }
            }
        }
        return out;
    }

    private static void add(List<ConfigDocument> out, String type, JsonNode item, String mapKey, int position) {
        if (!(item instanceof ObjectNode body)) {
            LOG.warn("Web dock import: item {} of {} is not an object; skipped", position, type);
            return;
        }
        String id = text(body, "id");
        if (id == null) {
            id = mapKey != null ? mapKey : text(body, "name");
        }
        if (id == null) {
            id = "imported-" + (position + 1);
        }
        Instant updated = Instant.EPOCH;
        String stamp = text(body, "updatedAt");
        if (stamp != null) {
            try {
                updated = Instant.parse(stamp);
            } catch (DateTimeParseException e) {
                if (body.path("updatedAt").canConvertToLong()) {
                    updated = Instant.ofEpochMilli(body.path("updatedAt").asLong());
                }
            }
        }
        try {
            out.add(ConfigDocument.of(new ConfigKey(type, id.strip()), body, updated, updated));
        } catch (ConfigValidationException e) {
            LOG.warn("Web dock import: {} '{}' skipped: {}", type, id, e.getMessage());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() || n.isContainerNode() || n.asText().isBlank() ? null : n.asText();
    }
}
