package org.streamkit.sync.ui.internal.editor;

import org.eclipse.core.runtime.IAdaptable;
import org.eclipse.core.runtime.Status;
import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.jface.resource.ResourceLocator;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IElementFactory;
import org.eclipse.ui.IMemento;
import org.eclipse.ui.IPersistableElement;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;

/**
 * What the config editor edits: one config, by key. It is remembered across restarts of the workbench
 * (the {@link Factory} makes it again from the type and id).
 */
public final class ConfigEditorInput implements IEditorInput, IPersistableElement {

    private static final String TYPE = "type"; //$NON-NLS-1$
    private static final String ID = "id"; //$NON-NLS-1$

    private final ConfigKey key;

    public ConfigEditorInput(ConfigKey key) {
        this.key = key;
    }

    public ConfigKey key() {
        return key;
    }

    @Override
    public boolean exists() {
        return true;
    }

    @Override
    public ImageDescriptor getImageDescriptor() {
        return ResourceLocator.imageDescriptorFromBundle(ConfigEditorInput.class, "icons/configs.png") //$NON-NLS-1$
                .orElse(ImageDescriptor.getMissingImageDescriptor());
    }

    @Override
    public String getName() {
        return key.id();
    }

    @Override
    public IPersistableElement getPersistable() {
        return this;
    }

    @Override
    public String getToolTipText() {
        return key.toString();
    }

    @Override
    public <T> T getAdapter(Class<T> adapter) {
        return adapter.isInstance(key) ? adapter.cast(key) : null;
    }

    @Override
    public String getFactoryId() {
        return Factory.ID;
    }

    @Override
    public void saveState(IMemento memento) {
        memento.putString(TYPE, key.type());
        memento.putString(ID, key.id());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigEditorInput other && key.equals(other.key);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public String toString() {
        return key.toString();
    }

    /** Makes a {@link ConfigEditorInput} again from what {@link #saveState} kept. */
    public static final class Factory implements IElementFactory {

        /** The factory's id in {@code plugin.xml}. */
        public static final String ID = "org.streamkit.sync.ui.configEditorInputFactory"; //$NON-NLS-1$

        @Override
        public IAdaptable createElement(IMemento memento) {
            try {
                return new ConfigEditorInput(new ConfigKey(memento.getString(TYPE), memento.getString(ConfigEditorInput.ID)));
            } catch (ConfigValidationException e) {
                org.eclipse.core.runtime.ILog.of(Factory.class).log(
                        Status.warning("A remembered config editor names no valid config: " + e.getMessage()));
                return null;
            }
        }
    }
}
