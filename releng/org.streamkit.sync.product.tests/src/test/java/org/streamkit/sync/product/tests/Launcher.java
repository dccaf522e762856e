package org.streamkit.sync.product.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        Interactive command = open(workspace, environment, args);
        if (stdin != null) {
            command.process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        return command.finish();
    }

    /** Runs a command that must succeed: a failure fails the test with what it printed. */
    Run ok(Path workspace, String stdin, String... args) throws Exception {
        Run run = run(workspace, stdin, args);
        if (run.code() != 0) {
            throw new AssertionError("streamkit " + String.join(" ", args) + " exited " + run.code() + ": " + run.out() + run.err());
        }
        return run;
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

        /** @return what the command printed on its standard error so far */
        String errorSoFar() throws IOException {
            return Files.readString(err);
        }

        /** Kills the command's process with SIGKILL ({@code kill -9}) and waits until it is gone. */
        void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }

        boolean alive() {
            return process.isAlive();
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
                throw new AssertionError("streamkit " + String.join(" ", process.info().arguments().orElse(new String[0]))
                        + " did not end");
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    /** Starts a command whose input the test types (see {@link Interactive}). */
    Interactive open(Path workspace, String... args) throws IOException {
        return open(workspace, Map.of(), args);
    }

    private Interactive open(Path workspace, Map<String, String> environment, String... args) throws IOException {
        ProcessBuilder builder = builder(workspace, environment, args);
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

    /** Starts {@code streamkit server} on a workspace and port, and waits (a minute at most) until it answers. */
    Process startServer(Path workspace, int port) throws Exception {
        Process server = start(workspace, "server", "--port", Integer.toString(port));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return server;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    stop(server);
                    throw new AssertionError("the local server did not start on port " + port);
                }
                Thread.sleep(100);
            }
        }
    }

    /** @return a port free on 127.0.0.1 now */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
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
