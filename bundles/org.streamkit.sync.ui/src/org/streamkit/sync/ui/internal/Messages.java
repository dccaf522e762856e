package org.streamkit.sync.ui.internal;

import org.eclipse.osgi.util.NLS;

/** User-facing strings of the Streamkit UI, from {@code messages.properties}. */
public final class Messages extends NLS {

    private static final String BUNDLE_NAME = "org.streamkit.sync.ui.internal.messages"; //$NON-NLS-1$

    public static String ConfigsView_columnName;
    public static String ConfigsView_columnId;
    public static String ConfigsView_columnUpdated;
    public static String ConfigsView_columnSync;
    public static String ConfigsView_filterHint;
    public static String ConfigsView_typeCount;
    public static String ConfigsView_typeCountFiltered;
    public static String ConfigsView_open;
    public static String ConfigsView_openTooltip;
    public static String ConfigsView_openFailed;
    public static String ConfigsView_new;
    public static String ConfigsView_newTooltip;
    public static String ConfigsView_duplicate;
    public static String ConfigsView_duplicateTooltip;
    public static String ConfigsView_delete;
    public static String ConfigsView_deleteTooltip;
    public static String ConfigsView_refresh;
    public static String ConfigsView_refreshTooltip;
    public static String ConfigsView_syncNow;
    public static String ConfigsView_syncNowTooltip;
    public static String ConfigsView_syncJob;
    public static String ConfigsView_syncFailed;
    public static String ConfigsView_readJob;
    public static String ConfigsView_noTier;
    public static String ConfigsView_showing;
    public static String ConfigsView_empty;
    public static String ConfigsView_waiting;
    public static String ConfigsView_readFailed;
    public static String ConfigsView_copyName;
    public static String Sync_localOnly;
    public static String Sync_localOnlyTooltip;
    public static String Sync_synced;
    public static String Sync_pending;
    public static String Sync_offline;
    public static String Sync_failed;
    public static String Sync_conflict;
    public static String Sync_tierLine;
    public static String Sync_lastError;
    public static String Sync_wordSynced;
    public static String Sync_wordPending;
    public static String Sync_wordOffline;
    public static String Sync_wordFailed;
    public static String Sync_wordConflict;
    public static String NewConfig_title;
    public static String NewConfig_message;
    public static String NewConfig_type;
    public static String NewConfig_id;
    public static String NewConfig_name;
    public static String NewConfig_badType;
    public static String NewConfig_badId;
    public static String NewConfig_exists;
    public static String Duplicate_title;
    public static String Duplicate_message;
    public static String Duplicate_gone;
    public static String Delete_title;
    public static String Delete_one;
    public static String Delete_many;
    public static String Delete_button;
    public static String Operations_context;
    public static String Operations_new;
    public static String Operations_duplicate;
    public static String Operations_delete;
    public static String Operations_deleteMany;
    public static String Operations_saveFailed;
    public static String Operations_deleteFailed;
    public static String Operations_undoFailed;
    public static String Operations_undoPartly;
    public static String Operations_changedSince;
    public static String Editor_wrongInput;
    public static String Editor_loading;
    public static String Editor_readJob;
    public static String Editor_readFailed;
    public static String Editor_name;
    public static String Editor_nameHint;
    public static String Editor_nameNeedsJson;
    public static String Editor_nameNotText;
    public static String Editor_config;
    public static String Editor_header;
    public static String Editor_never;
    public static String Editor_missing;
    public static String Editor_deletedBefore;
    public static String Editor_invalidJsonAt;
    public static String Editor_invalidJson;
    public static String Editor_empty;
    public static String Editor_notObject;
    public static String Editor_tooLarge;
    public static String Editor_notSaved;
    public static String Editor_notSavedChanged;
    public static String Editor_notLoaded;
    public static String Editor_saveFailed;
    public static String Editor_changedElsewhere;
    public static String Editor_reloaded;
    public static String Editor_deletedElsewhere;
    public static String Editor_reload;
    public static String Editor_keepMine;
    public static String Editor_dismiss;
    public static String Editor_close;

    static {
        NLS.initializeMessages(BUNDLE_NAME, Messages.class);
    }

    private Messages() {
    }
}
