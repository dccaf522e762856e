package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ./streamkit <command>} through the real launcher of the built product, on a workspace of its own. */
class CommandLineTest {

    private static Path root;
    private static Path workspace;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void workspace() throws IOException {
        root = Path.of(System.getProperty("streamkit.root", "../..")).toAbsolutePath().normalize();
        workspace = Files.createTempDirectory(Path.of(System.getProperty("streamkit.output", "target")), "cli-workspace");
    }

    private static Run streamkit(String stdin, String... args) throws Exception {
        return streamkitOn(workspace, stdin, args);
    }

    private static Run streamkitOn(Path workspace, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("streamkit").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().put("STREAMKIT_WORKSPACE", workspace.toString());
        Path out = Files.createTempFile(workspace.getParent(), "out", ".txt");
        Path err = Files.createTempFile(workspace.getParent(), "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("streamkit " + String.join(" ", args) + " did not end");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aConfigGoesInComesOutIsListedAndIsDeleted() throws Exception {
        Run put = streamkit("{\"name\": \"Intro — café\", \"speed\": 3}", "put", "text-cyclers", "intro", "-");
        assertEquals(0, put.code(), put.err());
        assertTrue(put.out().startsWith("Saved text-cyclers/intro"), put.out());

        Run get = streamkit(null, "get", "text-cyclers", "intro");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("\"name\" : \"Intro — café\""), get.out());

        Run list = streamkit(null, "list", "--json");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("\"id\" : \"intro\"") && list.out().contains("\"type\" : \"text-cyclers\""), list.out());

        Run status = streamkit(null, "status", "--json");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("\"name\" : \"xodus\""), status.out());

        Path backup = workspace.getParent().resolve("backup.json");
        assertEquals(0, streamkit(null, "export", backup.toString()).code());
        assertTrue(Files.readString(backup).contains("Intro — café"));

        Run delete = streamkit(null, "delete", "text-cyclers", "intro");
        assertEquals(0, delete.code(), delete.err());
        Run gone = streamkit(null, "get", "text-cyclers", "intro");
        assertEquals(1, gone.code(), "a missing config is a failure");
        assertTrue(gone.err().contains("no config text-cyclers/intro"), gone.err());
    }

    @Test
    void aBackupImportsIntoAnotherWorkspaceOnceAndThenChangesNothing() throws Exception {
        Path other = Files.createTempDirectory(workspace.getParent(), "cli-other-workspace");
        Run put = streamkitOn(other, "{\"name\": \"Backed up — ok\"}", "put", "notes", "backed-up", "-");
        assertEquals(0, put.code(), put.err());
        Path backup = other.getParent().resolve("other-backup.json");
        Run export = streamkitOn(other, null, "export", backup.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.err().contains("Exported 1 configs"), export.err());
        assertTrue(Files.readString(backup).startsWith("{\n  \"configs\" : [ {"), Files.readString(backup));

        Path fresh = Files.createTempDirectory(workspace.getParent(), "cli-fresh-workspace");
        Run imported = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.err().contains("Imported 1 of 1 configs"), imported.err());
        Run get = streamkitOn(fresh, null, "get", "notes", "backed-up");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("Backed up — ok"), get.out());

        Run again = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("Imported 0 of 1 configs"), "the same config is not saved again: " + again.err());

        Files.writeString(backup, "{\"configs\": [{\"type\": \"notes\", \"id\": \"../x\"}]}");
        Run bad = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.err().contains("config 1 is not valid"), bad.err());
    }

    @Test
    void badUsageExitsWithTwoAndBadInputWithOneAndAClearReason() throws Exception {
        Run unknown = streamkit(null, "frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());

        Run hostile = streamkit(null, "get", "notes", "../etc");
        assertEquals(2, hostile.code(), hostile.err());
        assertTrue(hostile.err().contains("slashes are not allowed"), hostile.err());

        Run invalid = streamkit("{\"name\": \n oops}", "put", "notes", "n1", "-");
        assertEquals(1, invalid.code());
        assertTrue(invalid.err().contains("line 2"), invalid.err());
        assertEquals(1, invalid.err().strip().lines().count(), "one line on stderr: " + invalid.err());
    }
}
