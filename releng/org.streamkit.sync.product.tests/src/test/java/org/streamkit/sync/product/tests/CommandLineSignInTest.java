package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Signing in from the command line with a mailed code, against the local server's sign-in routes, through
 * the real launcher: the code is read from the server's mailbox file as a user reads their mail.
 */
class CommandLineSignInTest {

    private static final Launcher LAUNCHER = new Launcher();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process server;
    private Path serverWorkspace;
    private Path mailbox;
    private String url;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            Launcher.stop(server);
        }
    }

    private void startServer() throws Exception {
        serverWorkspace = Launcher.folder("signin-server");
        mailbox = serverWorkspace.resolve(".metadata/.plugins/org.streamkit.sync.cli/server/mailbox.jsonl");
        int port = Launcher.freePort();
        url = "http://127.0.0.1:" + port;
        server = LAUNCHER.startServer(serverWorkspace, port);
    }

    /** @return the {@code n}th code (from 1) mailed to an address, once it is there */
    private String code(String email, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(mailbox)) {
                List<String> codes = Files.readAllLines(mailbox, StandardCharsets.UTF_8).stream().map(this::parse)
                        .filter(m -> m.path("to").asText().equals(email)).map(m -> m.path("code").asText()).toList();
                if (codes.size() >= n) {
                    return codes.get(n - 1);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no code number " + n + " was mailed to " + email);
    }

    private JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("the mailbox holds a line that is not JSON: " + line, e);
        }
    }

    private static String wrong(String code) {
        return code.equals("111111111") ? "222222222" : "111111111";
    }

    private Path workspace(String name) throws Exception {
        Path w = Launcher.folder(name);
        ok(w, null, "remote", "cloud", "set", url);
        ok(w, null, "remote", "obs", "off");
        return w;
    }

    private static Launcher.Run ok(Path workspace, String stdin, String... args) throws Exception {
        return LAUNCHER.ok(workspace, stdin, args);
    }

    @Test
    void aCodeSignsInAWorkspaceThatThenSyncsAndLogoutEndsIt() throws Exception {
        startServer();
        Path a = workspace("signin-a");
        Launcher.Interactive login = LAUNCHER.open(a, "login", "Streamer@Example.com");
        String code = code("streamer@example.com", 1);
        // While the server runs on its workspace, a command there is run by it: a token is minted with its key.
        Launcher.Run minted = ok(serverWorkspace, null, "token", "someone");
        assertTrue(minted.out().strip().split("\\.").length == 3, "a JWT: " + minted.out());
        login.type(wrong(code));
        login.type(code);
        Launcher.Run signedIn = login.finish();
        assertEquals(0, signedIn.code(), signedIn.out() + signedIn.err());
        assertTrue(signedIn.err().contains("A sign-in code was sent to streamer@example.com"), signedIn.err());
        assertTrue(signedIn.err().contains("Wrong code; 4 tries left"), signedIn.err());
        assertTrue(signedIn.out().startsWith("Signed in as streamer@example.com (customer c-"), signedIn.out());

        Launcher.Run whoami = ok(a, null, "whoami");
        assertTrue(whoami.out().startsWith("Signed in as streamer@example.com"), whoami.out());
        assertTrue(whoami.err().contains("refreshed by itself"), whoami.err());
        assertTrue(ok(a, null, "remote").out().contains(url + "  (signed in)"));
        Launcher.Run put = ok(a, "{\"name\": \"from a signed-in workspace\"}", "put", "notes", "signed-in", "-", "--sync",
                "--timeout", "30");
        assertTrue(put.out().startsWith("Saved notes/signed-in"), put.out());
        assertFalse(put.out().contains("notes/signed-in → cloud"), "put --sync returns with the write delivered: " + put.out());

        // The same account on a second workspace gets it.
        Path b = workspace("signin-b");
        Launcher.Interactive second = LAUNCHER.open(b, "login", "streamer@example.com");
        second.type(code("streamer@example.com", 2));
        assertEquals(0, second.finish().code());
        ok(b, null, "sync", "--timeout", "30");
        Launcher.stop(server);
        server = null;
        Launcher.Run got = ok(b, null, "get", "notes", "signed-in"); // the server is stopped: this is b's own copy
        assertTrue(got.out().contains("from a signed-in workspace"), got.out());

        // No token and no code in any file of the workspaces, unencrypted.
        for (Path w : List.of(a, b)) {
            try (Stream<Path> files = Files.walk(w)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains("eyJhbGciOi"), "no token in " + f);
                    assertFalse(text.contains(code), "no code in " + f);
                }
            }
        }
        assertFalse(signedIn.out().contains("eyJ") || signedIn.err().contains("eyJ"), "no token printed");

        Launcher.Run logout = ok(a, null, "logout");
        assertTrue(logout.out().startsWith("Signed out"), logout.out());
        Launcher.Run gone = LAUNCHER.run(a, null, "whoami");
        assertEquals(1, gone.code(), gone.out() + gone.err());
        assertTrue(gone.err().contains("not signed in"), gone.err());
    }

    @Test
    void fiveWrongCodesEndTheCodeAndNothingIsSaved() throws Exception {
        startServer();
        Path w = workspace("signin-wrong");
        Launcher.Interactive login = LAUNCHER.open(w, "login", "guesser@example.com");
        String code = code("guesser@example.com", 1);
        login.type("12345"); // not 9 digits: asked again, no try spent
        for (int i = 0; i < 5; i++) {
            login.type(wrong(code));
        }
        login.type(code); // too late
        Launcher.Run run = login.finish();
        assertEquals(1, run.code(), run.out() + run.err());
        assertTrue(run.err().contains("A sign-in code is 9 digits"), run.err());
        assertTrue(run.err().contains("Wrong code; 1 try left"), run.err());
        assertTrue(run.err().contains("no longer works"), run.err());
        assertEquals(1, LAUNCHER.run(w, null, "whoami").code(), "not signed in");

        Launcher.Run noUrl = LAUNCHER.run(Launcher.folder("signin-nourl"), null, "login", "x@example.com");
        assertEquals(1, noUrl.code());
        assertTrue(noUrl.err().contains("set the cloud's URL first"), noUrl.err());
    }
}
