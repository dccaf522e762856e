package org.streamkit.sync.ui.internal.editor;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IEditorSite;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.operations.UndoRedoActionGroup;
import org.eclipse.ui.part.EditorPart;
import org.osgi.service.event.Event;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.ui.internal.CoordinatorLink;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Edits one config: its name and its JSON body ({@link ConfigForm}). Saving (Ctrl+S) goes through the
 * {@link SyncCoordinator}, which returns once the local tiers hold the new version durably (remote tiers
 * receive it later from the outbox), so a save never waits on the network. A body that is not a JSON
 * object or is too large is not saved, and the editor says why and where.
 * <p>
 * The editor remembers the version its text started from. When the coordinator reports a newer version
 * of the config (changed elsewhere: another device, the command line, a pull), an editor without
 * unsaved changes shows it and says so; an editor with unsaved changes keeps them and asks: Reload, or
 * Keep mine (the next save then replaces the other version). A save never silently replaces a version
 * the editor has not shown.
 */
public final class ConfigEditor extends EditorPart {

    /** The editor's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.configEditor"; //$NON-NLS-1$

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());
    private static final long WAIT_FOR_COORDINATOR_MS = 10_000;

    private ConfigKey key;
    private volatile CoordinatorLink link;
    private ConfigForm form;
    private UndoRedoActionGroup undoRedo;
    /** The version the text started from (a tombstone when the config is deleted); null when there is none. */
    private ConfigDocument base;
    /** The text as loaded or last saved; null when the text was never saved where the config is now. */
    private String savedText;
    private boolean dirty;
    private volatile boolean loaded;

    @Override
    public void init(IEditorSite site, IEditorInput input) throws PartInitException {
        if (!(input instanceof ConfigEditorInput configInput)) {
            throw new PartInitException(NLS.bind(Messages.Editor_wrongInput, input));
        }
        setSite(site);
        setInput(input);
        key = configInput.key();
        setPartName(key.id());
        setTitleToolTip(key.toString());
    }

    @Override
    public void createPartControl(Composite parent) {
        form = new ConfigForm(parent);
        form.setHeader(NLS.bind(Messages.Editor_loading, key));
        form.textWidget().setEditable(false);
        form.onChange(this::updateDirty);
        if (form.undoContext() != null) {
            undoRedo = new UndoRedoActionGroup(getSite(), form.undoContext(), true);
            undoRedo.fillActionBars(getEditorSite().getActionBars());
        }
        link = new CoordinatorLink(new String[] { SyncEvents.TOPIC_CHANGED }, this::changed, () -> {
            // A coordinator that starts after the editor opened: read the config now.
            if (!loaded && link != null) {
                read(false);
            }
        });
        read(false);
    }

    /** Reads the config in the background; shows it, or (if {@code external}) says that it changed elsewhere. */
    private void read(boolean external) {
        CoordinatorLink current = link;
        if (current == null) {
            return;
        }
        Job job = Job.create(NLS.bind(Messages.Editor_readJob, key), monitor -> {
            try {
                SyncCoordinator coordinator = current.await(WAIT_FOR_COORDINATOR_MS);
                if (coordinator == null) {
                    ui(() -> form.showProblem(Messages.ConfigsView_noTier));
                    return Status.OK_STATUS;
                }
                Optional<ConfigDocument> document = coordinator.getIncludingDeleted(key);
                ui(() -> {
                    if (!external || !loaded) {
                        show(document.orElse(null));
                    } else {
                        document.ifPresent(this::changedElsewhere);
                    }
                });
                return Status.OK_STATUS;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Status.CANCEL_STATUS;
            } catch (StorageException | RuntimeException e) {
                ui(() -> form.showProblem(NLS.bind(Messages.Editor_readFailed, e.getMessage())));
                return Status.warning(NLS.bind(Messages.Editor_readFailed, e.getMessage()), e);
            }
        });
        job.setSystem(true);
        job.schedule();
    }

    private void ui(Runnable runnable) {
        Display display = form == null || form.control().isDisposed() ? null : form.control().getDisplay();
        if (display != null && !display.isDisposed()) {
            display.asyncExec(() -> {
                if (!form.control().isDisposed()) {
                    runnable.run();
                }
            });
        }
    }

    /** Shows a version of the config (or its absence) as the one the text starts from. */
    private void show(ConfigDocument document) {
        base = document;
        String text = document == null || document.deleted() ? ConfigJson.pretty(ConfigJson.newObject())
                : ConfigJson.pretty(document.body());
        savedText = text;
        form.setContent(text);
        form.textWidget().setEditable(true);
        form.hideInfo();
        if (document == null || document.deleted()) {
            form.showInfo(document == null ? Messages.Editor_missing
                    : NLS.bind(Messages.Editor_deletedBefore, TIME.format(document.updatedAt())), List.of());
        }
        showHeader();
        loaded = true;
        updateDirty();
    }

    private void showHeader() {
        String updated = base == null ? Messages.Editor_never : TIME.format(base.updatedAt());
        form.setHeader(NLS.bind(Messages.Editor_header, key, updated));
        String name = form.check().valid() && form.check().body().path("name").isTextual() //$NON-NLS-1$
                ? form.check().body().get("name").asText() : ""; //$NON-NLS-1$
        setPartName(name.isBlank() ? key.id() : name);
    }

