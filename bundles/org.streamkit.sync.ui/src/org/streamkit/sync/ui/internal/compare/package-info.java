/**
 * Compare and merge: a conflict's two versions side by side, field by field merge, and a config's history.
 */
package org.streamkit.sync.ui.internal.compare;
