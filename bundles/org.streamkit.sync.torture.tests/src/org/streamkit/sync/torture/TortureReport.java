package org.streamkit.sync.torture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the reliability tests did and found: printed, and appended to {@code target/torture/report.txt}
 * (the build's output folder), which {@code ./streamkit torture} prints at the end.
 */
final class TortureReport {

    private TortureReport() {
    }

    static synchronized void add(String section, String line) {
        String text = "[" + section + "] " + line;
        System.out.println(text);
        Path folder = Path.of(System.getProperty("streamkit.test.output", System.getProperty("java.io.tmpdir")), "torture");
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("report.txt"), text + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("(the report file could not be written: " + e.getMessage() + ")");
        }
    }
}