    /** An event of the coordinator: when it is about this config, look whether it changed elsewhere. */
    private void changed(Event event) {
        if (key.type().equals(event.getProperty(SyncEvents.TYPE)) && key.id().equals(event.getProperty(SyncEvents.ID))) {
            read(true);
        }
    }

    /** Shows that a newer version exists; never replaces unsaved changes without being asked. */
    private void changedElsewhere(ConfigDocument newer) {
        if (base != null && !newer.updatedAt().isAfter(base.updatedAt())) {
            return; // the version shown, or an older one: this editor's own save, or an echo of it
        }
        if (sameContent(base, newer)) {
            // The version shown, stamped again (a server stamps the writes it takes): nothing to show.
            base = newer;
            showHeader();
            return;
        }
        String when = TIME.format(newer.updatedAt());
        if (newer.deleted()) {
            form.showInfo(NLS.bind(Messages.Editor_deletedElsewhere, when), List.of(
                    new ConfigForm.InfoAction(Messages.Editor_close, () -> getSite().getPage().closeEditor(this, false)),
                    new ConfigForm.InfoAction(Messages.Editor_keepMine, () -> keepMine(newer))));
        } else if (!dirty) {
            show(newer);
            form.showInfo(NLS.bind(Messages.Editor_reloaded, when),
                    List.of(new ConfigForm.InfoAction(Messages.Editor_dismiss, form::hideInfo)));
        } else {
            form.showInfo(NLS.bind(Messages.Editor_changedElsewhere, when), List.of(
                    new ConfigForm.InfoAction(Messages.Editor_reload, () -> show(newer)),
                    new ConfigForm.InfoAction(Messages.Editor_keepMine, () -> keepMine(newer))));
        }
    }

    /** @return whether two versions hold the same content, whatever their times */
    private static boolean sameContent(ConfigDocument a, ConfigDocument b) {
        return a != null && a.sameContent(b);
    }

    /** The user keeps this editor's text over a newer version: the next save replaces that version. */
    private void keepMine(ConfigDocument newer) {
        base = newer;
        savedText = null;
        form.hideInfo();
        showHeader();
        updateDirty();
    }

    private void updateDirty() {
        boolean now = loaded && (savedText == null || !savedText.equals(form.text()));
        if (now != dirty) {
            dirty = now;
            firePropertyChange(PROP_DIRTY);
        }
    }

    @Override
    public boolean isDirty() {
        return dirty;
    }

    @Override
    public void doSave(IProgressMonitor monitor) {
        String problem = save();
        var statusLine = getEditorSite().getActionBars().getStatusLineManager();
        if (problem != null) {
            statusLine.setErrorMessage(problem);
            if (monitor != null) {
                monitor.setCanceled(true);
            }
        } else {
            statusLine.setErrorMessage(null);
        }
    }

    /** @return null when saved, else why not (also shown in the editor) */
    private String save() {
        if (!loaded) {
            return Messages.Editor_notLoaded;
        }
        JsonCheck check = form.checkNow();
        if (!check.valid()) {
            return NLS.bind(Messages.Editor_notSaved, check.problem());
        }
        SyncCoordinator coordinator = link == null ? null : link.get();
        if (coordinator == null) {
            form.showProblem(Messages.ConfigsView_noTier);
            return Messages.ConfigsView_noTier;
        }
        try {
            // The event of a change made elsewhere may still be on its way: look before replacing anything.
            Optional<ConfigDocument> current = coordinator.getIncludingDeleted(key);
            if (current.isPresent() && sameContent(base, current.get())) {
                base = current.get();
            }
            if (current.isPresent() && (base == null || current.get().updatedAt().isAfter(base.updatedAt()))) {
                changedElsewhere(current.get());
                return Messages.Editor_notSavedChanged;
            }
            ConfigDocument saved = coordinator.put(key, check.body());
            base = saved;
            savedText = form.text();
            form.hideInfo();
            showHeader();
            updateDirty();
            return null;
        } catch (ConfigValidationException e) {
            String problem = NLS.bind(Messages.Editor_notSaved, e.getMessage());
            form.showProblem(problem);
            return problem;
        } catch (StorageException | RuntimeException e) {
            String problem = NLS.bind(Messages.Editor_saveFailed, e.getMessage());
            form.showProblem(problem);
            ILog.of(ConfigEditor.class).log(Status.warning(NLS.bind(Messages.Editor_saveFailed, key), e));
            return problem;
        }
    }

    @Override
    public void doSaveAs() {
        // Save As is not offered: a config is saved under its own key.
    }

    @Override
    public boolean isSaveAsAllowed() {
        return false;
    }

    @Override
    public void setFocus() {
        form.textWidget().setFocus();
    }

    /** @return the config this editor edits */
    public ConfigKey key() {
        return key;
    }

    /** @return the editor's widgets */
    public ConfigForm form() {
        return form;
    }

    /** @return whether the config has been read and shown */
    public boolean loaded() {
        return loaded;
    }

    /** @return when the version the text started from was made, or null */
    public Instant baseVersion() {
        return base == null ? null : base.updatedAt();
    }

    @Override
    public void dispose() {
        if (link != null) {
            link.close();
            link = null;
        }
        if (undoRedo != null) {
            undoRedo.dispose();
        }
        super.dispose();
    }
}
