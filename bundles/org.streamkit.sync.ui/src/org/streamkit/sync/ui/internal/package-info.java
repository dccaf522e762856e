/**
 * The Streamkit workbench UI: what its areas share (the link to the sync coordinator, the messages, the
 * perspective, the adapters of configs to the workbench). Each area is a package of its own: {@code views},
 * {@code editor}, {@code compare}, {@code preferences}, {@code wizards}.
 */
package org.streamkit.sync.ui.internal;
