package org.streamkit.sync.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OBS Studio for tests: started headless on its own Xvfb display, in its own network namespace (it
 * cannot reach the network; its WebSocket port is bridged to a free port on 127.0.0.1 by socat), with a
 * fresh configuration folder. It installs nothing: {@code obs}, {@code Xvfb}, {@code socat},
 * {@code unshare}/{@code nsenter} and {@code ip} must be on the machine ({@code .ci/run} installs them).
 * OBS counts as started once a WebSocket upgrade through the bridge is answered (its log is no guide: OBS
 * buffers what it prints when that is not a terminal).
 */
public final class ObsStudio implements AutoCloseable {

    /** The port OBS listens on inside its namespace. */
    public static final int OBS_PORT = 4455;

    private final Path home;
    private final String password;
    private final List<Process> processes = new ArrayList<>();
    private Process namespace;
    private Process display;
    private Process bridge;
    private Process obs;
    private String displayName;
    private boolean root;
    private int port;

    /**
     * @param password the WebSocket password, or {@code null} for no authentication
     */
    public ObsStudio(Path home, String password) {
        this.home = home;
        this.password = password;
    }

    /**
     * @return a fresh folder for one OBS's settings, data and logs, under the build's output folder (kept
     *         for reading after a failure, removed by {@code mvn clean})
     */
    public static Path home(String name) throws IOException {
        Path base = Path.of(System.getProperty("streamkit.test.output", System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(Files.createDirectories(base), name + "-");
    }

    /** Starts OBS and waits until its WebSocket server identifies clients. */
    public ObsStudio start() throws Exception {
        // Whatever happens to this JVM, the processes go with it: on failure here, at exit, and the namespace
        // holder watches this JVM and ends when it is gone.
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            startAll();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
        return this;
    }

    private final Thread cleanup = new Thread(this::killAll, "obs-studio-cleanup");

    private void startAll() throws Exception {
        for (String tool : new String[] { "obs", "Xvfb", "socat", "unshare", "nsenter", "ip" }) {
            if (!onPath(tool)) {
                throw new IllegalStateException("The OBS tests need '" + tool + "' (install: apt-get install obs-studio xvfb socat iproute2 util-linux)");
            }
        }
        writeSettings();
        root = "0".equals(run("id", "-u").strip());
        List<String> unshare = new ArrayList<>(List.of("unshare"));
        if (!root) {
            unshare.addAll(List.of("--user", "--map-root-user"));
        }
        unshare.addAll(List.of("--net", "sh", "-c", "ip link set lo up && echo ready && while kill -0 $PPID 2>/dev/null; do sleep 1; done"));
        namespace = spawn(unshare, null);
        expectLine(namespace, "ready", "the network namespace");
        display = spawn(inNamespace("Xvfb", "-displayfd", "1", "-screen", "0", "640x360x24", "-nolisten", "tcp"), null);
        displayName = ":" + readLine(display, "Xvfb's display number").strip();
        port = freePort();
        bridge = spawn(List.of("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,nodelay",
                "EXEC:nsenter " + String.join(" ", nsenterFlags()) + " socat STDIO TCP\\:127.0.0.1\\:" + OBS_PORT + "\\,nodelay"), null);
        startObs();
    }

    /** Starts OBS again (after {@link #stopObs()} or {@link #killObs()}), with the same settings and data. */
    public void startObs() throws Exception {
        Path log = home.resolve("obs.log");
        List<String> command = new ArrayList<>(List.of("env", "HOME=" + home, "DISPLAY=" + displayName,
                "LIBGL_ALWAYS_SOFTWARE=1", "QT_QPA_PLATFORM=xcb", "obs", "--multi", "--disable-shutdown-check",
                "--disable-missing-files-check"));
        obs = spawn(inNamespace(command.toArray(String[]::new)), log);
        waitUntilListening(log, Duration.ofSeconds(60));
    }

    /** Shuts OBS down as a user would (SIGINT), and waits for it to end. */
    public void stopObs() throws Exception {
        if (obs != null && obs.isAlive()) {
            run("kill", "-INT", Long.toString(obs.pid()));
            if (!obs.waitFor(20, TimeUnit.SECONDS)) {
                obs.destroyForcibly().waitFor();
            }
        }
    }

    /** Kills OBS at once (SIGKILL), as a crash would. */
    public void killObs() throws Exception {
        if (obs != null && obs.isAlive()) {
            obs.destroyForcibly().waitFor();
        }
    }

    /** @return the port of the WebSocket bridge on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return the folder OBS records into */
    public Path recordings() {
        return home.resolve("recordings");
    }

    /** @return the folder of OBS's settings, data and log */
    public Path home() {
        return home;
    }

    /** @return the WebSocket address on 127.0.0.1 */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/");
    }

    public String password() {
        return password;
    }

    private void waitUntilListening(Path log, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!obs.isAlive()) {
                throw new IllegalStateException("OBS ended with exit code " + obs.exitValue() + " while starting; see " + log);
            }
            if (answers()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("OBS's WebSocket server did not start within " + limit + "; see " + log);
    }

    /** @return whether a WebSocket upgrade through the bridge is answered with 101 */
    private boolean answers() {
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2000);
            String request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: obswebsocket.json\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            int n = socket.getInputStream().readNBytes(head, 0, head.length);
            return n == head.length && new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101");
        } catch (IOException e) {
            return false;
        }
    }

    private void writeSettings() throws IOException {
        Path config = home.resolve(".config/obs-studio");
        Files.createDirectories(config.resolve("basic/profiles/Streamkit"));
        Files.createDirectories(config.resolve("basic/scenes"));
        Files.writeString(config.resolve("global.ini"), String.join("\n",
                "[General]", "FirstRun=true", "EnableAutoUpdates=false", "",
                "[Basic]", "Profile=Streamkit", "ProfileDir=Streamkit", "SceneCollection=Streamkit", "SceneCollectionFile=Streamkit", "",
                "[OBSWebSocket]", "FirstLoad=false", "ServerEnabled=true", "ServerPort=" + OBS_PORT, "AlertsEnabled=false",
                "AuthRequired=" + (password != null), "ServerPassword=" + (password == null ? "" : password), ""));
        // A small, slow canvas: OBS idles at a few percent of a core instead of a fifth.
        Files.writeString(config.resolve("basic/profiles/Streamkit/basic.ini"), String.join("\n",
                "[General]", "Name=Streamkit", "",
                "[Video]", "BaseCX=320", "BaseCY=180", "OutputCX=320", "OutputCY=180", "FPSType=1", "FPSInt=5", "",
                // A recording (which puts OBS on air, as a stream does) goes to a file in the test's folder.
                "[SimpleOutput]", "FilePath=" + recordings(), "RecFormat=mkv", "RecQuality=Stream", "VBitrate=200", ""));
        Files.createDirectories(recordings());
    }

    private List<String> nsenterFlags() {
        List<String> flags = new ArrayList<>(List.of("--target", Long.toString(namespace.pid()), "--net"));
        if (!root) {
            flags.addAll(List.of("--user", "--preserve-credentials"));
        }
        return flags;
    }

    private List<String> inNamespace(String... command) {
        List<String> out = new ArrayList<>(List.of("nsenter"));
        out.addAll(nsenterFlags());
        out.addAll(List.of(command));
        return out;
    }

    private Process spawn(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (log != null) {
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            builder.redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("tools.log").toFile()));
        }
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private static String readLine(Process p, String what) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null) {
            throw new IllegalStateException("Starting " + what + " failed (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        return line;
    }

    private static void expectLine(Process p, String expected, String what) throws IOException {
        String line = readLine(p, what);
        if (!expected.equals(line.strip())) {
            throw new IllegalStateException("Starting " + what + " failed: " + line);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            stopObs();
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs anyway
            }
        }
    }

    private void killAll() {
        for (Process p : List.of(bridge, display, namespace)) {
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
