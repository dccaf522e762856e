/**
 * The export and import wizards: a JSON backup of every config, and a preview of what an import changes.
 */
package org.streamkit.sync.ui.internal.wizards;
