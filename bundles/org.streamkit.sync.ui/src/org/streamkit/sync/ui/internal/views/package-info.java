/**
 * The views: Configs (the virtual tree of every config, filtered as you type, and its new, duplicate and
 * delete operations), Sync Status (tiers, outbox, held changes, audit, checkpoints) and Conflicts, and the
 * dialogs they open.
 */
package org.streamkit.sync.ui.internal.views;
