package org.streamkit.sync.hotswap.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;

/** Bundle chores of the hot-swap test: finding, refreshing, and making a newer version of a bundle. */
final class Bundles {

    private Bundles() {
    }

    /** @return the installed bundle with that symbolic name */
    static Bundle find(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    /** @return whether a bundle with that symbolic name is installed */
    static boolean installed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refreshes bundles (and whatever depends on them) and waits until the framework has finished: old
     * revisions are dropped, and the bundles that were active run again.
     */
    static void refresh(BundleContext context, Bundle... bundles) throws InterruptedException {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        List<FrameworkEvent> errors = new ArrayList<>();
        wiring.refreshBundles(List.of(bundles), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            } else if (event.getType() == FrameworkEvent.ERROR) {
                synchronized (errors) {
                    errors.add(event);
                }
            }
        });
        if (!done.await(Wait.LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("The framework did not finish refreshing " + List.of(bundles) + " within "
                    + Wait.LIMIT.toSeconds() + " s");
        }
        synchronized (errors) {
            if (!errors.isEmpty()) {
                throw new AssertionError("Refreshing " + List.of(bundles) + " failed", errors.get(0).getThrowable());
            }
        }
    }

    /** @return the version after {@code version}: the next micro, the qualifier kept */
    static Version next(Version version) {
        return new Version(version.getMajor(), version.getMinor(), version.getMicro() + 1, version.getQualifier());
    }

    /**
     * Copies a bundle's content (from its own entries, so a jar and a folder bundle both work) into a new
     * jar whose manifest says {@code Bundle-Version: version}: the same code, published as a newer release.
     */
    static byte[] withVersion(Bundle bundle, Version version) throws IOException {
        Manifest manifest;
        try (InputStream in = bundle.getEntry("META-INF/MANIFEST.MF").openStream()) {
            manifest = new Manifest(in);
        }
        manifest.getMainAttributes().putValue(Constants.BUNDLE_VERSION, version.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            copy(bundle, "/", jar);
        }
        return bytes.toByteArray();
    }

    private static void copy(Bundle bundle, String folder, JarOutputStream jar) throws IOException {
        Enumeration<String> paths = bundle.getEntryPaths(folder);
        if (paths == null) {
            return;
        }
        while (paths.hasMoreElements()) {
            String path = paths.nextElement();
            if (path.equals("META-INF/MANIFEST.MF") || path.equals("META-INF/")) {
                if (path.equals("META-INF/")) {
                    copy(bundle, path, jar); // the rest of META-INF, the manifest being written already
                }
                continue;
            }
            if (path.endsWith("/")) {
                jar.putNextEntry(new JarEntry(path));
                jar.closeEntry();
                copy(bundle, path, jar);
            } else {
                URL entry = bundle.getEntry(path);
                jar.putNextEntry(new JarEntry(path));
                try (InputStream in = entry.openStream()) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
    }
}
