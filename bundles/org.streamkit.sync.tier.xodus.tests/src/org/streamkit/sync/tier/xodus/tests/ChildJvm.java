package org.streamkit.sync.tier.xodus.tests;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * Starts a plain JVM (no OSGi) that runs one of this fragment's mains against the real tier classes:
 * its class path is made of the jars (or class folders) of the bundles running this test.
 */
final class ChildJvm {

    private static final String[] BUNDLES = { "org.streamkit.sync.tier.xodus.tests", "org.streamkit.sync.tier.xodus",
            "org.streamkit.sync.tier.file", "org.streamkit.sync.api", "jetbrains.exodus", "com.fasterxml.jackson.core.jackson-core",
            "com.fasterxml.jackson.core.jackson-databind", "com.fasterxml.jackson.core.jackson-annotations",
            "slf4j.api", "slf4j.simple" };

    private ChildJvm() {
    }

    static ProcessBuilder java(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    private static String classPath() {
        Bundle self = FrameworkUtil.getBundle(ChildJvm.class);
        List<String> entries = new ArrayList<>();
        for (String name : BUNDLES) {
            Bundle found = null;
            for (Bundle b : self.getBundleContext().getBundles()) {
                if (name.equals(b.getSymbolicName()) && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
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
