/**
 * The preference page and sign in: the remote tiers' settings, the sync settings and the cloud sign-in dialog.
 */
package org.streamkit.sync.ui.internal.preferences;
