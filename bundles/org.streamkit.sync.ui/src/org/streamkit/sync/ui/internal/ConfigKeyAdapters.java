package org.streamkit.sync.ui.internal;

import org.eclipse.core.runtime.IAdapterFactory;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.ui.internal.views.ConfigRow;
import org.streamkit.sync.ui.internal.views.OutboxRow;

/**
 * Adapts what the Streamkit views show to the {@link ConfigKey} it is about, so commands on a config
 * (History…) work from every view: a config row, a conflict, a pending write. Registered through
 * {@code org.eclipse.core.runtime.adapters}.
 */
public final class ConfigKeyAdapters implements IAdapterFactory {

    @Override
    public <T> T getAdapter(Object adaptable, Class<T> adapterType) {
        if (adapterType != ConfigKey.class) {
            return null;
        }
        ConfigKey key = switch (adaptable) {
            case ConfigRow row -> row.key();
            case Conflict conflict -> conflict.key();
            case OutboxRow row -> row.write().key();
            default -> null;
        };
        return adapterType.cast(key);
    }

    @Override
    public Class<?>[] getAdapterList() {
        return new Class<?>[] { ConfigKey.class };
    }
}
