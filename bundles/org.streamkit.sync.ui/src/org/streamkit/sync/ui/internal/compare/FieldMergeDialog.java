package org.streamkit.sync.ui.internal.compare;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.text.Document;
import org.eclipse.jface.text.source.CompositeRuler;
import org.eclipse.jface.text.source.LineNumberRulerColumn;
import org.eclipse.jface.text.source.SourceViewer;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.CellEditor;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.ComboBoxCellEditor;
import org.eclipse.jface.viewers.EditingSupport;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.ui.internal.Messages;
import org.streamkit.sync.ui.internal.editor.JsonCheck;
import org.streamkit.sync.ui.internal.editor.JsonColours;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Merges two versions of a config field by field: a table of the top-level fields with both values and
 * whose value to keep (a field the versions agree on is greyed), and below it the merged JSON, which can
 * be edited before it is saved. Choosing again rewrites the merged JSON from the choices. The result can
 * be saved only when it is a valid config body ({@link JsonCheck}).
 */
public final class FieldMergeDialog extends TitleAreaDialog {

    private static final int VALUE_CHARS = 120;

    private final ConfigKey key;
    private final String tier;
    private final FieldMerge merge;
    private final Document document = new Document();
    private TableViewer table;
    private SourceViewer mergedViewer;
    private ObjectNode result;
    private JsonCheck check;

