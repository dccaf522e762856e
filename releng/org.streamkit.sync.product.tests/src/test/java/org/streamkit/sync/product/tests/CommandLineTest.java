package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ./streamkit <command>} through the real launcher of the built product, on a workspace of its own. */
class CommandLineTest {

    private static final Launcher LAUNCHER = new Launcher();
    private static Path workspace;

    @BeforeAll
    static void workspace() throws IOException {
        workspace = Launcher.folder("cli-workspace");
    }

    private static Launcher.Run streamkit(String stdin, String... args) throws Exception {
        return streamkitOn(workspace, stdin, args);
    }

    private static Launcher.Run streamkitOn(Path workspace, String stdin, String... args) throws Exception {
        return LAUNCHER.run(workspace, stdin, args);
    }

    @Test
    void aConfigGoesInComesOutIsListedAndIsDeleted() throws Exception {
        Launcher.Run put = streamkit("{\"name\": \"Intro — café\", \"speed\": 3}", "put", "text-cyclers", "intro", "-");
        assertEquals(0, put.code(), put.err());
        assertTrue(put.out().startsWith("Saved text-cyclers/intro"), put.out());

        Launcher.Run get = streamkit(null, "get", "text-cyclers", "intro");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("\"name\" : \"Intro — café\""), get.out());

