package org.streamkit.sync.ui.internal.views;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.eclipse.core.commands.operations.AbstractOperation;
import org.eclipse.core.commands.operations.IUndoContext;
import org.eclipse.core.commands.operations.ObjectUndoContext;
import org.eclipse.core.runtime.IAdaptable;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.MultiStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.osgi.util.NLS;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.ui.internal.Messages;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Undoable changes to configs, for the workbench's operation history: creating a config (New, Duplicate)
 * and deleting configs. Undo puts back the document as it was, and never overwrites a config that
 * changed again in the meantime (that undo reports why it did nothing instead).
 */
public final class ConfigOperations {

    private static final String PLUGIN_ID = "org.streamkit.sync.ui"; //$NON-NLS-1$

    /** The undo context of every change made to configs through the Streamkit UI. */
    public static final IUndoContext CONTEXT = new ObjectUndoContext(ConfigOperations.class,
            Messages.Operations_context);

    private ConfigOperations() {
    }

    private static SyncCoordinator require(Supplier<SyncCoordinator> coordinators) throws StorageException {
        SyncCoordinator coordinator = coordinators.get();
        if (coordinator == null) {
            throw new StorageException(Messages.ConfigsView_noTier, false);
        }
        return coordinator;
    }

    private static IStatus failed(String message, Exception e) {
        return Status.error(NLS.bind(message, e.getMessage()), e);
    }

    /** Saves a new config; undo removes it again (or puts back what the key held before). */
    public static final class Create extends AbstractOperation {

        private final Supplier<SyncCoordinator> coordinators;
        private final ConfigKey key;
        private final ObjectNode body;
        private Optional<ConfigDocument> before = Optional.empty();
        private Instant created;

        public Create(String label, Supplier<SyncCoordinator> coordinators, ConfigKey key, ObjectNode body) {
            super(label);
            this.coordinators = coordinators;
            this.key = key;
            this.body = body.deepCopy();
            addContext(CONTEXT);
        }

        public ConfigKey key() {
            return key;
        }

        @Override
        public IStatus execute(IProgressMonitor monitor, IAdaptable info) {
            try {
                SyncCoordinator coordinator = require(coordinators);
                before = coordinator.get(key);
                created = coordinator.put(key, body).updatedAt();
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                return failed(Messages.Operations_saveFailed, e);
            }
        }

        @Override
        public IStatus undo(IProgressMonitor monitor, IAdaptable info) {
            try {
                SyncCoordinator coordinator = require(coordinators);
                Optional<ConfigDocument> now = coordinator.getIncludingDeleted(key);
                if (now.isEmpty() || !now.get().updatedAt().equals(created)) {
                    return Status.warning(NLS.bind(Messages.Operations_changedSince, key));
                }
                if (before.isPresent()) {
                    coordinator.put(key, before.get().body());
                } else {
                    coordinator.delete(key);
                }
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                return failed(Messages.Operations_undoFailed, e);
            }
        }

        @Override
        public IStatus redo(IProgressMonitor monitor, IAdaptable info) {
            return execute(monitor, info);
        }
    }

    /** Deletes configs (tombstones); undo saves each one again with the body it had. */
    public static final class Delete extends AbstractOperation {

        private final Supplier<SyncCoordinator> coordinators;
        private final List<ConfigKey> keys;
        /** What each deleted config was, and when its tombstone was written. */
        private final Map<ConfigKey, Deleted> deleted = new LinkedHashMap<>();

        private record Deleted(ConfigDocument previous, Instant tombstone) {
        }

        public Delete(String label, Supplier<SyncCoordinator> coordinators, List<ConfigKey> keys) {
            super(label);
            this.coordinators = coordinators;
            this.keys = List.copyOf(keys);
            addContext(CONTEXT);
        }

        public List<ConfigKey> keys() {
            return keys;
        }

        @Override
        public IStatus execute(IProgressMonitor monitor, IAdaptable info) {
            deleted.clear();
            SubMonitor progress = SubMonitor.convert(monitor, keys.size());
            try {
                SyncCoordinator coordinator = require(coordinators);
                for (ConfigKey key : keys) {
                    Optional<ConfigDocument> previous = coordinator.get(key);
                    if (previous.isPresent()) {
                        deleted.put(key, new Deleted(previous.get(), coordinator.delete(key).updatedAt()));
                    }
                    progress.worked(1);
                }
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                // Configs deleted before the failure stay deleted, and undo can bring them back.
                return failed(Messages.Operations_deleteFailed, e);
            }
        }

        @Override
        public boolean canUndo() {
            return !deleted.isEmpty();
        }

        @Override
        public IStatus undo(IProgressMonitor monitor, IAdaptable info) {
            List<IStatus> problems = new ArrayList<>();
            SubMonitor progress = SubMonitor.convert(monitor, deleted.size());
            try {
                SyncCoordinator coordinator = require(coordinators);
                for (Map.Entry<ConfigKey, Deleted> entry : deleted.entrySet()) {
                    Optional<ConfigDocument> now = coordinator.getIncludingDeleted(entry.getKey());
                    if (now.isPresent() && now.get().updatedAt().isAfter(entry.getValue().tombstone())) {
                        problems.add(Status.warning(NLS.bind(Messages.Operations_changedSince, entry.getKey())));
                    } else {
                        coordinator.put(entry.getKey(), entry.getValue().previous().body());
                    }
                    progress.worked(1);
                }
            } catch (StorageException | RuntimeException e) {
                return failed(Messages.Operations_undoFailed, e);
            }
            if (problems.isEmpty()) {
                return Status.OK_STATUS;
            }
            MultiStatus status = new MultiStatus(PLUGIN_ID, 0, Messages.Operations_undoPartly);
            problems.forEach(status::add);
            return status;
        }

        @Override
        public IStatus redo(IProgressMonitor monitor, IAdaptable info) {
            return execute(monitor, info);
        }
    }
}
