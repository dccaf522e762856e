package org.streamkit.sync.api.support;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.BundleContext;

/**
 * Where a bundle keeps its files by default: {@code <workspace>/.metadata/.plugins/<bundle>/<child>}, the
 * Eclipse "state location", or the bundle's OSGi data area when no workspace is set.
 *
 * @since 0.1
 */
public final class StateLocations {

    private StateLocations() {
    }

    /**
     * @param instanceArea the {@code (type=osgi.instance.area)} {@link Location} service, or {@code null}
     * @param context      the bundle's context
     * @param child        the folder inside the state location
     */
    public static Path of(Location instanceArea, BundleContext context, String child) {
        String bundle = context.getBundle().getSymbolicName();
        URL url = instanceArea == null ? null : instanceArea.getURL();
        if (url != null && "file".equals(url.getProtocol())) {
            Path workspace;
            try {
                workspace = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                workspace = Path.of(url.getPath()); // a file URL with unescaped characters
            }
            return workspace.resolve(".metadata").resolve(".plugins").resolve(bundle).resolve(child);
        }
        return context.getDataFile(child).toPath();
    }
}
