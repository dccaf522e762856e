package org.streamkit.sync.ui.internal.editor;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.core.commands.operations.IUndoContext;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.Document;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IDocumentListener;
import org.eclipse.jface.text.DocumentEvent;
import org.eclipse.jface.text.IUndoManager;
import org.eclipse.jface.text.IUndoManagerExtension;
import org.eclipse.jface.text.TextViewerUndoManager;
import org.eclipse.jface.text.source.CompositeRuler;
import org.eclipse.jface.text.source.ISourceViewer;
import org.eclipse.jface.text.source.LineNumberRulerColumn;
import org.eclipse.jface.text.source.SourceViewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.ui.internal.Messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The plain widgets of the config editor: an information bar (hidden until there is news), the config's
 * name, key and last change, a problem line, and the JSON body in a source viewer with line numbers,
 * colouring and undo. The body is checked as it is typed ({@link JsonCheck}); a problem is shown in
 * words with its line, and that line is highlighted. The name field edits the body's {@code name}.
 * It knows nothing of the workbench or the coordinator.
 */
public final class ConfigForm {

    /** Bodies up to this many characters are checked on every keystroke; longer ones after a pause. */
    private static final int CHECK_AT_ONCE_CHARS = 200_000;
    private static final int CHECK_DELAY_MS = 300;
    private static final Color PROBLEM_LINE = new Color(0xfd, 0xe2, 0xe1);
    /** The information bar's colours: fixed, as the system's tooltip colours are dark in some themes. */
    private static final Color INFO_BACKGROUND = new Color(0xff, 0xf4, 0xce);
    private static final Color INFO_FOREGROUND = new Color(0x3b, 0x2f, 0x00);

    private final Composite root;
    private final Composite infoBar;
    private final Label infoText;
    private final Composite infoActions;
    private final Text nameField;
    private final Label keyLabel;
    private final Composite problemBar;
    private final Label problemText;
    private final SourceViewer viewer;
    private final IDocument document = new Document();
    private final List<Runnable> changeListeners = new ArrayList<>();
    private JsonCheck check = JsonCheck.of("{}");
    private boolean updating;
    private int checkGeneration;

