package org.streamkit.sync.ui.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.layout.TreeColumnLayout;
import org.eclipse.jface.resource.LocalResourceManager;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.resource.ResourceLocator;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnViewerToolTipSupport;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.IElementComparer;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.ITreeContentProvider;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.jface.viewers.TreeViewerColumn;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.jface.viewers.ViewerComparator;
import org.eclipse.jface.viewers.ViewerFilter;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Text;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncState;

/**
 * A plain JFace tree of configs grouped by type, with a filter box: type nodes show how many configs
 * they hold; config rows show name, id, last change and where the config stands with the remote tiers.
 * It knows nothing of the workbench or the coordinator: it shows the rows it is given.
 */
public final class ConfigTree {

    private static final DateTimeFormatter UPDATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private final Composite holder;
    private final Text filter;
    private final TreeViewer viewer;
    private final LocalResourceManager resources;
    private final Map<String, Image> images = new HashMap<>();
    private List<ConfigRow> rows = List.of();
    private Map<String, TypeNode> nodes = Map.of();
    private String filterText = "";

    public ConfigTree(Composite parent) {
        holder = new Composite(parent, SWT.NONE);
        GridLayoutFactory.fillDefaults().spacing(0, 4).applyTo(holder);
        filter = new Text(holder, SWT.SEARCH | SWT.ICON_SEARCH | SWT.ICON_CANCEL);
        filter.setMessage(Messages.ConfigsView_filterHint);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(filter);

        Composite treeHolder = new Composite(holder, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(treeHolder);
        TreeColumnLayout layout = new TreeColumnLayout();
        treeHolder.setLayout(layout);
        viewer = new TreeViewer(treeHolder, SWT.BORDER | SWT.FULL_SELECTION | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTree().setHeaderVisible(true);
        viewer.getTree().setLinesVisible(true);
        resources = new LocalResourceManager(JFaceResources.getResources(), viewer.getTree());
        viewer.setUseHashlookup(true);
        viewer.setComparer(new ByKey());
        viewer.setContentProvider(new Content());
        viewer.setComparator(new ViewerComparator() {
            @Override
            public int compare(Viewer v, Object a, Object b) {
                if (a instanceof TypeNode x && b instanceof TypeNode y) {
                    return x.type().compareTo(y.type());
                }
                if (a instanceof ConfigRow x && b instanceof ConfigRow y) {
                    return BY_NAME.compare(x, y);
                }
                return 0;
            }
        });
        viewer.addFilter(new ViewerFilter() {
            @Override
            public boolean select(Viewer v, Object parentElement, Object element) {
                if (element instanceof TypeNode node) {
                    return node.rows().stream().anyMatch(ConfigTree.this::matches);
                }
                return element instanceof ConfigRow row && matches(row);
            }
        });
        ColumnViewerToolTipSupport.enableFor(viewer);

        column(layout, Messages.ConfigsView_columnName, 32, this::nameText, this::image);
        column(layout, Messages.ConfigsView_columnId, 20, e -> e instanceof ConfigRow r ? r.key().id() : "", e -> null);
        column(layout, Messages.ConfigsView_columnUpdated, 22,
                e -> e instanceof ConfigRow r ? UPDATED.format(r.updatedAt()) : "", e -> null);
        column(layout, Messages.ConfigsView_columnSync, 26, e -> e instanceof ConfigRow r ? syncText(r.sync()) : "",
                e -> null);

        filter.addModifyListener(e -> {
            filterText = filter.getText().strip().toLowerCase(Locale.ROOT);
            viewer.refresh();
            viewer.expandAll();
        });
        viewer.setInput(this);
    }

    private static final Comparator<ConfigRow> BY_NAME = Comparator
            .comparing((ConfigRow r) -> r.name().isEmpty() ? r.key().id() : r.name(), String.CASE_INSENSITIVE_ORDER)
            .thenComparing(r -> r.key().id());

    private void column(TreeColumnLayout layout, String title, int weight, Function<Object, String> text,
            Function<Object, Image> image) {
        TreeViewerColumn column = new TreeViewerColumn(viewer, SWT.LEFT);
        column.getColumn().setText(title);
        layout.setColumnData(column.getColumn(), new ColumnWeightData(weight, 60, true));
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply(element);
            }

            @Override
            public Image getImage(Object element) {
                return image.apply(element);
            }

            @Override
            public String getToolTipText(Object element) {
                return element instanceof ConfigRow row ? tooltip(row) : null;
            }
        });
    }

    private boolean matches(ConfigRow row) {
        if (filterText.isEmpty()) {
            return true;
        }
        return row.key().type().contains(filterText) || row.key().id().toLowerCase(Locale.ROOT).contains(filterText)
                || row.name().toLowerCase(Locale.ROOT).contains(filterText);
    }

    private String nameText(Object element) {
        if (element instanceof TypeNode node) {
            long shown = node.rows().stream().filter(this::matches).count();
            return shown == node.rows().size() ? NLS.bind(Messages.ConfigsView_typeCount, node.type(), shown)
                    : NLS.bind(Messages.ConfigsView_typeCountFiltered, new Object[] { node.type(), shown, node.rows().size() });
        }
        ConfigRow row = (ConfigRow) element;
        return row.name().isEmpty() ? row.key().id() : row.name();
    }

    private Image image(Object element) {
        String icon;
        if (element instanceof TypeNode) {
            icon = "configs";
        } else {
            ConfigSync sync = ((ConfigRow) element).sync();
            icon = sync.remote() ? "state-" + sync.state().name().toLowerCase(Locale.ROOT) : "state-local";
        }
        return images.computeIfAbsent(icon, name -> ResourceLocator
                .imageDescriptorFromBundle(ConfigTree.class, "icons/" + name + ".png").map(resources::create)
                .orElse(null));
    }

    /** @return the sync column's text: the state that needs the most attention, and with which tiers */
    static String syncText(ConfigSync sync) {
        if (!sync.remote()) {
            return Messages.Sync_localOnly;
        }
        String tiers = sync.tiersIn(sync.state());
        return switch (sync.state()) {
            case SYNCED -> Messages.Sync_synced;
            case PENDING -> NLS.bind(Messages.Sync_pending, tiers);
            case OFFLINE -> NLS.bind(Messages.Sync_offline, tiers);
            case FAILED -> NLS.bind(Messages.Sync_failed, tiers);
            case CONFLICT -> NLS.bind(Messages.Sync_conflict, tiers);
        };
    }

    private static String tooltip(ConfigRow row) {
        ConfigSync sync = row.sync();
        if (!sync.remote()) {
            return Messages.Sync_localOnlyTooltip;
        }
        StringBuilder text = new StringBuilder(row.key().toString());
        sync.tiers().forEach((tier, state) -> text.append('\n').append(NLS.bind(Messages.Sync_tierLine, tier, word(state))));
        if (!sync.detail().isEmpty()) {
            text.append('\n').append(NLS.bind(Messages.Sync_lastError, sync.detail()));
        }
        return text.toString();
    }

    private static String word(SyncState state) {
        return switch (state) {
            case SYNCED -> Messages.Sync_wordSynced;
            case PENDING -> Messages.Sync_wordPending;
            case OFFLINE -> Messages.Sync_wordOffline;
            case FAILED -> Messages.Sync_wordFailed;
            case CONFLICT -> Messages.Sync_wordConflict;
        };
    }

    /** Shows these rows, grouped by type; keeps expansion and selection, and expands types new to the tree. */
    public void setRows(List<ConfigRow> newRows) {
        rows = List.copyOf(newRows);
        Map<String, List<ConfigRow>> byType = new TreeMap<>();
        for (ConfigRow row : rows) {
            byType.computeIfAbsent(row.key().type(), t -> new ArrayList<>()).add(row);
        }
        Map<String, TypeNode> next = new LinkedHashMap<>();
        byType.forEach((type, list) -> next.put(type, new TypeNode(type, list)));
        Set<String> before = nodes.keySet();
        nodes = next;
        viewer.refresh();
        for (TypeNode node : next.values()) {
            if (!before.contains(node.type())) {
                viewer.setExpandedState(node, true);
            }
        }
    }

    /** @return every row given, before the filter */
    public List<ConfigRow> rows() {
        return rows;
    }

    /** @return the type nodes, before the filter, in type order */
    public List<TypeNode> typeNodes() {
        return List.copyOf(nodes.values());
    }

    /** @return the keys of the selected configs (a selected type node selects none) */
    public List<ConfigKey> selectedKeys() {
        List<ConfigKey> keys = new ArrayList<>();
        for (Object element : viewer.getStructuredSelection()) {
            if (element instanceof ConfigRow row) {
                keys.add(row.key());
            }
        }
        return keys;
    }

    /** @return the selected config rows */
    public List<ConfigRow> selectedRows() {
        List<ConfigRow> selected = new ArrayList<>();
        for (Object element : viewer.getStructuredSelection()) {
            if (element instanceof ConfigRow row) {
                selected.add(row);
            }
        }
        return selected;
    }

    /** Selects and reveals a config, if the tree shows it. */
    public void select(ConfigKey key) {
        rows.stream().filter(r -> r.key().equals(key)).findFirst()
                .ifPresent(row -> viewer.setSelection(new StructuredSelection(row), true));
    }

    /** @return the config of an element of the tree's selection, or null for a type node */
    static ConfigKey keyOf(IStructuredSelection selection) {
        return selection.getFirstElement() instanceof ConfigRow row ? row.key() : null;
    }

    public Text filter() {
        return filter;
    }

    public TreeViewer viewer() {
        return viewer;
    }

    public Control control() {
        return holder;
    }

    /** Groups rows under type nodes. */
    private final class Content implements ITreeContentProvider {

        @Override
        public Object[] getElements(Object input) {
            return nodes.values().toArray();
        }

        @Override
        public Object[] getChildren(Object parent) {
            return parent instanceof TypeNode node ? node.rows().toArray() : new Object[0];
        }

        @Override
        public Object getParent(Object element) {
            return element instanceof ConfigRow row ? nodes.get(row.key().type()) : null;
        }

        @Override
        public boolean hasChildren(Object element) {
            return element instanceof TypeNode node && !node.rows().isEmpty();
        }
    }

    /** Tree items stay the same item across refreshes: a type node is its type, a row is its key. */
    private static final class ByKey implements IElementComparer {

        @Override
        public boolean equals(Object a, Object b) {
            if (a instanceof TypeNode x && b instanceof TypeNode y) {
                return x.type().equals(y.type());
            }
            if (a instanceof ConfigRow x && b instanceof ConfigRow y) {
                return x.key().equals(y.key());
            }
            return a == b || a != null && a.equals(b);
        }

        @Override
        public int hashCode(Object element) {
            if (element instanceof TypeNode node) {
                return node.type().hashCode();
            }
            if (element instanceof ConfigRow row) {
                return row.key().hashCode();
            }
            return element == null ? 0 : element.hashCode();
        }
    }
}