    /**
     * @param tier the remote tier the other version came from
     * @param base the version both started from, or null when it is not known
     */
    public FieldMergeDialog(Shell parent, ConfigKey key, String tier, ObjectNode mine, ObjectNode theirs, ObjectNode base) {
        super(parent);
        this.key = key;
        this.tier = tier;
        this.merge = FieldMerge.of(mine, theirs, base);
        setHelpAvailable(false);
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(Messages.FieldMerge_shell);
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Point getInitialSize() {
        return new Point(960, 720);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        setTitle(NLS.bind(Messages.FieldMerge_title, key));
        setMessage(Messages.FieldMerge_message);

        SashForm sash = new SashForm(area, SWT.VERTICAL);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(sash);

        Composite top = new Composite(sash, SWT.NONE);
        GridLayoutFactory.fillDefaults().margins(8, 8).applyTo(top);
        Composite tableHolder = new Composite(top, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(tableHolder);
        TableColumnLayout layout = new TableColumnLayout();
        tableHolder.setLayout(layout);
        table = new TableViewer(tableHolder, SWT.BORDER | SWT.FULL_SELECTION | SWT.SINGLE | SWT.V_SCROLL | SWT.H_SCROLL);
        table.getTable().setHeaderVisible(true);
        table.getTable().setLinesVisible(true);
        table.setContentProvider(ArrayContentProvider.getInstance());
        Font bold = JFaceResources.getFontRegistry().getBold(JFaceResources.DIALOG_FONT);
        Color same = table.getTable().getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        column(layout, Messages.FieldMerge_field, 18, f -> f.name(), bold, same);
        column(layout, Messages.FieldMerge_mine, 33, f -> show(f.mine()), bold, same);
        column(layout, NLS.bind(Messages.FieldMerge_theirs, tier), 33, f -> show(f.theirs()), bold, same);
        TableViewerColumn keep = column(layout, Messages.FieldMerge_keep, 16, this::choiceText, bold, same);
        keep.setEditingSupport(new ChoiceEditing());

        Composite buttons = new Composite(top, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(3).applyTo(buttons);
        Button allMine = new Button(buttons, SWT.PUSH);
        allMine.setText(Messages.FieldMerge_allMine);
        allMine.addListener(SWT.Selection, e -> chooseAll(FieldMerge.Side.MINE));
        Button allTheirs = new Button(buttons, SWT.PUSH);
        allTheirs.setText(NLS.bind(Messages.FieldMerge_allTheirs, tier));
        allTheirs.addListener(SWT.Selection, e -> chooseAll(FieldMerge.Side.THEIRS));
        Label count = new Label(buttons, SWT.NONE);
        count.setText(NLS.bind(Messages.FieldMerge_count, merge.fields().stream().filter(FieldMerge.Field::differs).count(),
                merge.fields().size()));

        Composite bottom = new Composite(sash, SWT.NONE);
        GridLayoutFactory.fillDefaults().margins(8, 0).applyTo(bottom);
        new Label(bottom, SWT.NONE).setText(Messages.FieldMerge_merged);
        CompositeRuler ruler = new CompositeRuler();
        ruler.addDecorator(0, new LineNumberRulerColumn());
        mergedViewer = new SourceViewer(bottom, ruler, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        mergedViewer.configure(new JsonColours());
        mergedViewer.getTextWidget().setFont(JFaceResources.getTextFont());
        mergedViewer.setDocument(document);
        GridDataFactory.fillDefaults().grab(true, true).hint(SWT.DEFAULT, 200).applyTo(mergedViewer.getControl());
        sash.setWeights(45, 55);

        table.setInput(merge.fields());
        document.set(ConfigJson.pretty(merge.merged()));
        document.addDocumentListener(new org.eclipse.jface.text.IDocumentListener() {
            @Override
            public void documentAboutToBeChanged(org.eclipse.jface.text.DocumentEvent event) {
                // nothing before the change
            }

            @Override
            public void documentChanged(org.eclipse.jface.text.DocumentEvent event) {
                validate();
            }
        });
        return area;
    }

    private TableViewerColumn column(TableColumnLayout layout, String title, int weight,
            java.util.function.Function<FieldMerge.Field, String> text, Font bold, Color same) {
        TableViewerColumn column = new TableViewerColumn(table, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 60, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((FieldMerge.Field) element);
            }

            @Override
            public Font getFont(Object element) {
                return ((FieldMerge.Field) element).differs() ? bold : null;
            }

            @Override
            public Color getForeground(Object element) {
                return ((FieldMerge.Field) element).differs() ? null : same;
            }

            @Override
            public String getToolTipText(Object element) {
                return text.apply((FieldMerge.Field) element);
            }
        });
        return column;
    }

    private String choiceText(FieldMerge.Field field) {
        if (!field.differs()) {
            return Messages.FieldMerge_same;
        }
        return field.choice() == FieldMerge.Side.MINE ? Messages.FieldMerge_mine : NLS.bind(Messages.FieldMerge_theirs, tier);
    }

    /** @return a value as compact JSON on one line, shortened; a missing field says so */
    private static String show(JsonNode value) {
        if (value == null) {
            return Messages.FieldMerge_absent;
        }
        String text = value.toString();
        return text.length() > VALUE_CHARS ? text.substring(0, VALUE_CHARS) + '\u2026' : text;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, Messages.FieldMerge_save, true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        validate();
    }

    private void validate() {
        check = JsonCheck.of(document.get());
        setErrorMessage(check.valid() ? null : check.problem());
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok != null) {
            ok.setEnabled(check.valid());
        }
    }

    @Override
    protected void okPressed() {
        validate();
        if (!check.valid()) {
            return;
        }
        result = check.body();
        super.okPressed();
    }

    /** Keeps one side's value of a field and writes the merged JSON again. */
    public void choose(String field, FieldMerge.Side side) {
        merge.choose(field, side);
        choicesChanged();
    }

    private void chooseAll(FieldMerge.Side side) {
        merge.chooseAll(side);
        choicesChanged();
    }

    private void choicesChanged() {
        table.setInput(merge.fields());
        document.set(ConfigJson.pretty(merge.merged()));
    }

    /** @return the field choices */
    public FieldMerge merge() {
        return merge;
    }

    /** @return the merged JSON as shown (and maybe edited) */
    public String mergedText() {
        return document.get();
    }

    /** Replaces the merged JSON, as typing would. */
    public void setMergedText(String text) {
        document.set(text);
    }

    public TableViewer table() {
        return table;
    }

    /** @return the merged body once saved, else null */
    public ObjectNode result() {
        return result;
    }

    /** Chooses a field's side in the Keep column from a drop-down of "Mine" and the tier's name. */
    private final class ChoiceEditing extends EditingSupport {

        private final ComboBoxCellEditor editor;

        ChoiceEditing() {
            super(table);
            editor = new ComboBoxCellEditor(table.getTable(),
                    new String[] { Messages.FieldMerge_mine, NLS.bind(Messages.FieldMerge_theirs, tier) }, SWT.READ_ONLY);
        }

        @Override
        protected CellEditor getCellEditor(Object element) {
            return editor;
        }

        @Override
        protected boolean canEdit(Object element) {
            return ((FieldMerge.Field) element).differs();
        }

        @Override
        protected Object getValue(Object element) {
            return ((FieldMerge.Field) element).choice() == FieldMerge.Side.MINE ? 0 : 1;
        }

        @Override
        protected void setValue(Object element, Object value) {
            if (value instanceof Integer index && index >= 0) {
                String name = ((FieldMerge.Field) element).name();
                FieldMerge.Side side = index == 0 ? FieldMerge.Side.MINE : FieldMerge.Side.THEIRS;
                // After the cell editor has closed: the table's input is replaced.
                table.getControl().getDisplay().asyncExec(() -> {
                    if (!table.getControl().isDisposed()) {
                        choose(name, side);
                    }
                });
            }
        }
    }
}
