package org.streamkit.sync.ui.internal.wizards;

import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.support.ConfigBackup;
import org.streamkit.sync.api.support.ConfigBackup.Change;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Shows what importing a backup will change before anything is changed: how many of its configs are new,
 * newer (they replace the version here), older (skipped) and the same, and a row for each config with both
 * versions' times, the ones to be saved first.
 */
public final class ImportPreviewPage extends WizardPage {

    /** To the millisecond: a config changed here just after an export differs from it by less than a second. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS") //$NON-NLS-1$
            .withZone(ZoneId.systemDefault());

    private Label summary;
    private TableViewer viewer;
    private List<ConfigBackup.Item> items = List.of();
    private Map<Change, Integer> counts = new EnumMap<>(Change.class);

    public ImportPreviewPage() {
        super("preview", Messages.Backup_previewTitle, null); //$NON-NLS-1$
        setDescription(Messages.Backup_previewDescription);
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite area = new Composite(parent, SWT.NONE);
        GridLayoutFactory.swtDefaults().applyTo(area);
        summary = new Label(area, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(480, SWT.DEFAULT).applyTo(summary);

        Composite tableArea = new Composite(area, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).hint(560, 260).applyTo(tableArea);
        TableColumnLayout layout = new TableColumnLayout();
        tableArea.setLayout(layout);
        viewer = new TableViewer(tableArea, SWT.BORDER | SWT.FULL_SELECTION | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTable().setHeaderVisible(true);
        viewer.getTable().setLinesVisible(true);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        column(layout, Messages.Backup_columnConfig, 4, i -> i.incoming().key().toString());
        column(layout, Messages.Backup_columnChange, 4, i -> label(i.change()));
        column(layout, Messages.Backup_columnBackup, 3, i -> time(i.incoming()));
        column(layout, Messages.Backup_columnHere, 3, i -> i.local().map(ImportPreviewPage::time).orElse("\u2014")); //$NON-NLS-1$
        setControl(area);
    }

    private void column(TableColumnLayout layout, String title, int weight, Function<ConfigBackup.Item, String> text) {
        TableViewerColumn column = new TableViewerColumn(viewer, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 80));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((ConfigBackup.Item) element);
            }
        });
    }

    private static String time(ConfigDocument document) {
        String when = TIME.format(document.updatedAt());
        return document.deleted() ? NLS.bind(Messages.Backup_deletedAt, when) : when;
    }

    static String label(Change change) {
        return switch (change) {
            case NEW -> Messages.Backup_changeNew;
            case NEWER -> Messages.Backup_changeNewer;
            case OLDER -> Messages.Backup_changeOlder;
            case SAME -> Messages.Backup_changeSame;
        };
    }

    /** Shows the comparison of a backup with what is here; the page is complete once it is shown. */
    public void show(Path file, List<ConfigBackup.Item> compared) {
        items = compared.stream()
                .sorted(Comparator.comparing((ConfigBackup.Item i) -> i.change()).thenComparing(i -> i.incoming().key()))
                .toList();
        counts = new EnumMap<>(Change.class);
        for (Change change : Change.values()) {
            counts.put(change, 0);
        }
        items.forEach(i -> counts.merge(i.change(), 1, Integer::sum));
        int taken = counts.get(Change.NEW) + counts.get(Change.NEWER);
        summary.setText(NLS.bind(taken == 0 ? Messages.Backup_summaryNothing : Messages.Backup_summary,
                new Object[] { items.size(), file.getFileName(), counts.get(Change.NEW), counts.get(Change.NEWER),
                        counts.get(Change.OLDER), counts.get(Change.SAME), taken }));
        viewer.setInput(items);
        summary.getParent().layout(true, true);
        setPageComplete(true);
    }

    /** The comparison is stale (another file was chosen): the page must be shown again. */
    public void clear() {
        items = List.of();
        setPageComplete(false);
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the summary line shown above the table */
    public String summaryText() {
        return summary.getText();
    }

    /** @return how many of the backup's configs are of each change */
    public Map<Change, Integer> counts() {
        return Map.copyOf(counts);
    }

    /** @return the rows shown, in their order */
    public List<ConfigBackup.Item> items() {
        return items;
    }

    /** @return the table */
    public TableViewer viewer() {
        return viewer;
    }
}
