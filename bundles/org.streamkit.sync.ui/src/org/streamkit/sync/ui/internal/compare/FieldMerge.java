package org.streamkit.sync.ui.internal.compare;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.streamkit.sync.api.ConfigJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A field-level merge of two versions of a config body: for each top-level field, whose value the merge
 * keeps. Fields come in this device's order, then those only the other version has. A field one side
 * lacks is left out of the merge when that side is chosen.
 * <p>
 * The first choice of each field: where both sides agree, either; where a base version (the one both
 * started from) is known and only the other side changed the field, theirs; otherwise mine.
 */
public final class FieldMerge {

    /** Which version a field's value comes from. */
    public enum Side {
        MINE, THEIRS
    }

    /**
     * One top-level field.
     *
     * @param name   the field's name
     * @param mine   this device's value, or null when it lacks the field
     * @param theirs the other version's value, or null when it lacks the field
     * @param choice whose value the merge keeps
     */
    public record Field(String name, JsonNode mine, JsonNode theirs, Side choice) {

        /** @return whether the two versions disagree on this field */
        public boolean differs() {
            return !Objects.equals(mine, theirs);
        }

        /** @return the value the merge keeps, or null when the field is left out */
        public JsonNode chosen() {
            return choice == Side.MINE ? mine : theirs;
        }
    }

    private final Map<String, Field> fields = new LinkedHashMap<>();

    private FieldMerge() {
    }

    /**
     * @param base the version both started from, or null when it is not known
     * @return the merge of two bodies, each field first chosen as the class comment says
     */
    public static FieldMerge of(ObjectNode mine, ObjectNode theirs, ObjectNode base) {
        FieldMerge merge = new FieldMerge();
        List<String> names = new ArrayList<>();
        mine.fieldNames().forEachRemaining(names::add);
        for (Iterator<String> it = theirs.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!mine.has(name)) {
                names.add(name);
            }
        }
        for (String name : names) {
            JsonNode m = mine.get(name);
            JsonNode t = theirs.get(name);
            Side choice = Side.MINE;
            if (base != null && !Objects.equals(m, t)) {
                JsonNode b = base.get(name);
                if (Objects.equals(m, b) && !Objects.equals(t, b)) {
                    choice = Side.THEIRS; // only they changed it
                }
            }
            merge.fields.put(name, new Field(name, m, t, choice));
        }
        return merge;
    }

    /** @return every field, in merge order */
    public List<Field> fields() {
        return List.copyOf(fields.values());
    }

    /** @return one field, or null */
    public Field field(String name) {
        return fields.get(name);
    }

    /** Keeps this side's value of a field. */
    public void choose(String name, Side side) {
        Field field = fields.get(name);
        if (field == null) {
            throw new IllegalArgumentException(name);
        }
        fields.put(name, new Field(name, field.mine(), field.theirs(), side));
    }

    /** Keeps this side's value of every field. */
    public void chooseAll(Side side) {
        for (String name : List.copyOf(fields.keySet())) {
            choose(name, side);
        }
    }

    /** @return the merged body: each field's chosen value, in merge order */
    public ObjectNode merged() {
        ObjectNode merged = ConfigJson.newObject();
        for (Field field : fields.values()) {
            JsonNode value = field.chosen();
            if (value != null) {
                merged.set(field.name(), value.deepCopy());
            }
        }
        return merged;
    }
}
