package org.streamkit.sync.ui.internal.views;

import java.time.Instant;
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
import org.eclipse.jface.viewers.ILazyTreeContentProvider;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.jface.viewers.TreeViewerColumn;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeColumn;
import org.eclipse.swt.widgets.TreeItem;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.ui.internal.Messages;

/**
 * A JFace tree of configs grouped by type, with a filter box: type nodes show how many configs they hold;
 * config rows show name, id, last change and where the config stands with the remote tiers. It knows
 * nothing of the workbench or the coordinator: it shows the rows it is given.
 * <p>
 * The tree is virtual: it makes items only for the rows on screen, so 10,000 configs show as fast as 10.
 * Sorting and filtering happen here, on lists (a filter over 10,000 rows takes a few milliseconds), and the
 * tree then asks again only for what it shows.
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
    /** The type nodes with a row that matches the filter, in type order, each with those rows, sorted. */
    private Map<String, List<ConfigRow>> shown = Map.of();
    private List<TypeNode> shownNodes = List.of();
    private String filterText = "";
    /** The types whose node is expanded, by type, so that it survives a new read or a filter. */
    private final Set<String> expanded = new java.util.HashSet<>();

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
        viewer = new TreeViewer(treeHolder, SWT.VIRTUAL | SWT.BORDER | SWT.FULL_SELECTION | SWT.MULTI | SWT.V_SCROLL | SWT.H_SCROLL);
        viewer.getTree().setHeaderVisible(true);
        viewer.getTree().setLinesVisible(true);
        resources = new LocalResourceManager(JFaceResources.getResources(), viewer.getTree());
        viewer.setUseHashlookup(true);
        viewer.setComparer(new ByKey());
        viewer.setContentProvider(new Content());
        ColumnViewerToolTipSupport.enableFor(viewer);

        column(layout, Messages.ConfigsView_columnName, 32, this::nameText, this::image);
        column(layout, Messages.ConfigsView_columnId, 20, e -> e instanceof ConfigRow r ? r.key().id() : "", e -> null);
        column(layout, Messages.ConfigsView_columnUpdated, 22,
                e -> e instanceof ConfigRow r ? UPDATED.format(r.updatedAt()) : "", e -> null);
        // The time is never cut off: the column is at least as wide as one, whatever the view's width.
        GC gc = new GC(viewer.getTree());
        try {
            int time = gc.textExtent(UPDATED.format(Instant.parse("2026-12-28T22:58:58Z"))).x + 24;
            TreeColumn updated = viewer.getTree().getColumn(viewer.getTree().getColumnCount() - 1);
            layout.setColumnData(updated, new ColumnWeightData(22, time, true));
        } finally {
            gc.dispose();
        }
        column(layout, Messages.ConfigsView_columnSync, 26, e -> e instanceof ConfigRow r ? syncText(r.sync()) : "",
                e -> null);

        filter.addModifyListener(e -> {
            filterText = filter.getText().strip().toLowerCase(Locale.ROOT);
            rememberExpansion();
            applyFilter();
            expanded.addAll(shown.keySet()); // a filter shows what it found
            show();
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

    /** Keeps the rows that match the filter, per type. */
    private void applyFilter() {
        Map<String, List<ConfigRow>> next = new LinkedHashMap<>();
        List<TypeNode> nextNodes = new ArrayList<>();
        for (TypeNode node : nodes.values()) {
            List<ConfigRow> matching = filterText.isEmpty() ? node.rows() : node.rows().stream().filter(this::matches).toList();
            if (!matching.isEmpty()) {
                next.put(node.type(), matching);
                nextNodes.add(node);
            }
        }
        shown = next;
        shownNodes = nextNodes;
    }

    private String nameText(Object element) {
        if (element instanceof TypeNode node) {
            int shown = this.shown.getOrDefault(node.type(), List.of()).size();
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
        if (sync == ConfigSync.MACHINE_ONLY) {
            return Messages.Sync_machineOnly;
        }
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
        if (sync == ConfigSync.MACHINE_ONLY) {
            return Messages.ConfigsView_machineOnlyTooltip;
        }
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
        byType.forEach((type, list) -> {
            list.sort(BY_NAME);
            next.put(type, new TypeNode(type, list));
        });
        Set<String> before = nodes.keySet();
        rememberExpansion();
        nodes = next;
        applyFilter();
        for (String type : next.keySet()) {
            if (!before.contains(type)) {
                expanded.add(type); // a type new to the tree shows its configs
            }
        }
        show();
    }

    /** Notes which type nodes are expanded now (by the user, or by a caller of the viewer). */
    private void rememberExpansion() {
        for (TreeItem item : viewer.getTree().getItems()) {
            if (item.getData() instanceof TypeNode node) {
                if (item.getExpanded()) {
                    expanded.add(node.type());
                } else {
                    expanded.remove(node.type());
                }
            }
        }
    }

    /**
     * Puts what {@link #applyFilter} kept into the tree: the type nodes and how many rows each has, each
     * type expanded as it was. The rows' items are only cleared, and the tree asks for each again when it
     * shows it, so this costs the same for 10,000 rows as for 10 (a viewer refresh would make an item for
     * every row of an expanded type).
     */
    private void show() {
        Tree tree = viewer.getTree();
        tree.setRedraw(false);
        try {
            viewer.setChildCount(this, shownNodes.size());
            for (int i = 0; i < shownNodes.size(); i++) {
                TypeNode node = shownNodes.get(i);
                viewer.replace(this, i, node);
                viewer.setChildCount(node, shown.get(node.type()).size());
                TreeItem item = tree.getItem(i);
                item.clearAll(true);
                item.setExpanded(expanded.contains(node.type()));
            }
        } finally {
            tree.setRedraw(true);
        }
    }

    /**
     * Expands a type node. A virtual tree knows an element only once its item was asked for: the item is
     * asked for first.
     *
     * @return the node's item, or null when the tree does not show the node
     */
    private TreeItem expand(TypeNode node) {
        int index = shownNodes.indexOf(node);
        Tree tree = viewer.getTree();
        if (index < 0 || index >= tree.getItemCount()) {
            return null;
        }
        TreeItem item = tree.getItem(index);
        item.getText(); // makes the item's element known to the viewer
        expanded.add(node.type());
        item.setExpanded(true);
        return item;
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
        TypeNode node = nodes.get(key.type());
        List<ConfigRow> under = shown.getOrDefault(key.type(), List.of());
        for (int i = 0; i < under.size(); i++) {
            if (under.get(i).key().equals(key)) {
                TreeItem parent = expand(node);
                if (parent != null && i < parent.getItemCount()) {
                    parent.getItem(i).getText(); // makes the row's item known to the viewer
                    viewer.setSelection(new StructuredSelection(under.get(i)), true);
                }
                return;
            }
        }
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

    /** Groups the rows that match the filter under their type nodes, as the virtual tree asks for them. */
    private final class Content implements ILazyTreeContentProvider {

        @Override
        public void updateElement(Object parent, int index) {
            if (parent instanceof TypeNode node) {
                List<ConfigRow> under = shown.getOrDefault(node.type(), List.of());
                if (index < under.size()) {
                    viewer.replace(node, index, under.get(index));
                    viewer.setChildCount(under.get(index), 0);
                }
            } else if (index < shownNodes.size()) {
                TypeNode node = shownNodes.get(index);
                viewer.replace(parent, index, node);
                viewer.setChildCount(node, shown.get(node.type()).size());
            }
        }

        @Override
        public void updateChildCount(Object element, int currentChildCount) {
            int count = element instanceof TypeNode node ? shown.getOrDefault(node.type(), List.of()).size()
                    : element instanceof ConfigRow ? 0 : shownNodes.size();
            if (count != currentChildCount) {
                viewer.setChildCount(element, count);
            }
        }

        @Override
        public Object getParent(Object element) {
            return element instanceof ConfigRow row ? nodes.get(row.key().type()) : element instanceof TypeNode ? ConfigTree.this : null;
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
