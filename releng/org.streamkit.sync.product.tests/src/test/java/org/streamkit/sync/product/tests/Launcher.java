package org.streamkit.sync.product.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code ./streamkit}, the product's real launcher, run on a workspace of the test's, as a user runs it. */
final class Launcher {

    /** One finished command: its exit code and what it printed. */
    record Run(int code, String out, String err) {
    }

    private final Path root;

    Launcher() {
        root = Path.of(System.getProperty("streamkit.root", "../..")).toAbsolutePath().normalize();
    }

    /** @return a new empty folder under the build's output */
    static Path folder(String prefix) throws IOException {
        Path output = Path.of(System.getProperty("streamkit.output", "target"));
        Files.createDirectories(output);
        return Files.createTempDirectory(output, prefix);
    }

    Run run(Path workspace, String stdin, String... args) throws Exception {
        return run(workspace, stdin, Map.of(), args);
    }

    /** Runs a command to its end (at most two minutes) with extra environment variables. */
    Run run(Path workspace, String stdin, Map<String, String> environment, String... args) throws Exception {
        ProcessBuilder builder = builder(workspace, environment, args);
        Path out = Files.createTempFile(workspace.getParent(), "out", ".txt");
        Path err = Files.createTempFile(workspace.getParent(), "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            stop(process);
            throw new AssertionError("streamkit " + String.join(" ", args) + " did not end");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A command that reads what the test types, line by line, as a user answers its prompts. */
    static final class Interactive {
        private final Process process;
        private final Path out;
        private final Path err;

        private Interactive(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        void type(String line) throws IOException {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        /** Ends the input and waits (two minutes at most) for the command to end. */
        Run finish() throws Exception {
            try {
                process.getOutputStream().close();
            } catch (IOException alreadyEnded) {
                // the command stopped reading
            }
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                stop(process);
                throw new AssertionError("the command did not end");
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    /** Starts a command whose input the test types (see {@link Interactive}). */
    Interactive open(Path workspace, String... args) throws IOException {
        ProcessBuilder builder = builder(workspace, Map.of(), args);
        Path out = Files.createTempFile(workspace.getParent(), "out", ".txt");
        Path err = Files.createTempFile(workspace.getParent(), "err", ".txt");
        return new Interactive(builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
    }

    /** Starts a command that runs until stopped (the local server), its output in a log file of the workspace's folder. */
    Process start(Path workspace, String... args) throws IOException {
        ProcessBuilder builder = builder(workspace, Map.of(), args);
        Path log = Files.createTempFile(workspace.getParent(), "server", ".log");
        return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Stops a command and everything it started. */
    static void stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }

    private ProcessBuilder builder(Path workspace, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("streamkit").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().put("STREAMKIT_WORKSPACE", workspace.toString());
        builder.environment().putAll(environment);
        return builder;
    }
}
