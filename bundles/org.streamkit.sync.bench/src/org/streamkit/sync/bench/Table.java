package org.streamkit.sync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Latency samples and the Markdown table benchmarks print. */
final class Table {

    /** Percentiles of a set of samples in nanoseconds. */
    record Latency(long p50, long p99, int samples) {
        static Latency of(long[] nanos) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return new Latency(sorted[(int) Math.floor(0.50 * (sorted.length - 1))],
                    sorted[(int) Math.ceil(0.99 * (sorted.length - 1))], sorted.length);
        }
    }

    private final String title;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    void row(String... cells) {
        rows.add(List.of(cells));
    }

    static String time(long nanos) {
        if (nanos < 10_000) {
            return String.format(Locale.ROOT, "%.2f µs", nanos / 1e3);
        }
        if (nanos < 10_000_000) {
            return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }

    static String ratio(double r) {
        return r < 0.01 ? String.format(Locale.ROOT, "%.5f×", r) : String.format(Locale.ROOT, "%.2f×", r);
    }

    String markdown() {
        StringBuilder b = new StringBuilder("### ").append(title).append("\n\n| ");
        b.append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> b.append("---|"));
        b.append('\n');
        for (List<String> row : rows) {
            b.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return b.toString();
    }

    /** Prints the table and writes it to {@code <output>/benchmarks/<file>}. */
    void publish(String file, String preamble) throws IOException {
        String text = preamble + "\n" + markdown();
        System.out.println();
        System.out.println(text);
        Path dir = Path.of(System.getProperty("streamkit.test.output", "target"), "benchmarks");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(file), text);
        appendToSummary(dir.resolve(SUMMARY));
    }

    /** The file every benchmark of a run adds its rows to: one table, printed by {@code ./streamkit bench}. */
    static final String SUMMARY = "summary.md";

    /**
     * Adds this table's rows to the run's summary: measurement, the figures (every column between the
     * measurement and the target, named by its header), target and result.
     */
    private static boolean summaryStarted;

    private void appendToSummary(Path summary) throws IOException {
        synchronized (Table.class) {
            if (!summaryStarted) {
                Files.deleteIfExists(summary); // one run, one table
                summaryStarted = true;
            }
        }
        int target = header.indexOf("target");
        int result = header.indexOf("result");
        StringBuilder b = new StringBuilder();
        if (!Files.exists(summary)) {
            b.append("| benchmark | measurement | figure | target | result |\n|---|---|---|---|---|\n");
        }
        for (List<String> row : rows) {
            List<String> figures = new ArrayList<>();
            for (int i = 1; i < (target < 0 ? row.size() : target); i++) {
                if (!"—".equals(row.get(i))) {
                    figures.add(header.size() > 2 && target != 2 ? header.get(i) + " " + row.get(i) : row.get(i));
                }
            }
            b.append("| ").append(title).append(" | ").append(row.get(0)).append(" | ").append(String.join(" · ", figures))
                    .append(" | ").append(target < 0 ? "—" : row.get(target)).append(" | ").append(result < 0 ? "—" : row.get(result))
                    .append(" |\n");
        }
        synchronized (Table.class) {
            Files.writeString(summary, b.toString(), java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }
}
