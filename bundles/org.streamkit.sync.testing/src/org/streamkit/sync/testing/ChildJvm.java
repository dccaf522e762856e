package org.streamkit.sync.testing;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * Starts a plain JVM (no OSGi) that runs a test's main against the real classes: its class path is made of
 * the jars (or class folders) of the named bundles of the running test framework.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * @param main    the class whose {@code main} runs; its own bundle joins the class path
     * @param bundles the symbolic names of the bundles the child needs
     */
    public static ProcessBuilder java(Class<?> main, List<String> bundles, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(classPath(main, bundles));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    private static String classPath(Class<?> main, List<String> bundles) {
        Bundle self = FrameworkUtil.getBundle(main);
        if (self == null || self.getBundleContext() == null) {
            throw new IllegalStateException(main.getName() + " is not in an active bundle");
        }
        List<String> names = new ArrayList<>();
        names.add(self.getSymbolicName());
        names.addAll(bundles);
        List<String> entries = new ArrayList<>();
        for (String name : names) {
            Bundle found = null;
            for (Bundle b : self.getBundleContext().getBundles()) {
                // Libraries without OSGi headers are wrapped by the build as "wrapped.<groupId>.<artifactId>".
                boolean named = name.equals(b.getSymbolicName()) || ("wrapped." + name).equals(b.getSymbolicName());
                if (named && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                    found = b;
                }
            }
            if (found == null) {
                throw new IllegalStateException("Bundle " + name + " is not in the test runtime");
            }
            entries.add(location(found).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** A bundle's jar, or for a project folder its compiled classes. */
    private static Path location(Bundle bundle) {
        String location = bundle.getLocation();
        int file = location.indexOf("file:");
        if (file < 0) {
            throw new IllegalStateException("Bundle " + bundle.getSymbolicName() + " is not installed from a file: " + location);
        }
        // "reference:file:/abs/path" (Tycho's test runtime) or "file:plugins/x.jar" (relative to the install area)
        String raw = location.substring(file + "file:".length());
        Path path = Path.of(raw);
        if (!path.isAbsolute()) {
            String install = System.getProperty("osgi.install.area", "");
            path = Path.of(URI.create(install)).resolve(raw);
        }
        if (Files.isDirectory(path) && Files.isDirectory(path.resolve("target/classes"))) {
            return path.resolve("target/classes");
        }
        return path;
    }
}
