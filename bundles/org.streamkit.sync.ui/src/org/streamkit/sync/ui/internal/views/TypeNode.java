package org.streamkit.sync.ui.internal.views;

import java.util.List;

/**
 * A type's node in the configs tree: the type and its configs.
 *
 * @param type the config type
 * @param rows its configs (all of them, before any filter)
 */
public record TypeNode(String type, List<ConfigRow> rows) {

    public TypeNode {
        rows = List.copyOf(rows);
    }
}
