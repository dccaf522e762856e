package org.streamkit.sync.api.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON backup of configs that {@code streamkit export}/{@code import} and the workbench's Export and
 * Import wizards read and write: one object, {@code {"configs": [ ... ]}}, each element a whole
 * {@link ConfigDocument} as {@link ConfigJson} writes it (type, id, times, deleted, body), pretty-printed.
 * Importing merges by last write wins, each config with the stamp of the edit that made it (see
 * {@link SyncCoordinator#importVersion}): a config from the backup is taken only when this side has no
 * version of it or an older, different one, and an old backup never replaces newer edits made since.
 *
 * @since 0.1
 */
public final class ConfigBackup {

    /** The top-level key of the list of configs. */
    public static final String CONFIGS = "configs";

    /** What importing one config from a backup does. */
    public enum Change {
        /** No version of the config here: the backup's is saved. */
        NEW,
        /** The backup's version is newer than the one here and differs: it is saved. */
        NEWER,
        /** The version here is as new or newer and differs: the backup's is skipped. */
        OLDER,
        /** The version here has the same content: nothing to do. */
        SAME;

        /** @return whether importing saves the backup's version */
        public boolean taken() {
            return this == NEW || this == NEWER;
        }
    }

    /**
     * One config of a backup next to the version here.
     *
     * @param incoming the backup's version
     * @param local    the version here (possibly a tombstone), empty when there is none
     * @param change   what importing it does
     */
    public record Item(ConfigDocument incoming, Optional<ConfigDocument> local, Change change) {
    }

    private ConfigBackup() {
    }

    /**
     * @return every live config the coordinator lists, type by type
     */
    public static List<ConfigDocument> liveConfigs(SyncCoordinator coordinator) throws StorageException {
        List<ConfigDocument> documents = new ArrayList<>();
        for (String type : coordinator.types()) {
            documents.addAll(coordinator.list(type));
        }
        return documents;
    }

    /** @return the backup of these configs, as written to a file */
    public static String toJson(Collection<ConfigDocument> documents) {
        ObjectNode backup = ConfigJson.newObject();
        ArrayNode configs = backup.putArray(CONFIGS);
        for (ConfigDocument document : documents) {
            configs.add(tree(document));
        }
        return ConfigJson.pretty(backup);
    }

    /** Writes the backup of these configs to a file: whole or not at all (a temporary file, then a rename). */
    public static void write(Path file, Collection<ConfigDocument> documents) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        // Written as a stream, one config at a time: a backup of 100,000 configs is never held as one string.
        try (OutputStream out = Files.newOutputStream(temp);
                JsonGenerator json = ConfigJson.writer().withDefaultPrettyPrinter().createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeArrayFieldStart(CONFIGS);
            for (ConfigDocument document : documents) {
                json.writeTree(tree(document));
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a backup file. Every config in it is parsed and checked before any is returned (all or nothing).
     *
     * @throws IOException when the file cannot be read, is not JSON, is not a Streamkit backup, or holds a
     *                     config that is not valid; the message names the file
     */
    public static List<ConfigDocument> read(Path file) throws IOException {
        // Read as a stream, one config at a time: a backup of 100,000 configs is never held as a whole tree.
        ObjectReader configs = ConfigJson.reader().forType(ConfigDocument.class)
                .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS); // the next config follows each one
        List<ConfigDocument> documents = new ArrayList<>();
        boolean listed = false;
        try (JsonParser parser = configs.createParser(file.toFile())) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (!CONFIGS.equals(field) || value != JsonToken.START_ARRAY) {
                        parser.skipChildren();
                        continue;
                    }
                    listed = true;
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        try {
                            documents.add(configs.readValue(parser));
                        } catch (JsonMappingException | RuntimeException e) {
                            throw new IOException(file + ": config " + (documents.size() + 1) + " is not valid: " + reason(e), e);
                        }
                    }
                }
            }
        } catch (JacksonException e) {
            throw new IOException(file + " is not valid JSON: " + reason(e), e);
        }
        if (!listed) {
            throw new IOException(file + " is not a Streamkit backup (no \"" + CONFIGS + "\" list)");
        }
        return documents;
    }

    /** @return what importing this config would do, next to the coordinator's version of it */
    public static Item compare(SyncCoordinator coordinator, ConfigDocument incoming) throws StorageException {
        Optional<ConfigDocument> local = coordinator.getIncludingDeleted(incoming.key());
        return new Item(incoming, local, change(incoming, local));
    }

    /** @return what importing {@code incoming} does when this side holds {@code local} */
    public static Change change(ConfigDocument incoming, Optional<ConfigDocument> local) {
        if (local.isEmpty()) {
            return Change.NEW;
        }
        ConfigDocument here = local.get();
        if (here.sameContent(incoming)) {
            return Change.SAME;
        }
        return incoming.isNewerThan(here) ? Change.NEWER : Change.OLDER;
    }

    /**
     * Imports one config, last write wins: compares it with the coordinator's version again (it may have
     * changed since a preview) and takes it, with its own stamp, only when that says so.
     *
     * @return what was done; {@link Change#taken()} says whether anything was saved
     */
    public static Change importOne(SyncCoordinator coordinator, ConfigDocument incoming) throws StorageException {
        Change change = compare(coordinator, incoming).change();
        if (change.taken() && !coordinator.importVersion(incoming.withRemoteVersion(null))) {
            return Change.OLDER; // a newer version arrived since the comparison
        }
        return change;
    }

    /** @return the reason of a mapping failure: the config's own check when it refused, else Jackson's words */
    private static String reason(Throwable e) {
        Throwable cause = e;
        while (cause instanceof JsonMappingException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof JacksonException j ? j.getOriginalMessage() : cause.getMessage();
    }

    private static JsonNode tree(ConfigDocument document) {
        try {
            return ConfigJson.reader().readTree(ConfigJson.writer().writeValueAsBytes(document));
        } catch (IOException e) {
            throw new IllegalStateException("A config could not be written as JSON", e);
        }
    }
}
