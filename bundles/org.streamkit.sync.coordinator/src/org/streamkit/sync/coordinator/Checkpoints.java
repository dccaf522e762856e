package org.streamkit.sync.coordinator;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checkpoints: every live config this device holds, kept in the sync state under a name made of the time,
 * and put back in one step. Versions that several checkpoints hold are kept once. Only the newest
 * {@link Settings#checkpointsKept()} are kept.
 */
final class Checkpoints {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH-mm-ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern VALID_NAME = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z(-[0-9]+)?");
    private static final Set<String> REASONS = Set.of(Checkpoint.MANUAL, Checkpoint.GO_LIVE, Checkpoint.BEFORE_RESTORE);

    private final SyncContext sync;
    private final LocalWriter writer;
    private final ReadPath reads;

    Checkpoints(SyncContext sync, LocalWriter writer, ReadPath reads) {
        this.sync = sync;
        this.writer = writer;
        this.reads = reads;
    }

    synchronized Checkpoint create(String reason) throws StorageException {
        if (!REASONS.contains(reason)) {
            throw new IllegalArgumentException("Unknown checkpoint reason '" + reason + "'; use one of " + REASONS);
        }
        if (!sync.tiers.awaitReady(sync.settings.readyWait())) {
            throw new StorageException("No durable local tier (Xodus or the file backup) is running, so no checkpoint"
                    + " was taken. Start the Streamkit tier bundles.", true);
        }
        List<ConfigDocument> live = reads.localLive();
        Instant now = sync.timer.now();
        Set<String> taken = new HashSet<>();
        for (Checkpoint c : sync.store.checkpoints()) {
            taken.add(c.name());
        }
        String name = NAME.format(now);
        for (int n = 2; taken.contains(name); n++) {
            name = NAME.format(now) + "-" + n;
        }
        Checkpoint checkpoint = new Checkpoint(name, now, reason, live.size());
        sync.store.saveCheckpoint(checkpoint, live);
        LOG.info("Checkpoint {} taken ({}): {} configs", name, reason, live.size());
        prune(checkpoint.name());
        return checkpoint;
    }

    List<Checkpoint> list() {
        return sync.store.checkpoints();
    }

    synchronized CheckpointRestore restore(String name) throws StorageException {
        if (name == null || !VALID_NAME.matcher(name).matches()) {
            throw new StorageException("'" + name + "' is not a checkpoint name; names look like 2026-12-07T21-04-05Z"
                    + " (list them with: streamkit checkpoint list)", false);
        }
        Checkpoint target = list().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new StorageException("There is no checkpoint " + name + " (list them with: streamkit checkpoint list)", false));
        List<ConfigDocument> held = sync.store.checkpoint(name)
                .orElseThrow(() -> new StorageException("There is no checkpoint " + name, false));
        Checkpoint undo = create(Checkpoint.BEFORE_RESTORE);
        Map<ConfigKey, ObjectNode> bodies = new LinkedHashMap<>();
        for (ConfigDocument d : held) {
            bodies.put(d.key(), d.body());
        }
        for (ConfigDocument d : reads.localLive()) {
            bodies.putIfAbsent(d.key(), null); // made after the checkpoint: deleted
        }
        int changed = 0;
        List<ConfigKey> saved = new ArrayList<>();
        List<Map.Entry<ConfigKey, ObjectNode>> all = new ArrayList<>(bodies.entrySet());
        for (int from = 0; from < all.size(); from += 1000) {
            Map<ConfigKey, ObjectNode> batch = new LinkedHashMap<>();
            for (Map.Entry<ConfigKey, ObjectNode> e : all.subList(from, Math.min(all.size(), from + 1000))) {
                batch.put(e.getKey(), e.getValue());
            }
            saved.addAll(writer.saveNewVersions(batch));
        }
        for (ConfigKey key : saved) {
            if (bodies.get(key) != null) {
                changed++;
            }
        }
        int deleted = saved.size() - changed;
        LOG.info("Checkpoint {} restored: {} configs saved again, {} deleted; undo with checkpoint {}", name, changed, deleted,
                undo.name());
        return new CheckpointRestore(target, undo, changed, deleted);
    }

    /** Removes the oldest checkpoints beyond the number kept, never the one just taken. */
    private void prune(String newest) {
        List<Checkpoint> all = list();
        int keep = Math.max(1, sync.settings.checkpointsKept());
        for (int i = keep; i < all.size(); i++) {
            if (!all.get(i).name().equals(newest)) {
                sync.store.removeCheckpoint(all.get(i).name());
            }
        }
    }
}
