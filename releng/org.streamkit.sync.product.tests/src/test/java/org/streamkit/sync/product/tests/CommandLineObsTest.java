package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.streamkit.sync.testing.ObsStudio;

/**
 * The command line against a real OBS Studio, configured headless: {@code put --sync} returns once the config
 * is in OBS, and a second workspace gets it from there (read with OBS stopped, so it is that workspace's own).
 */
class CommandLineObsTest {

    private static final Launcher LAUNCHER = new Launcher();
    private static final String PASSWORD = "obs-cli-" + Long.toHexString(System.nanoTime());

    private static Launcher.Run ok(Path workspace, String stdin, String... args) throws Exception {
        return LAUNCHER.ok(workspace, stdin, args);
    }

    @Test
    void putSyncReachesARealObsAndAnotherWorkspaceGetsItFromThere() throws Exception {
        try (ObsStudio obs = new ObsStudio(ObsStudio.home("cli-obs"), PASSWORD).start()) {
            Path a = Launcher.folder("obs-a");
            Path b = Launcher.folder("obs-b");
            for (Path w : List.of(a, b)) {
                ok(w, null, "remote", "obs", "set", "127.0.0.1", Integer.toString(obs.port()));
                ok(w, PASSWORD + "\n", "obs", "password", "--password-stdin");
                assertTrue(ok(w, null, "remote").out().contains("obs    on   127.0.0.1:" + obs.port() + "  (password set)"),
                        "set headless");
            }
            Launcher.Run put = ok(a, "{\"name\": \"lower third, from the command line\"}", "put", "overlays", "lower-third", "-",
                    "--sync", "--timeout", "60");
            assertTrue(put.out().startsWith("Saved overlays/lower-third"), put.out());
            assertTrue(put.out().lines().anyMatch(l -> l.startsWith("obs ") && l.contains(" remote UP ")), "OBS was reached: " + put.out());
            assertFalse(put.out().contains("overlays/lower-third → obs"), "and holds the write when put --sync returns: " + put.out());

            ok(b, null, "sync", "--timeout", "60");
            obs.stopObs();
            Launcher.Run got = ok(b, null, "get", "overlays", "lower-third");
            assertTrue(got.out().contains("lower third, from the command line"), got.out());

            for (Path w : List.of(a, b)) {
                try (Stream<Path> files = Files.walk(w)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(PASSWORD),
                                "the OBS password is in no file unencrypted: " + f);
                    }
                }
            }
        }
    }
}
