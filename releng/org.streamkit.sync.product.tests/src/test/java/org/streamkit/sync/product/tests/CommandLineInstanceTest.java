package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * One process per workspace, through the real launcher: while {@code streamkit daemon} holds a workspace,
 * commands on it are run by the daemon; while a process that takes no commands holds it, a command says so
 * at once instead of waiting for the sync coordinator.
 */
class CommandLineInstanceTest {

    private static final Launcher LAUNCHER = new Launcher();

    private static Launcher.Run ok(Path workspace, String stdin, String... args) throws Exception {
        return LAUNCHER.ok(workspace, stdin, args);
    }

    /** @return where the launcher puts a workspace's command socket */
    private static Path socket(Path workspace) throws Exception {
        String runtime = System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/tmp");
        Object uid = Files.getAttribute(Path.of(System.getProperty("user.home")), "unix:uid");
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(workspace.toRealPath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String name = java.util.HexFormat.of().formatHex(digest).substring(0, 16);
        Path folder = Path.of(runtime, "streamkit-" + uid);
        return folder.resolve(name + ".sock");
    }

    @Test
    void aDaemonHoldingTheWorkspaceRunsItsCommandsAndAfterItCommandsRunHeadlessAgain() throws Exception {
        Path w = Launcher.folder("daemon-workspace");
        ok(w, null, "remote", "obs", "off");
        Path socket = socket(w);
        Process daemon = LAUNCHER.start(w, "daemon");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!Files.exists(socket)) {
                assertTrue(daemon.isAlive() && System.nanoTime() < deadline, "the daemon opened its command channel");
                Thread.sleep(100);
            }
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                    "only the owner may send commands");

            // The daemon holds the workspace's store: these succeed only because the daemon runs them.
            Launcher.Run put = ok(w, "{\"name\": \"through the daemon\"}", "put", "notes", "d1", "-");
            assertTrue(put.out().startsWith("Saved notes/d1"), put.out());
            long start = System.nanoTime();
            Launcher.Run list = ok(w, null, "list");
            long listMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(list.out().contains("notes/d1") && list.out().contains("through the daemon"), list.out());
            System.out.println("[instance] list forwarded to the daemon, launcher to exit: " + listMs + " ms");

            Launcher.Run password = ok(w, "pw-for-obs\n", "obs", "password", "--password-stdin");
            assertTrue(password.err().contains("The OBS password is saved"), password.err());
            assertTrue(ok(w, null, "remote").out().contains("password set"));

            Launcher.Run server = LAUNCHER.run(w, null, "server", "--port", "0");
            assertEquals(1, server.code(), server.out() + server.err());
            assertTrue(server.err().contains("streamkit daemon holds this workspace"), server.err());
            Launcher.Run usage = LAUNCHER.run(w, null, "frobnicate");
            assertEquals(2, usage.code(), "exit codes come through: " + usage.err());
            assertTrue(usage.err().contains("unknown command 'frobnicate'"), usage.err());
        } finally {
            Launcher.stop(daemon);
        }
        Launcher.Run after = ok(w, null, "get", "notes", "d1"); // headless again, past the socket the daemon left
        assertTrue(after.out().contains("through the daemon"), after.out());
    }

    @Test
    void whileTheWorkbenchHoldsTheWorkspaceItRunsTheCommands() throws Exception {
        assertTrue(System.getenv("DISPLAY") != null, "the workbench needs a display (the build runs under xvfb-run)");
        Path w = Launcher.folder("workbench-workspace");
        ok(w, null, "remote", "obs", "off");
        ok(w, "{\"name\": \"before the workbench\"}", "put", "notes", "w1", "-");
        Path socket = socket(w);
        Process workbench = LAUNCHER.start(w);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Files.exists(socket)) {
                assertTrue(workbench.isAlive() && System.nanoTime() < deadline, "the workbench opened its command channel");
                Thread.sleep(200);
            }
            Launcher.Run put = ok(w, "{\"name\": \"while the workbench runs\"}", "put", "notes", "w2", "-");
            assertTrue(put.out().startsWith("Saved notes/w2"), put.out());
            Launcher.Run list = ok(w, null, "list");
            assertTrue(list.out().contains("before the workbench") && list.out().contains("while the workbench runs"), list.out());
            Launcher.Run daemon = LAUNCHER.run(w, null, "daemon");
            assertEquals(1, daemon.code());
            assertTrue(daemon.err().contains("the workbench holds this workspace"), daemon.err());
        } finally {
            Launcher.stop(workbench);
        }
        assertTrue(ok(w, null, "get", "notes", "w2").out().contains("while the workbench runs"), "stored in the workspace");
    }

    @Test
    void aCommandOnAWorkspaceHeldByAProcessThatTakesNoCommandsFailsAtOnceSayingWhy() throws Exception {
        Path w = Launcher.folder("held-workspace");
        ok(w, null, "remote", "obs", "off");
        Path lock = w.resolve(".metadata/.lock"); // the lock every Eclipse instance takes on its workspace
        Files.createDirectories(lock.getParent());
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = channel.tryLock()) {
            assertTrue(held != null, "this test holds the workspace");
            long start = System.nanoTime();
            Launcher.Run refused = LAUNCHER.run(w, null, "list");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, refused.code(), refused.out() + refused.err());
            assertTrue(refused.err().contains("is in use by another Streamkit process that takes no commands"), refused.err());
            assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
            System.out.println("[instance] a command on a held workspace failed after " + ms + " ms");
        }
        ok(w, null, "list"); // released: it runs
    }
}
