package org.streamkit.sync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Copies a jar without its signature files. {@code ./streamkit} starts headless commands from such copies of the
 * Equinox launcher and framework: the JVM verifies every class it reads from a signed jar on its class path and
 * keeps no class of one in its class-data archive, which costs a cold command about 0.2 s. The copies are made
 * once per build, from the product's own jars, in the user's cache.
 * <p>
 * {@code java -cp <the cli bundle> org.streamkit.sync.cli.UnsignedCopy <jar> <copy> [<jar> <copy>…]}; exits 1
 * when a copy cannot be made (the launcher then starts from the product's jars).
 */
public final class UnsignedCopy {

    private UnsignedCopy() {
    }

    public static void main(String[] argv) {
        if (argv.length == 0 || argv.length % 2 != 0) {
            System.err.println("usage: UnsignedCopy <jar> <copy> [<jar> <copy>…]");
            System.exit(Cli.USAGE);
        }
        try {
            for (int i = 0; i < argv.length; i += 2) {
                copy(Path.of(argv[i]), Path.of(argv[i + 1]));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("streamkit: could not copy " + String.join(" ", argv) + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** Copies {@code jar} to {@code copy}, every entry but the signature files, as they were (the manifest too). */
    static void copy(Path jar, Path copy) throws IOException {
        try (InputStream file = Files.newInputStream(jar);
                ZipInputStream in = new ZipInputStream(file);
                OutputStream target = Files.newOutputStream(copy);
                ZipOutputStream out = new ZipOutputStream(target)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (signature(entry.getName())) {
                    continue;
                }
                ZipEntry copied = new ZipEntry(entry.getName());
                copied.setTime(entry.getTime());
                out.putNextEntry(copied);
                in.transferTo(out);
                out.closeEntry();
            }
        }
    }

    /** @return whether an entry is part of a jar signature ({@code META-INF/*.SF}, {@code .RSA}, {@code .DSA}, {@code .EC}) */
    static boolean signature(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (!upper.startsWith("META-INF/") || upper.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        return upper.endsWith(".SF") || upper.endsWith(".RSA") || upper.endsWith(".DSA") || upper.endsWith(".EC")
                || upper.startsWith("META-INF/SIG-");
    }
}