    public ConfigForm(Composite parent) {
        root = new Composite(parent, SWT.NONE);
        GridLayoutFactory.fillDefaults().spacing(0, 6).margins(6, 6).applyTo(root);

        infoBar = new Composite(root, SWT.NONE);
        infoBar.setBackground(INFO_BACKGROUND);
        infoBar.setBackgroundMode(SWT.INHERIT_FORCE);
        GridLayoutFactory.fillDefaults().numColumns(3).margins(6, 4).applyTo(infoBar);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(infoBar);
        Label infoIcon = new Label(infoBar, SWT.NONE);
        infoIcon.setImage(JFaceResources.getImage(Dialog.DLG_IMG_MESSAGE_INFO));
        infoIcon.setBackground(infoBar.getBackground());
        infoText = new Label(infoBar, SWT.WRAP);
        infoText.setBackground(infoBar.getBackground());
        infoText.setForeground(INFO_FOREGROUND);
        GridDataFactory.fillDefaults().grab(true, false).align(SWT.FILL, SWT.CENTER).applyTo(infoText);
        infoActions = new Composite(infoBar, SWT.NONE);
        infoActions.setBackground(infoBar.getBackground());
        GridLayoutFactory.fillDefaults().numColumns(1).equalWidth(false).applyTo(infoActions);
        // The workbench's CSS styling resets composites' backgrounds: paint the bar's own colour over it.
        for (Composite bar : new Composite[] { infoBar, infoActions }) {
            bar.addPaintListener(e -> {
                e.gc.setBackground(INFO_BACKGROUND);
                e.gc.fillRectangle(bar.getClientArea());
            });
        }
        setVisible(infoBar, false);

        Composite header = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).spacing(8, 4).applyTo(header);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(header);
        new Label(header, SWT.NONE).setText(Messages.Editor_name);
        nameField = new Text(header, SWT.BORDER);
        nameField.setMessage(Messages.Editor_nameHint);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(nameField);
        new Label(header, SWT.NONE).setText(Messages.Editor_config);
        keyLabel = new Label(header, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(keyLabel);

        problemBar = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).applyTo(problemBar);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(problemBar);
        Label problemIcon = new Label(problemBar, SWT.NONE);
        problemIcon.setImage(JFaceResources.getImage(Dialog.DLG_IMG_MESSAGE_ERROR));
        GridDataFactory.fillDefaults().align(SWT.BEGINNING, SWT.BEGINNING).applyTo(problemIcon);
        problemText = new Label(problemBar, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(200, SWT.DEFAULT).applyTo(problemText);
        setVisible(problemBar, false);

        CompositeRuler ruler = new CompositeRuler();
        ruler.addDecorator(0, new LineNumberRulerColumn());
        viewer = new SourceViewer(root, ruler, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.configure(new Configuration());
        viewer.getTextWidget().setFont(JFaceResources.getTextFont());
        viewer.setDocument(document);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(viewer.getControl());

        document.addDocumentListener(new IDocumentListener() {
            @Override
            public void documentAboutToBeChanged(DocumentEvent event) {
                // nothing to do before the change
            }

            @Override
            public void documentChanged(DocumentEvent event) {
                textChanged();
            }
        });
        nameField.addModifyListener(e -> nameChanged());
    }

    /** Shows a body's text as loaded: what undo cannot go back beyond. */
    public void setContent(String text) {
        updating = true;
        try {
            document.set(text);
        } finally {
            updating = false;
        }
        IUndoManager undo = viewer.getUndoManager();
        if (undo != null) {
            undo.reset();
        }
        checkNow();
        changeListeners.forEach(Runnable::run);
    }

    /** @return the body's text as shown */
    public String text() {
        return document.get();
    }

    /** Runs when the text or the name changes. */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    /** @return the result of checking the body's current text, checking it now if a check is due */
    public JsonCheck checkNow() {
        checkGeneration++;
        check = JsonCheck.of(document.get());
        showCheck();
        return check;
    }

    /** @return the last check of the body (it may be behind the text of a very long body for a moment) */
    public JsonCheck check() {
        return check;
    }

    private void textChanged() {
        if (document.getLength() <= CHECK_AT_ONCE_CHARS) {
            checkNow();
        } else {
            int generation = ++checkGeneration;
            root.getDisplay().timerExec(CHECK_DELAY_MS, () -> {
                if (!root.isDisposed() && generation == checkGeneration) {
                    checkNow();
                }
            });
        }
        if (!updating) {
            changeListeners.forEach(Runnable::run);
        }
    }

    private void showCheck() {
        StyledText text = viewer.getTextWidget();
        text.setLineBackground(0, text.getLineCount(), null);
        if (check.valid()) {
            showProblemText("");
            JsonNode name = check.body().get("name");
            String shown = name != null && name.isValueNode() && !name.isNull() ? name.asText() : "";
            if (!nameField.getText().equals(shown)) {
                updating = true;
                try {
                    nameField.setText(shown);
                } finally {
                    updating = false;
                }
            }
            nameField.setEnabled(name == null || name.isTextual());
            nameField.setToolTipText(nameField.isEnabled() ? null : Messages.Editor_nameNotText);
        } else {
            showProblemText(check.problem());
            if (check.line() > 0 && check.line() <= text.getLineCount()) {
                text.setLineBackground(check.line() - 1, 1, PROBLEM_LINE);
            }
            nameField.setEnabled(false);
            nameField.setToolTipText(Messages.Editor_nameNeedsJson);
        }
    }

    /** Writes the name field into the body's {@code name}, keeping the body's other fields and their order. */
    private void nameChanged() {
        if (updating || !check.valid()) {
            return;
        }
        ObjectNode body = check.body().deepCopy();
        body.put("name", nameField.getText());
        String text = ConfigJson.pretty(body);
        updating = true;
        try {
            document.replace(0, document.getLength(), text);
        } catch (BadLocationException e) {
            throw new IllegalStateException(e);
        } finally {
            updating = false;
        }
        changeListeners.forEach(Runnable::run);
    }

    /** Shows a problem the check did not find (for example a save the coordinator refused); the next check replaces it. */
    public void showProblem(String problem) {
        showProblemText(problem);
    }

    private void showProblemText(String problem) {
        boolean show = !problem.isEmpty();
        if (!problemText.getText().equals(problem)) {
            problemText.setText(problem);
        }
        if (setVisible(problemBar, show) || show) {
            root.layout(true, true);
        }
    }

    /** @return the problem shown, or empty */
    public String problemText() {
        return problemBar.getVisible() ? problemText.getText() : "";
    }

    /** One button of the information bar. */
    public record InfoAction(String label, Runnable run) {
    }

    /** Shows news in the information bar with buttons; each button runs its action (which may hide the bar). */
    public void showInfo(String message, List<InfoAction> actions) {
        for (Control child : infoActions.getChildren()) {
            child.dispose();
        }
        infoText.setText(message);
        ((org.eclipse.swt.layout.GridLayout) infoActions.getLayout()).numColumns = Math.max(1, actions.size());
        for (InfoAction action : actions) {
            Button button = new Button(infoActions, SWT.PUSH);
            button.setText(action.label());
            button.addListener(SWT.Selection, e -> action.run().run());
        }
        setVisible(infoBar, true);
        root.layout(true, true);
    }

    public void hideInfo() {
        // The buttons go later: this may run inside one of their own selection events.
        Control[] buttons = infoActions.getChildren();
        root.getDisplay().asyncExec(() -> {
            for (Control button : buttons) {
                if (!button.isDisposed()) {
                    button.dispose();
                }
            }
        });
        if (setVisible(infoBar, false)) {
            root.layout(true, true);
        }
    }

    /** @return the information shown, or empty */
    public String infoText() {
        return infoBar.getVisible() ? infoText.getText() : "";
    }

    /** @return the information bar's buttons (none while it is hidden) */
    public List<Button> infoButtons() {
        List<Button> buttons = new ArrayList<>();
        if (!infoBar.getVisible()) {
            return buttons;
        }
        for (Control child : infoActions.getChildren()) {
            buttons.add((Button) child);
        }
        return buttons;
    }

    /** Shows which config this is and when it last changed. */
    public void setHeader(String text) {
        keyLabel.setText(text);
        keyLabel.getParent().layout(true);
    }

    private static boolean setVisible(Control control, boolean visible) {
        GridData data = (GridData) control.getLayoutData();
        if (control.getVisible() == visible && data.exclude == !visible) {
            return false;
        }
        control.setVisible(visible);
        data.exclude = !visible;
        return true;
    }

    /** @return the undo context of the body's text edits, for the workbench's Undo and Redo */
    public IUndoContext undoContext() {
        IUndoManager undo = viewer.getUndoManager();
        return undo instanceof IUndoManagerExtension extension ? extension.getUndoContext() : null;
    }

    public Text nameField() {
        return nameField;
    }

    public StyledText textWidget() {
        return viewer.getTextWidget();
    }

    public SourceViewer viewer() {
        return viewer;
    }

    public Control control() {
        return root;
    }

    /** JSON colouring, two-space indentation, and an undo history of its own. */
    private static final class Configuration extends JsonColours {

        @Override
        public org.eclipse.jface.text.IUndoManager getUndoManager(ISourceViewer sourceViewer) {
            return new TextViewerUndoManager(200);
        }
    }
}
