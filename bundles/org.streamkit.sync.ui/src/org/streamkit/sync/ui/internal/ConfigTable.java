package org.streamkit.sync.ui.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Function;

import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;

/** A plain JFace table of configs (type, id, name, updated); knows nothing of the workbench. */
public final class ConfigTable {

    private static final DateTimeFormatter UPDATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private final Composite holder;
    private final TableViewer viewer;

    public ConfigTable(Composite parent) {
        holder = new Composite(parent, SWT.NONE);
        TableColumnLayout layout = new TableColumnLayout();
        holder.setLayout(layout);
        viewer = new TableViewer(holder, SWT.BORDER | SWT.FULL_SELECTION | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTable().setHeaderVisible(true);
        viewer.getTable().setLinesVisible(true);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        column(layout, Messages.ConfigsView_columnType, 15, row -> row.key().type());
        column(layout, Messages.ConfigsView_columnId, 25, row -> row.key().id());
        column(layout, Messages.ConfigsView_columnName, 35, ConfigRow::name);
        column(layout, Messages.ConfigsView_columnUpdated, 25, row -> UPDATED.format(row.updatedAt()));
    }

    private void column(TableColumnLayout layout, String title, int weight, Function<ConfigRow, String> text) {
        TableViewerColumn column = new TableViewerColumn(viewer, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 60, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((ConfigRow) element);
            }
        });
    }

    /** Shows these rows, in the order given. */
    public void setRows(List<ConfigRow> rows) {
        viewer.setInput(rows);
    }

    /** @return the rows shown now */
    @SuppressWarnings("unchecked")
    public List<ConfigRow> rows() {
        Object input = viewer.getInput();
        return input == null ? List.of() : (List<ConfigRow>) input;
    }

    public TableViewer viewer() {
        return viewer;
    }

    public Control control() {
        return holder;
    }
}