        Launcher.Run list = streamkit(null, "list", "--json");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("\"id\" : \"intro\"") && list.out().contains("\"type\" : \"text-cyclers\""), list.out());

        Launcher.Run status = streamkit(null, "status", "--json");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("\"name\" : \"xodus\""), status.out());

        Path backup = workspace.getParent().resolve("backup.json");
        assertEquals(0, streamkit(null, "export", backup.toString()).code());
        assertTrue(Files.readString(backup).contains("Intro — café"));

        Launcher.Run delete = streamkit(null, "delete", "text-cyclers", "intro");
        assertEquals(0, delete.code(), delete.err());
        Launcher.Run gone = streamkit(null, "get", "text-cyclers", "intro");
        assertEquals(1, gone.code(), "a missing config is a failure");
        assertTrue(gone.err().contains("no config text-cyclers/intro"), gone.err());
    }

    @Test
    void aCheckpointIsTakenListedAndRestoredAndTheRestoreIsUndone() throws Exception {
        Path own = Files.createTempDirectory(workspace.getParent(), "cli-checkpoint-workspace");
        assertEquals(0, streamkitOn(own, "{\"name\": \"Before the show\"}", "put", "text-cyclers", "intro", "-").code());
        assertEquals(0, streamkitOn(own, "{\"name\": \"Kept note\"}", "put", "notes", "n1", "-").code());
        Launcher.Run empty = streamkitOn(own, null, "checkpoint", "list");
        assertEquals(0, empty.code(), empty.err());
        assertTrue(empty.out().contains("No checkpoints yet"), empty.out());

        Launcher.Run create = streamkitOn(own, null, "checkpoint", "create");
        assertEquals(0, create.code(), create.err());
        java.util.regex.Matcher taken = java.util.regex.Pattern.compile("Checkpoint (\\S+) taken: 2 configs").matcher(create.out());
        assertTrue(taken.find(), create.out());
        String name = taken.group(1);

        assertEquals(0, streamkitOn(own, "{\"name\": \"Edited on air\"}", "put", "text-cyclers", "intro", "-").code());
        assertEquals(0, streamkitOn(own, null, "delete", "notes", "n1").code());
        Launcher.Run list = streamkitOn(own, null, "checkpoint", "list", "--json");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("\"name\" : \"" + name + "\"") && list.out().contains("\"reason\" : \"manual\""), list.out());

        Launcher.Run restore = streamkitOn(own, null, "checkpoint", "restore", name);
        assertEquals(0, restore.code(), restore.err());
        assertTrue(restore.out().contains("restored: 2 configs saved again, 0 deleted"), restore.out());
        assertTrue(streamkitOn(own, null, "get", "text-cyclers", "intro").out().contains("Before the show"));
        assertTrue(streamkitOn(own, null, "get", "notes", "n1").out().contains("Kept note"));

        java.util.regex.Matcher undo = java.util.regex.Pattern.compile("To undo: streamkit checkpoint restore (\\S+)").matcher(restore.out());
        assertTrue(undo.find(), restore.out());
        assertEquals(0, streamkitOn(own, null, "checkpoint", "restore", undo.group(1)).code());
        assertTrue(streamkitOn(own, null, "get", "text-cyclers", "intro").out().contains("Edited on air"));
        assertEquals(1, streamkitOn(own, null, "get", "notes", "n1").code(), "the undo deletes the note again");

        Launcher.Run bogus = streamkitOn(own, null, "checkpoint", "restore", "2031-01-01T00-00-00Z");
        assertEquals(1, bogus.code());
        assertTrue(bogus.err().contains("There is no checkpoint 2031-01-01T00-00-00Z"), bogus.err());
        assertEquals(2, streamkitOn(own, null, "checkpoint", "frobnicate").code());

        Launcher.Run held = streamkitOn(own, null, "held");
        assertEquals(0, held.code(), held.err());
        assertTrue(held.out().contains("No changes are held."), "nothing is on air here: " + held.out());
        assertTrue(streamkitOn(own, null, "apply").out().contains("Nothing was held."));

        // What goes where: the types a remote syncs, and a config kept on this machine.
        assertEquals(0, streamkitOn(own, null, "config", "set", "obs.syncTypes", "text-cyclers,layouts").code());
        assertTrue(streamkitOn(own, null, "config", "get", "obs.syncTypes").out().contains("text-cyclers,layouts"));
        Launcher.Run badTypes = streamkitOn(own, null, "config", "set", "obs.syncTypes", "Not A Type!");
        assertEquals(2, badTypes.code());
        assertTrue(badTypes.err().contains("obs.syncTypes cannot be 'Not A Type!'"), badTypes.err());
        assertEquals(0, streamkitOn(own, null, "config", "set", "obs.syncTypes", "all").code());
        assertTrue(streamkitOn(own, null, "config", "get", "obs.syncTypes").out().contains("all"));
        Launcher.Run keep = streamkitOn(own, null, "local", "text-cyclers", "intro", "on");
        assertEquals(0, keep.code(), keep.err());
        assertTrue(streamkitOn(own, null, "local").out().contains("text-cyclers/intro"));
        assertEquals(0, streamkitOn(own, null, "local", "text-cyclers", "intro", "off").code());
        assertTrue(streamkitOn(own, null, "local").out().contains("No config is kept on this machine only."));
    }

    @Test
    void aBackupImportsIntoAnotherWorkspaceOnceAndThenChangesNothing() throws Exception {
        Path other = Files.createTempDirectory(workspace.getParent(), "cli-other-workspace");
        Launcher.Run put = streamkitOn(other, "{\"name\": \"Backed up — ok\"}", "put", "notes", "backed-up", "-");
        assertEquals(0, put.code(), put.err());
        Path backup = other.getParent().resolve("other-backup.json");
        Launcher.Run export = streamkitOn(other, null, "export", backup.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.err().contains("Exported 1 configs"), export.err());
        assertTrue(Files.readString(backup).startsWith("{\n  \"configs\" : [ {"), Files.readString(backup));

        Path fresh = Files.createTempDirectory(workspace.getParent(), "cli-fresh-workspace");
        Launcher.Run imported = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.err().contains("Imported 1 of 1 configs"), imported.err());
        Launcher.Run get = streamkitOn(fresh, null, "get", "notes", "backed-up");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("Backed up — ok"), get.out());

        Launcher.Run again = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("Imported 0 of 1 configs"), "the same config is not saved again: " + again.err());

        Files.writeString(backup, "{\"configs\": [{\"type\": \"notes\", \"id\": \"../x\"}]}");
        Launcher.Run bad = streamkitOn(fresh, null, "import", backup.toString());
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.err().contains("config 1 is not valid"), bad.err());
    }

    @Test
    void theSignInServiceIsSetFromTheCommandLineAndAPlainHttpOneIsRefused() throws Exception {
        Path own = Files.createTempDirectory(workspace.getParent(), "cli-auth-workspace");
        assertEquals(0, streamkitOn(own, null, "remote", "cloud", "set", "http://127.0.0.1:9").code());
        assertEquals(0, streamkitOn(own, null, "remote", "cloud", "off").code(), "nothing is contacted");

        Launcher.Run set = streamkitOn(own, null, "remote", "cloud", "auth", "https://auth.example.org");
        assertEquals(0, set.code(), set.err());
        Launcher.Run shown = streamkitOn(own, null, "remote");
        assertTrue(shown.out().contains("sign-in service https://auth.example.org"), shown.out());

        Launcher.Run plain = streamkitOn(own, null, "remote", "cloud", "auth", "http://auth.example.org");
        assertEquals(2, plain.code(), plain.err());
        assertTrue(plain.err().contains("sign-in service URL") && plain.err().contains("unencrypted"), plain.err());
        assertTrue(streamkitOn(own, null, "remote").out().contains("sign-in service https://auth.example.org"),
                "a refused URL changes nothing");

        assertEquals(0, streamkitOn(own, null, "remote", "cloud", "auth", "default").code());
        Launcher.Run back = streamkitOn(own, null, "remote");
        assertTrue(back.out().contains("cloud  off") && !back.out().contains("sign-in service"), back.out());
    }

    @Test
    void everySettingIsSetAndReadByNameAndABadValueChangesNothing() throws Exception {
        Path own = Files.createTempDirectory(workspace.getParent(), "cli-config-workspace");
        assertEquals(0, streamkitOn(own, null, "config", "set", "sync.historyDepth", "7").code());
        assertEquals("7", streamkitOn(own, null, "config", "get", "sync.historyDepth").out().strip());
        assertEquals(0, streamkitOn(own, null, "config", "set", "obs.importLegacy", "true").code());
        Launcher.Run typesFirst = streamkitOn(own, null, "config", "set", "cloud.types", "notes, overlays");
        assertEquals(1, typesFirst.code(), "no cloud settings before its URL");
        assertTrue(typesFirst.err().contains("set the cloud's URL first"), typesFirst.err());
        assertEquals(0, streamkitOn(own, null, "config", "set", "cloud.url", "http://127.0.0.1:9").code());
        assertEquals(0, streamkitOn(own, null, "config", "set", "cloud.enabled", "false").code(), "nothing is contacted");
        assertEquals(0, streamkitOn(own, null, "config", "set", "cloud.types", "notes, overlays").code());

        Launcher.Run bad = streamkitOn(own, null, "config", "set", "obs.port", "70000");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("obs.port cannot be '70000': it is a whole number from 1 to 65535"), bad.err());
        Launcher.Run unknown = streamkitOn(own, null, "config", "set", "obs.colour", "red");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no setting 'obs.colour'"), unknown.err());

        assertTrue(Files.isDirectory(own.resolve(".metadata/.plugins/org.streamkit.sync/settings/org/streamkit")),
                "the workspace has settings of its own, not the install's");
        Launcher.Run all = streamkitOn(own, null, "config", "get", "--json");
        assertEquals(0, all.code(), all.err());
        assertTrue(all.out().contains("\"sync.historyDepth\" : \"7\"") && all.out().contains("\"obs.port\" : \"4455\"")
                && all.out().contains("\"obs.importLegacy\" : \"true\"") && all.out().contains("\"cloud.types\" : \"notes,overlays\""),
                "the values set, and the defaults of the rest, a bad value changing nothing: " + all.out());

        Launcher.Run password = streamkitOn(own, "s3cret-pass\n", "obs", "password", "--password-stdin");
        assertEquals(0, password.code(), password.err());
        assertTrue(streamkitOn(own, null, "remote").out().contains("password set"));
        try (var files = Files.walk(own)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertTrue(!new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains("s3cret-pass"),
                        "the password is in no file unencrypted: " + f);
            }
        }
    }

    @Test
    void badUsageExitsWithTwoAndBadInputWithOneAndAClearReason() throws Exception {
        Launcher.Run unknown = streamkit(null, "frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());

        Launcher.Run hostile = streamkit(null, "get", "notes", "../etc");
        assertEquals(2, hostile.code(), hostile.err());
        assertTrue(hostile.err().contains("slashes are not allowed"), hostile.err());

        Launcher.Run invalid = streamkit("{\"name\": \n oops}", "put", "notes", "n1", "-");
        assertEquals(1, invalid.code());
        assertTrue(invalid.err().contains("line 2"), invalid.err());
        assertEquals(1, invalid.err().strip().lines().count(), "one line on stderr: " + invalid.err());
    }
}
