package org.streamkit.sync.ui.internal;

import org.eclipse.osgi.util.NLS;

/** User-facing strings of the Streamkit UI, from {@code messages.properties}. */
public final class Messages extends NLS {

    private static final String BUNDLE_NAME = "org.streamkit.sync.ui.internal.messages"; //$NON-NLS-1$

    public static String ConfigsView_columnType;
    public static String ConfigsView_columnId;
    public static String ConfigsView_columnName;
    public static String ConfigsView_columnUpdated;
    public static String ConfigsView_refresh;
    public static String ConfigsView_refreshTooltip;
    public static String ConfigsView_readJob;
    public static String ConfigsView_noTier;
    public static String ConfigsView_showing;
    public static String ConfigsView_empty;
    public static String ConfigsView_readFailed;

    static {
        NLS.initializeMessages(BUNDLE_NAME, Messages.class);
    }

    private Messages() {
    }
}
