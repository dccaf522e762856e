package org.streamkit.sync.ui.internal.compare;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.eclipse.compare.CompareConfiguration;
import org.eclipse.compare.CompareEditorInput;
import org.eclipse.compare.structuremergeviewer.DiffNode;
import org.eclipse.compare.structuremergeviewer.Differencer;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.NullProgressMonitor;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.window.Window;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.IWorkbenchPart;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.editor.JsonCheck;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One open conflict in Eclipse's compare editor: this device's version ("Mine", the compare input's left
 * side, editable: it becomes the merge), the remote tier's version ("Theirs") beside it, and the version
 * both started from above when it is known, as pretty-printed JSON with the differences highlighted
 * ({@link JsonMergeViewer}); which side is drawn on the left follows the compare preferences. A bar above
 * the comparison says what is compared and offers the ways out: Keep Mine, Take Theirs, Merge Fields (a
 * {@link FieldMergeDialog}) and Save Merge (also Ctrl+S), which saves Mine as edited. Each ends the
 * conflict through {@link SyncCoordinator#resolve} in a job, as a new version, and closes the editor; the
 * losing version stays in the config's history.
 */
public final class ConflictCompareInput extends CompareEditorInput {

    /** The compare type of config bodies, for {@code org.eclipse.compare.contentMergeViewers}. */
    public static final String TYPE = "streamkit-json"; //$NON-NLS-1$
    /** Resolutions, as {@link SyncCoordinator#resolve} takes them. */
    public static final String MINE = "mine"; //$NON-NLS-1$
    public static final String THEIRS = "theirs"; //$NON-NLS-1$
    public static final String MERGED = "merged"; //$NON-NLS-1$

    /**
     * The compare configuration property that shows the ancestor pane (the value of the internal
     * {@code ICompareUIConstants.PROP_ANCESTOR_VISIBLE}); the merge viewer reads it when it is made.
     */
    private static final String ANCESTOR_VISIBLE = "org.eclipse.compare.AncestorVisible"; //$NON-NLS-1$
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());

    private final Conflict conflict;
    private final ConfigDocument base;
    private final Supplier<SyncCoordinator> coordinators;
    private JsonSide left;
    private Composite bar;
    private Label info;
    private Label problem;
    private Button keepMine;
    private Button takeTheirs;
    private Button mergeFields;
    private Button saveMerge;
    private volatile boolean busy;
    private volatile ConfigDocument resolved;
    private volatile String resolution;

    /**
     * @param base         the version both sides started from, or null when it is not known
     * @param coordinators the coordinator now (null when none runs)
     */
    public ConflictCompareInput(Conflict conflict, ConfigDocument base, Supplier<SyncCoordinator> coordinators) {
        super(new CompareConfiguration());
        this.conflict = conflict;
        this.base = base == null || base.deleted() ? null : base;
        this.coordinators = coordinators;
        CompareConfiguration configuration = getCompareConfiguration();
        configuration.setLeftEditable(true);
        configuration.setRightEditable(false);
        configuration.setLeftLabel(label(Messages.Compare_mineLabel, conflict.mine(), conflict.tier()));
        configuration.setRightLabel(label(Messages.Compare_theirsLabel, conflict.theirs(), conflict.tier()));
        if (this.base != null) {
            configuration.setAncestorLabel(label(Messages.Compare_baseLabel, this.base, conflict.tier()));
            configuration.setProperty(ANCESTOR_VISIBLE, Boolean.TRUE);
        }
        setTitle(NLS.bind(Messages.Compare_title, conflict.key()));
    }

    /**
     * @param history the config's earlier versions, newest first ({@link SyncCoordinator#history})
     * @return the version both sides of a conflict most likely started from: the newest earlier version
     *         older than both of them; null when there is none
     */
    public static ConfigDocument baseOf(Conflict conflict, List<ConfigDocument> history) {
        for (ConfigDocument earlier : history) {
            if (!earlier.deleted() && earlier.updatedAt().isBefore(conflict.mine().updatedAt())
                    && earlier.updatedAt().isBefore(conflict.theirs().updatedAt())) {
                return earlier;
            }
        }
        return null;
    }

    private static String label(String pattern, ConfigDocument document, String tier) {
        String when = TIME.format(document.updatedAt());
        return document.deleted() ? NLS.bind(Messages.Compare_deletedLabel, NLS.bind(pattern, tier, when))
                : NLS.bind(pattern, tier, when);
    }

    @Override
    protected Object prepareInput(IProgressMonitor monitor) {
        left = new JsonSide(Messages.Compare_mineName, conflict.mine(), true);
        JsonSide right = new JsonSide(NLS.bind(Messages.Compare_theirsName, conflict.tier()), conflict.theirs(), false);
        JsonSide ancestor = base == null ? null : new JsonSide(Messages.Compare_baseName, base, false);
        // With the common version known it is a three-way comparison: changes on each side and real conflicts.
        int kind = ancestor == null ? Differencer.CHANGE : Differencer.CONFLICTING | Differencer.CHANGE;
        return new DiffNode(null, kind, ancestor, left, right);
    }

    @Override
    public Control createContents(Composite parent) {
        Composite root = new Composite(parent, SWT.NONE);
        GridLayoutFactory.fillDefaults().spacing(0, 4).applyTo(root);

        bar = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).margins(6, 4).applyTo(bar);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(bar);
        info = new Label(bar, SWT.WRAP);
        info.setText(describe());
        GridDataFactory.fillDefaults().grab(true, false).hint(300, SWT.DEFAULT).align(SWT.FILL, SWT.CENTER).applyTo(info);
        Composite buttons = new Composite(bar, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(4).equalWidth(false).applyTo(buttons);
        keepMine = button(buttons, Messages.Compare_keepMine, Messages.Compare_keepMineTooltip, this::keepMine);
        takeTheirs = button(buttons, Messages.Compare_takeTheirs,
                NLS.bind(Messages.Compare_takeTheirsTooltip, conflict.tier()), this::takeTheirs);
        mergeFields = button(buttons, Messages.Compare_mergeFields, Messages.Compare_mergeFieldsTooltip, this::mergeFields);
        mergeFields.setEnabled(!conflict.mine().deleted() && !conflict.theirs().deleted());
        saveMerge = button(buttons, Messages.Compare_saveMerge, Messages.Compare_saveMergeTooltip, this::saveMerge);
        problem = new Label(bar, SWT.WRAP);
        problem.setForeground(root.getDisplay().getSystemColor(SWT.COLOR_DARK_RED));
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).exclude(true).applyTo(problem);
        problem.setVisible(false);

        Control comparison = super.createContents(root);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(comparison);
        return root;
    }

    private static Button button(Composite parent, String text, String tooltip, Runnable run) {
        Button button = new Button(parent, SWT.PUSH);
        button.setText(text);
        button.setToolTipText(tooltip);
        button.setFont(JFaceResources.getDialogFont());
        button.addListener(SWT.Selection, e -> run.run());
        GridDataFactory.fillDefaults().applyTo(button);
        return button;
    }

    private String describe() {
        String text = NLS.bind(Messages.Compare_info, new Object[] { conflict.key(), TIME.format(conflict.mine().updatedAt()),
                conflict.tier(), TIME.format(conflict.theirs().updatedAt()) });
        return text + ' ' + (base == null ? Messages.Compare_noBase : NLS.bind(Messages.Compare_withBase, TIME.format(base.updatedAt())));
    }

    // ------------------------------------------------------------------------------------------ the ways out

    private void keepMine() {
        resolve(body(conflict.mine()), MINE);
    }

    private void takeTheirs() {
        resolve(body(conflict.theirs()), THEIRS);
    }

    private void mergeFields() {
        FieldMergeDialog dialog = new FieldMergeDialog(bar.getShell(), conflict.key(), conflict.tier(),
                conflict.mine().body(), conflict.theirs().body(), base == null ? null : base.body());
        if (dialog.open() == Window.OK) {
            resolve(dialog.result(), resolutionOf(dialog.result()));
        }
    }

    /** Saves Mine, as edited, as the resolution. */
    private void saveMerge() {
        flushLeftViewers(new NullProgressMonitor());
        // The text as the user sees it in the merge viewer; what was flushed into Mine when there is no viewer.
        String text = getCompareConfiguration().getProperty(JsonMergeViewer.PROPERTY) instanceof JsonMergeViewer viewer
                && viewer.editableText() != null ? viewer.editableText() : left.text();
        JsonCheck check = JsonCheck.of(text);
        if (!check.valid()) {
            showProblem(NLS.bind(Messages.Compare_invalidMerge, check.problem()));
            return;
        }
        resolve(check.body(), resolutionOf(check.body()));
    }

    @Override
    public void saveChanges(IProgressMonitor monitor) throws CoreException {
        super.saveChanges(monitor);
        saveMerge();
    }

    /** @return "mine" or "theirs" when a merge equals one side, else "merged" */
    private String resolutionOf(ObjectNode merged) {
        if (Objects.equals(merged, body(conflict.mine()))) {
            return MINE;
        }
        return Objects.equals(merged, body(conflict.theirs())) ? THEIRS : MERGED;
    }

    /** @return a version's body, or null for a deletion (which resolves to a deletion) */
    private static ObjectNode body(ConfigDocument document) {
        return document.deleted() ? null : document.body();
    }

    private void resolve(ObjectNode body, String how) {
        if (busy) {
            return;
        }
        busy = true;
        enableButtons(false);
        hideProblem();
        ConfigKey key = conflict.key();
        Job job = Job.create(NLS.bind(Messages.Compare_resolveJob, key), monitor -> {
            SyncCoordinator coordinator = coordinators.get();
            try {
                if (coordinator == null) {
                    throw new StorageException(Messages.ConfigsView_noTier, false);
                }
                boolean open = coordinator.conflicts().stream()
                        .anyMatch(c -> c.key().equals(key) && c.tier().equals(conflict.tier()));
                if (!open) {
                    ui(() -> {
                        showProblem(Messages.Compare_alreadyResolved);
                        busy = false;
                    });
                    return Status.OK_STATUS;
                }
                ConfigDocument saved = coordinator.resolve(key, body, how);
                resolution = how;
                resolved = saved;
                ui(this::close);
                return Status.OK_STATUS;
            } catch (StorageException | RuntimeException e) {
                ILog.of(ConflictCompareInput.class).log(Status.warning(NLS.bind(Messages.Compare_resolveFailed, e.getMessage()), e));
                ui(() -> {
                    showProblem(NLS.bind(Messages.Compare_resolveFailed, e.getMessage()));
                    busy = false;
                    enableButtons(true);
                });
                return Status.OK_STATUS;
            }
        });
        job.schedule();
    }

    private void close() {
        setDirty(false);
        IWorkbenchPart part = getWorkbenchPart();
        if (part instanceof IEditorPart editor && editor.getSite() != null) {
            editor.getSite().getPage().closeEditor(editor, false);
        }
    }

    private void enableButtons(boolean enabled) {
        for (Button button : List.of(keepMine, takeTheirs, saveMerge)) {
            if (!button.isDisposed()) {
                button.setEnabled(enabled);
            }
        }
        if (!mergeFields.isDisposed()) {
            mergeFields.setEnabled(enabled && !conflict.mine().deleted() && !conflict.theirs().deleted());
        }
    }

    private void showProblem(String text) {
        if (problem == null || problem.isDisposed()) {
            return;
        }
        problem.setText(text);
        problem.setVisible(true);
        ((org.eclipse.swt.layout.GridData) problem.getLayoutData()).exclude = false;
        bar.getParent().layout(true, true);
    }

    private void hideProblem() {
        if (problem != null && !problem.isDisposed() && problem.getVisible()) {
            problem.setVisible(false);
            ((org.eclipse.swt.layout.GridData) problem.getLayoutData()).exclude = true;
            bar.getParent().layout(true, true);
        }
    }

    private void ui(Runnable runnable) {
        Display display = bar == null || bar.isDisposed() ? null : bar.getDisplay();
        if (display != null && !display.isDisposed()) {
            display.asyncExec(() -> {
                if (!bar.isDisposed()) {
                    runnable.run();
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------ identity, for tests

    /** @return the conflict compared */
    public Conflict conflict() {
        return conflict;
    }

    /** @return the version both sides started from, or null when it is not known */
    public ConfigDocument base() {
        return base;
    }

    /** @return the version the conflict was resolved with, once it is saved; else null */
    public ConfigDocument resolved() {
        return resolved;
    }

    /** @return how the conflict was resolved ("mine", "theirs", "merged"), once it is; else null */
    public String resolution() {
        return resolution;
    }

    /** @return the bar above the comparison, with the resolution buttons */
    public Composite actionBar() {
        return bar;
    }

    /** @return the problem shown in the bar, or empty */
    public String problemText() {
        return problem == null || problem.isDisposed() || !problem.getVisible() ? "" : problem.getText(); //$NON-NLS-1$
    }

    /** @return the description above the comparison */
    public String infoText() {
        return info.getText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConflictCompareInput other && other.conflict.key().equals(conflict.key())
                && other.conflict.tier().equals(conflict.tier()) && other.conflict.detectedAt().equals(conflict.detectedAt());
    }

    @Override
    public int hashCode() {
        return Objects.hash(conflict.key(), conflict.tier(), conflict.detectedAt());
    }

    @Override
    public String getToolTipText() {
        return NLS.bind(Messages.Compare_title, conflict.key());
    }
}
