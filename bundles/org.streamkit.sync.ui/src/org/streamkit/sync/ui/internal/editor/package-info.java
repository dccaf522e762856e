/**
 * The config editor: a form of a config's fields beside its JSON, with syntax colouring and checking.
 */
package org.streamkit.sync.ui.internal.editor;
