package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.waitUntil;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Platform;
import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.jface.preference.PreferenceDialog;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchCommandConstants;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.dialogs.PreferencesUtil;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.editor.ConfigEditor;
import org.streamkit.sync.ui.internal.preferences.PassphraseDialog;
import org.streamkit.sync.ui.internal.preferences.SettingsForm;
import org.streamkit.sync.ui.internal.preferences.SettingsStore;
import org.streamkit.sync.ui.internal.preferences.SignInDialog;
import org.streamkit.sync.ui.internal.preferences.StreamkitPreferencePage;
import org.streamkit.sync.ui.internal.views.ConfigsView;
import org.streamkit.sync.ui.internal.views.NewConfigDialog;

/**
 * The Streamkit preference page in a real preference dialog: what it shows, how it checks what is typed,
 * and that saving applies at once: the settings land in Configuration Admin (the cloud tier appears and
 * signs in to a local Streamkit API server with the token; the coordinator restarts with its new policy),
 * the token and the OBS password land in Eclipse Secure Storage, encrypted, and in no file of the
 * workspace, the configuration area or the home folder. With the cloud set up on the page, a config made
 * in the Configs view and saved in the editor is stored locally at once, shows pending, then synced once the
 * local server has it.
 * <p>
 * The coordinator runs on a state folder of this test while it runs (set through Configuration Admin
 * before the page is opened, which also shows that the page keeps the properties it does not show), so
 * that the remote tiers it meets here are not remembered by the coordinator the other tests use.
 */
class PreferencesTest {

    private static final List<String> PIDS = List.of(SettingsStore.COORDINATOR_PID, SettingsStore.CLOUD_PID,
            SettingsStore.OBS_PID);

    private static StreamkitServer server;
    private static Path work;

    private final BundleContext context = Services.context(PreferencesTest.class);
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admins;
    private ConfigurationAdmin admin;
    /** Each PID's properties before the test (null: none), put back after it. */
    private final Map<String, Dictionary<String, Object>> before = new HashMap<>();
    private PreferenceDialog dialog;

    @BeforeAll
    static void startTheServer() throws IOException {
        work = Path.of(System.getProperty("streamkit.test.output", "target"), "preferences").toAbsolutePath();
        Files.createDirectories(work);
        // A data folder of this run's own: an account's key record from an earlier run would change what it sees.
        server = StreamkitServer.start(ServerConfig.builder(Files.createTempDirectory(work, "server")).host("127.0.0.1").port(0).build());
    }

    @AfterAll
    static void stopTheServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void runTheCoordinatorOnAStateFolderOfThisTest() throws Exception {
        admins = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        admins.open();
        admin = admins.waitForService(Services.TIMEOUT.toMillis());
        assertNotNull(admin, "Configuration Admin runs in the test runtime");
        for (String pid : PIDS) {
            Configuration configuration = find(pid);
            before.put(pid, configuration == null ? null : configuration.getProperties());
        }
        Path state = Files.createTempDirectory(work, "coordinator");
        Configuration coordinator = admin.getConfiguration(SettingsStore.COORDINATOR_PID, "?");
        coordinator.update(new Hashtable<>(Map.of("directory", state.toString())));
        Services.await(PreferencesTest.class, SyncCoordinator.class, "(directory=" + escape(state.toString()) + ")");
    }

    @AfterEach
    void putEverythingBack() throws Exception {
        if (dialog != null && dialog.getShell() != null && !dialog.getShell().isDisposed()) {
            dialog.close();
        }
        ISecurePreferences secure = SecurePreferencesFactory.getDefault();
        secure.node(SettingsStore.CLOUD_NODE).removeNode();
        secure.node(SettingsStore.OBS_NODE).removeNode();
        secure.flush();
        // The cloud tier first, then the coordinator it was a remote of.
        for (String pid : List.of(SettingsStore.CLOUD_PID, SettingsStore.OBS_PID, SettingsStore.COORDINATOR_PID)) {
            Configuration configuration = find(pid);
            Dictionary<String, Object> properties = before.get(pid);
            if (properties == null && configuration != null) {
                configuration.delete();
            } else if (properties != null) {
                admin.getConfiguration(pid, "?").update(properties);
            }
            if (pid.equals(SettingsStore.CLOUD_PID)) {
                waitUntil(() -> tierReference("cloud") == null, "the cloud tier is gone again");
            }
        }
        // Configuration Admin reports changes asynchronously: the next test's configuration must not
        // arrive before this one is handled. Without a configuration, the state folder is the default ("").
        waitUntil(() -> coordinatorReferences().stream().anyMatch(r -> "".equals(r.getProperty("directory"))),
                "the coordinator runs on its own state folder again");
        admins.close();
    }

    @Test
    void thePageChecksWhatIsTypedAndSavesTheTokenInSecureStorageOnlyAndTheRestInConfigurationAdmin()
            throws Exception {
        StreamkitPreferencePage page = open();
        SettingsForm form = page.form();

        // Nothing configured yet: the components' defaults (no cloud; OBS on this machine).
        assertFalse(form.cloudEnabled().getSelection());
        assertEquals("", form.cloudUrl().getText());
        assertTrue(form.obsEnabled().getSelection());
        assertEquals("127.0.0.1", form.obsHost().getText());
        assertEquals("4455", form.obsPort().getText());
        assertEquals("1000", form.cloudDebounce().getText());
        assertEquals("2000", form.obsDebounce().getText());
        assertEquals("20", form.historyDepth().getText());
        assertEquals("5", form.periodicSync().getText());
        assertTrue(form.holdWhileLive().getSelection(), "changes from elsewhere are held while live by default");
        assertEquals("10", form.checkpointsKept().getText());
        assertTrue(page.isValid());
        assertTrue((form.cloudToken().getStyle() & SWT.PASSWORD) != 0, "the token is masked");
        assertTrue((form.obsPassword().getStyle() & SWT.PASSWORD) != 0, "the OBS password is masked");

        // What cannot be used is refused with a reason, and the dialog cannot be closed with it.
        form.selectCloud(true);
        assertEquals("Cloud API URL: enter the URL of the Streamkit API, or turn the cloud off", page.getErrorMessage());
        form.cloudUrl().setText("http://api.example.com");
        assertFalse(page.isValid());
        assertTrue(page.getErrorMessage().contains("unencrypted"), page.getErrorMessage());
        assertFalse(okButton().isEnabled(), "OK is disabled while a field cannot be used");
        form.cloudUrl().setText("ftp://api.example.com");
        assertTrue(page.getErrorMessage().contains("https://"), page.getErrorMessage());
        form.cloudUrl().setText("https://api.example.com/v1");
        assertNull(page.getErrorMessage());
        assertTrue(page.getMessage().contains("No sign-in token"), "a URL without a token is a warning: " + page.getMessage());
        form.obsPort().setText("70000");
        assertEquals("OBS port: '70000' is not a port number (1\u201365535)", page.getErrorMessage());
        form.obsPort().setText("0");
        assertFalse(page.isValid());
        form.obsPort().setText("4460");
        form.historyDepth().setText("0");
        assertEquals("History depth: a whole number from 1 to 1000", page.getErrorMessage());
        form.historyDepth().setText("7");
        form.checkpointsKept().setText("0");
        assertEquals("Checkpoints kept: a whole number from 1 to 1000", page.getErrorMessage());
        form.checkpointsKept().setText("4");
        form.obsSyncTypes().setText("text-cyclers, Not A Type!");
        assertTrue(page.getErrorMessage().startsWith("Types synced with OBS: "), page.getErrorMessage());
        form.obsSyncTypes().setText("text-cyclers, layouts");
        form.selectHoldWhileLive(false);
        form.cloudToken().setText("two words");
        assertTrue(page.getErrorMessage().startsWith("Sign-in token: "), page.getErrorMessage());

        // Usable settings: a cloud on this machine (plain http is fine to loopback), a fresh token.
        String token = server.mintToken("prefs-streamer", Duration.ofHours(1));
        String obsPassword = "obs-secret-" + System.nanoTime();
        form.cloudUrl().setText(server.uri().toString());
        form.cloudToken().setText(token);
        form.cloudDebounce().setText("300");
        form.obsPassword().setText(obsPassword);
        form.obsDebounce().setText("2500");
        form.periodicSync().setText("9");
        assertTrue(page.isValid(), String.valueOf(page.getErrorMessage()));
        assertTrue(okButton().isEnabled());
        Path shot = UiTests.screenshot(dialog.getShell(), "preferences.png");
        assertTrue(Files.size(shot) > 1000, "a screenshot was written: " + shot);

        press(okButton());
        waitUntil(() -> page.saveResult() != null, "the settings are saved");
        assertTrue(page.saveResult().getSeverity() <= IStatus.INFO, page.saveResult().getMessage());

        // Secure Storage holds the secrets, encrypted with the test runtime's password file (no prompt).
        ISecurePreferences cloudNode = SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE);
        assertEquals(token, cloudNode.get(SettingsStore.ACCESS_TOKEN, null));
        assertTrue(cloudNode.isEncrypted(SettingsStore.ACCESS_TOKEN), "the token is stored encrypted");
        ISecurePreferences obsNode = SecurePreferencesFactory.getDefault().node(SettingsStore.OBS_NODE);
        assertEquals(obsPassword, obsNode.get(SettingsStore.OBS_PASSWORD, null));
        assertTrue(obsNode.isEncrypted(SettingsStore.OBS_PASSWORD));

        // Configuration Admin holds the rest; the coordinator keeps the property the page does not show.
        Dictionary<String, Object> cloud = find(SettingsStore.CLOUD_PID).getProperties();
        assertEquals(server.uri().toString(), cloud.get("url"));
        assertEquals(300L, ((Number) cloud.get(StorageTier.DEBOUNCE_MS)).longValue());
        Dictionary<String, Object> obs = find(SettingsStore.OBS_PID).getProperties();
        assertEquals(4460, ((Number) obs.get("port")).intValue());
        assertEquals("text-cyclers, layouts", obs.get(StorageTier.SYNC_TYPES), "OBS syncs the types typed");
        assertEquals(2500L, ((Number) obs.get(StorageTier.DEBOUNCE_MS)).longValue());
        assertNull(obs.get("host"), "a value left at its default is not written");
        Dictionary<String, Object> sync = find(SettingsStore.COORDINATOR_PID).getProperties();
        assertNull(sync.get("conflictPolicy"), "the policy stays at its default, so it is not written");
        assertEquals(7, ((Number) sync.get("historyDepth")).intValue());
        assertEquals(9, ((Number) sync.get("periodicSyncMinutes")).intValue());
        assertEquals(4, ((Number) sync.get("checkpointsKept")).intValue());
        assertEquals(Boolean.FALSE, sync.get("holdWhileLive"));
        assertNotNull(sync.get("directory"), "the page keeps the properties it does not show");

        // Applied without a restart: the cloud tier appears with its URL and debounce, the coordinator
        // restarts with its new settings, and the cloud tier signs in with the token from Secure Storage.
        waitUntil(() -> tierReference("cloud") != null, "the cloud tier is registered");
        assertEquals(300L, ((Number) tierReference("cloud").getProperty(StorageTier.DEBOUNCE_MS)).longValue());
        SyncCoordinator coordinator = Services.await(PreferencesTest.class, SyncCoordinator.class,
                "(&(historyDepth=7)(periodicSyncMinutes=9))");
        waitUntil(() -> coordinator.status().tiers().stream().anyMatch(t -> t.name().equals("cloud") && t.present()),
                "the coordinator uses the cloud tier");
        ConfigKey key = new ConfigKey("notes", "prefs-signed-in-" + System.nanoTime());
        coordinator.put(key, ConfigJson.newObject().put("name", "Sent with the saved token"));
        coordinator.syncNow();
        waitUntil(() -> coordinator.state(key, "cloud") == SyncState.SYNCED,
                "the config reaches the server, which accepts only a valid token");
        coordinator.delete(key);
        coordinator.syncNow();
        waitUntil(() -> coordinator.state(key, "cloud") == SyncState.SYNCED, "the deletion reaches the server");

        // No file holds a secret in clear: not the workspace, the configuration area (where Configuration
        // Admin keeps its files), the home folder, nor the Secure Storage file itself.
        Path instance = location(Platform.getInstanceLocation().getURL());
        Path configuration = location(Platform.getConfigurationLocation().getURL());
        Path home = Path.of(System.getProperty("user.home"));
        Path keyring = Path.of(System.getProperty("streamkit.test.output", "target"), "secure_storage");
        assertTrue(Files.isRegularFile(keyring), "the test runtime's Secure Storage is under target/: " + keyring);
        assertTrue(home.startsWith(Path.of(System.getProperty("streamkit.test.output", "target")).toAbsolutePath()),
                "the test runtime's home folder is under target/: " + home);
        List<Path> scanned = new ArrayList<>();
        for (Path root : List.of(instance, configuration, home, keyring)) {
            for (Path file : files(root)) {
                scanned.add(file);
                String content = read(file);
                assertFalse(content.contains(token), "the token is in " + file);
                assertFalse(content.contains(obsPassword), "the OBS password is in " + file);
            }
        }
        assertTrue(scanned.stream().anyMatch(f -> contains(f, server.uri().toString())),
                "the scan reads the files where Configuration Admin keeps the cloud URL (" + scanned.size() + " files)");

        // Opened again, the page shows what is saved.
        dialog.close();
        StreamkitPreferencePage again = open();
        assertEquals(server.uri().toString(), again.form().cloudUrl().getText());
        assertEquals(token, again.form().cloudToken().getText());
        assertEquals("4460", again.form().obsPort().getText());
        assertEquals("7", again.form().historyDepth().getText());

        // A config saved while working offline waits for the cloud.
        coordinator.workOffline(true);
        ConfigKey waiting = new ConfigKey("notes", "prefs-made-while-off-" + System.nanoTime());
        coordinator.put(waiting, ConfigJson.newObject().put("name", "Made while the cloud waits"));
        assertEquals(SyncState.OFFLINE, coordinator.state(waiting, "cloud"));

        // Turned off, with the token removed: the URL stays, the tier registers as off, the coordinator drops
        // what waited for it and shows it nowhere. The policy becomes "ask" in the same save.
        again.form().selectCloud(false);
        again.form().cloudToken().setText("");
        again.form().selectAsk(true);
        assertNull(again.getMessage(), "no warning about a token for a cloud that is off");
        press(okButton());
        waitUntil(() -> again.saveResult() != null, "the settings are saved again");
        assertEquals("ask", find(SettingsStore.COORDINATOR_PID).getProperties().get("conflictPolicy"));
        SyncCoordinator asking = Services.await(PreferencesTest.class, SyncCoordinator.class, "(conflictPolicy=ask)");
        Dictionary<String, Object> off = find(SettingsStore.CLOUD_PID).getProperties();
        assertEquals(Boolean.FALSE, off.get(StorageTier.ENABLED));
        assertEquals(server.uri().toString(), off.get("url"), "the URL is kept for the day the cloud is on again");
        waitUntil(() -> tierReference("cloud") != null
                && Boolean.FALSE.equals(tierReference("cloud").getProperty(StorageTier.ENABLED)), "the tier registers as off");
        waitUntil(() -> asking.status().tiers().stream().noneMatch(t -> t.name().equals("cloud")),
                "the coordinator leaves the cloud out");
        assertTrue(asking.outbox().stream().noneMatch(w -> w.tier().equals("cloud")), "nothing waits for the cloud");
        assertEquals(SyncState.SYNCED, asking.state(waiting, "cloud"));
        assertNull(SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE).get(SettingsStore.ACCESS_TOKEN, null));
        assertEquals(4460, ((Number) find(SettingsStore.OBS_PID).getProperties().get("port")).intValue(),
                "what was not changed stays");
        asking.workOffline(false);

        // Turned on again with a token: the cloud is read from the beginning and gets what it lacks.
        StreamkitPreferencePage third = open();
        assertFalse(third.form().cloudEnabled().getSelection());
        assertEquals(server.uri().toString(), third.form().cloudUrl().getText());
        third.form().selectCloud(true);
        third.form().cloudToken().setText(server.mintToken("prefs-streamer", Duration.ofHours(1)));
        press(okButton());
        waitUntil(() -> third.saveResult() != null, "the settings are saved a third time");
        waitUntil(() -> asking.status().tiers().stream().anyMatch(t -> t.name().equals("cloud") && t.present()),
                "the coordinator uses the cloud again");
        waitUntil(() -> asking.state(waiting, "cloud") == SyncState.SYNCED && cloudHas(waiting),
                "the config made while the cloud was off reaches the server");
        asking.delete(waiting);
        asking.syncNow();
        waitUntil(() -> asking.state(waiting, "cloud") == SyncState.SYNCED, "the deletion reaches the server");
    }

    @Test
    void signInWithAMailedCodeSavesTheSignInAtOnceAndShowsIt() throws Exception {
        StreamkitPreferencePage page = open();
        SettingsForm form = page.form();
        form.cloudUrl().setText(server.uri().toString());
        String email = "prefs-" + System.nanoTime() + "@example.com";
        Path mailbox = server.config().dataFolder().resolve("mailbox.jsonl");
        List<String> seen = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Display display = Display.getCurrent();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int[] step = { 0 };
        Runnable[] drive = new Runnable[1];
        drive[0] = () -> {
            SignInDialog signIn = null;
            for (Shell shell : display.getShells()) {
                if (shell.getData() instanceof SignInDialog d && shell.isVisible()) {
                    signIn = d;
                }
            }
            if (signIn == null) {
                if (step[0] < 4 && System.nanoTime() < deadline) {
                    display.timerExec(50, drive[0]);
                }
                return;
            }
            try {
                String code = mailedCode(mailbox, email);
                if (step[0] == 0) { // the address, then Send code
                    signIn.emailField().setText(email);
                    UiTests.press(signIn.getShell(), "Send code");
                    step[0] = 1;
                } else if (step[0] == 1 && code != null && !signIn.busy()) { // a wrong code first
                    signIn.codeField().setText(code.equals("111111111") ? "222222222" : "111111111");
                    UiTests.press(signIn.getShell(), "Sign in");
                    step[0] = 2;
                } else if (step[0] == 2 && !signIn.busy() && signIn.shownError() != null) {
                    seen.add(signIn.shownError());
                    signIn.codeField().setText(code);
                    UiTests.press(signIn.getShell(), "Sign in");
                    step[0] = 3;
                } else if (System.nanoTime() > deadline) {
                    failure.set("the sign-in did not finish; step " + step[0] + ", shown: " + signIn.shownError());
                    signIn.close();
                    return;
                }
            } catch (RuntimeException e) {
                failure.set(e.toString());
                signIn.close();
                return;
            }
            display.timerExec(50, drive[0]);
        };
        display.timerExec(50, drive[0]);
        press(form.signInButton()); // opens the dialog; returns when it closed
        step[0] = 4;
        assertNull(failure.get(), failure.get());
        assertEquals(List.of("Wrong code; 4 tries left"), seen, "a wrong code says how many tries are left");

        ISecurePreferences cloudNode = SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE);
        waitUntil(() -> {
            try {
                return cloudNode.get(SettingsStore.ACCESS_TOKEN, null) != null;
            } catch (org.eclipse.equinox.security.storage.StorageException e) {
                return false;
            }
        }, "the sign-in is saved at once");
        String access = cloudNode.get(SettingsStore.ACCESS_TOKEN, null);
        assertNotNull(cloudNode.get(SettingsStore.REFRESH_TOKEN, null), "with its refresh token");
        assertTrue(cloudNode.isEncrypted(SettingsStore.ACCESS_TOKEN) && cloudNode.isEncrypted(SettingsStore.REFRESH_TOKEN));
        waitUntil(() -> access.equals(form.cloudToken().getText()), "the page shows the new token");
        assertTrue(page.getMessage().contains("Signed in as " + email), page.getMessage());

        // Nothing else changed, so OK writes nothing more; the refresh token stays.
        press(okButton());
        waitUntil(() -> page.saveResult() != null || dialog.getShell() == null || dialog.getShell().isDisposed(), "the page closed");
        assertNotNull(SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE).get(SettingsStore.REFRESH_TOKEN, null),
                "OK did not take the new token for a pasted one");
    }

    @Test
    void signOutEndsTheSignInAtTheServiceAndForgetsItsTokensAtOnce() throws Exception {
        // A sign-in made at the local server the way Sign in… makes it, saved where the page keeps it.
        String email = "signout-" + System.nanoTime() + "@example.com";
        Path mailbox = server.config().dataFolder().resolve("mailbox.jsonl");
        java.net.http.HttpResponse<String> asked = post("/auth/request-otp", ConfigJson.newObject().put("email", email));
        assertEquals(200, asked.statusCode(), asked.body());
        String code = mailedCode(mailbox, email);
        assertNotNull(code, "a code was mailed");
        java.net.http.HttpResponse<String> verified = post("/auth/verify-otp",
                ConfigJson.newObject().put("email", email).put("otp", code));
        assertEquals(200, verified.statusCode(), verified.body());
        com.fasterxml.jackson.databind.JsonNode tokens = new com.fasterxml.jackson.databind.ObjectMapper().readTree(verified.body());
        String access = tokens.path("access_token").asText();
        String refresh = tokens.path("refresh_token").asText();
        ISecurePreferences cloudNode = SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE);
        cloudNode.put(SettingsStore.ACCESS_TOKEN, access, true);
        cloudNode.put(SettingsStore.REFRESH_TOKEN, refresh, true);
        cloudNode.flush();

        StreamkitPreferencePage page = open();
        SettingsForm form = page.form();
        form.cloudUrl().setText(server.uri().toString());
        assertEquals(access, form.cloudToken().getText(), "the page shows the sign-in");
        press(form.signOutButton());

        waitUntil(() -> {
            try {
                return cloudNode.get(SettingsStore.ACCESS_TOKEN, null) == null && cloudNode.get(SettingsStore.REFRESH_TOKEN, null) == null;
            } catch (org.eclipse.equinox.security.storage.StorageException e) {
                return false;
            }
        }, "both tokens are forgotten at once, without OK");
        waitUntil(() -> form.cloudToken().getText().isEmpty(), "the page shows no token");
        waitUntil(() -> page.getMessage() != null && page.getMessage().startsWith("Signed out: the sign-in ended at the service"),
                "the page says the service ended the sign-in");
        java.net.http.HttpResponse<String> again = post("/auth/refresh", ConfigJson.newObject().put("refresh_token", refresh));
        assertEquals(401, again.statusCode(), "the service no longer takes the refresh token: " + again.body());

        // Signed out, a second Sign out says there is nothing to end.
        press(form.signOutButton());
        waitUntil(() -> "Not signed in to the cloud.".equals(page.getMessage()), "a second sign-out says so");
    }

    /** Posts JSON to the local server, as the sign-in service's clients do. */
    private static java.net.http.HttpResponse<String> post(String route, com.fasterxml.jackson.databind.JsonNode body)
            throws IOException, InterruptedException {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(java.net.http.HttpRequest.newBuilder(server.uri().resolve(route))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        }
    }

    /** @return the newest code mailed to an address, or null */
    private static String mailedCode(Path mailbox, String email) {
        try {
            if (!Files.exists(mailbox)) {
                return null;
            }
            String code = null;
            for (String line : Files.readAllLines(mailbox)) {
                com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
                if (m.path("to").asText().equals(email)) {
                    code = m.path("code").asText();
                }
            }
            return code;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void turningObsOffKeepsItsSettingsAndMarksItsConfigurationOff() throws Exception {
        StreamkitPreferencePage page = open();
        page.form().selectObs(false);
        page.form().obsHost().setText("obs-box.local");
        press(okButton());
        waitUntil(() -> page.saveResult() != null, "the settings are saved");
        assertEquals("Saved: " + SettingsStore.OBS_PID, page.saveResult().getMessage());
        Dictionary<String, Object> obs = find(SettingsStore.OBS_PID).getProperties();
        assertEquals(Boolean.FALSE, obs.get(StorageTier.ENABLED));
        assertEquals("obs-box.local", obs.get("host"));
        dialog.close();

        StreamkitPreferencePage again = open();
        assertFalse(again.form().obsEnabled().getSelection());
        assertEquals("obs-box.local", again.form().obsHost().getText());
        again.form().selectObs(true);
        press(okButton());
        waitUntil(() -> again.saveResult() != null, "the settings are saved again");
        assertEquals(Boolean.TRUE, find(SettingsStore.OBS_PID).getProperties().get(StorageTier.ENABLED));
    }

    @Test
    void changingOnlyTheObsPortWritesOnlyTheObsConfiguration() throws Exception {
        long coordinatorChanges = find(SettingsStore.COORDINATOR_PID).getChangeCount();
        StreamkitPreferencePage page = open();
        page.form().obsPort().setText("4461");
        press(okButton());
        waitUntil(() -> page.saveResult() != null, "the settings are saved");
        assertEquals("Saved: " + SettingsStore.OBS_PID, page.saveResult().getMessage());
        assertEquals(4461, ((Number) find(SettingsStore.OBS_PID).getProperties().get("port")).intValue());
        assertEquals(coordinatorChanges, find(SettingsStore.COORDINATOR_PID).getChangeCount(),
                "the coordinator keeps running: its settings did not change");
        assertNull(find(SettingsStore.CLOUD_PID), "no cloud configuration is made without a URL");
    }

    @Test
    void aConfigMadeInTheWorkbenchIsStoredAndGoesFromPendingToSyncedOnTheLocalServer() throws Exception {
        // The cloud is set up as a user does it: on the preference page, with a debounce long enough to watch.
        StreamkitPreferencePage page = open();
        page.form().selectCloud(true);
        page.form().cloudUrl().setText(server.uri().toString());
        page.form().cloudToken().setText(server.mintToken("view-streamer", Duration.ofHours(1)));
        page.form().cloudDebounce().setText("1500");
        press(okButton());
        waitUntil(() -> page.saveResult() != null, "the settings are saved");
        assertTrue(page.saveResult().getSeverity() <= IStatus.INFO, page.saveResult().getMessage());
        SyncCoordinator coordinator = Services.await(PreferencesTest.class, SyncCoordinator.class, null);
        waitUntil(() -> coordinator.status().tiers().stream().anyMatch(t -> t.name().equals("cloud") && t.present()),
                "the coordinator uses the cloud tier");

        // New in the Configs view: the editor opens on it; the JSON is edited and saved with Ctrl+S.
        ConfigsView view = UiTests.configsView();
        view.tree().viewer().setSelection(StructuredSelection.EMPTY);
        String id = "view-to-server-" + Long.toString(System.nanoTime(), 36);
        ConfigKey key = new ConfigKey("text-cyclers", id);
        AtomicBoolean driven = UiTests.whenOpens(NewConfigDialog.class, dialog -> {
            dialog.typeField().setText(key.type());
            dialog.idField().setText(key.id());
            dialog.nameField().setText("Raid reminders");
            dialog.okButton().notifyListeners(SWT.Selection, new Event());
        });
        view.action(ConfigsView.ACTION_NEW).run();
        assertTrue(driven.get(), "the New dialog opened");
        waitUntil(() -> UiTests.page().getActiveEditor() instanceof ConfigEditor e && e.key().equals(key) && e.loaded(),
                "the new config opens in the editor");
        ConfigEditor editor = (ConfigEditor) UiTests.page().getActiveEditor();
        editor.form().textWidget().setText("{\n  \"name\": \"Raid reminders\",\n  \"lines\": [\"Raid at 22:00 — café\"],\n"
                + "  \"intervalMs\": 6000\n}\n");
        assertTrue(editor.isDirty());
        // Meanwhile the new config reaches the server, which stamps it anew: the same content is not a
        // change made elsewhere, so the editor neither asks nor refuses the save.
        waitUntil(() -> coordinator.state(key, "cloud") == SyncState.SYNCED, "the new config reaches the server");
        UiTests.settle(300);
        assertEquals("", editor.form().infoText(), "nothing to resolve");
        editor.getSite().getService(IHandlerService.class).executeCommand(IWorkbenchCommandConstants.FILE_SAVE, null);
        assertFalse(editor.isDirty(), "saved by the Save command");

        // Stored at once in the primary local store; pending for the cloud while its debounce runs.
        StorageTier xodus = Services.tier(PreferencesTest.class, "xodus");
        assertEquals(6000, xodus.get(key).orElseThrow().body().get("intervalMs").asInt());
        waitUntil(() -> rowState(view, key) == SyncState.PENDING, "the config shows pending for the cloud");
        assertEquals(SyncState.PENDING, coordinator.state(key, "cloud"));
        // Then synced: the debounced write reaches the local server, and the view follows the state event.
        waitUntil(() -> rowState(view, key) == SyncState.SYNCED, "the config shows synced with the cloud");
        StorageTier cloud = Services.tier(PreferencesTest.class, "cloud");
        assertEquals("Raid at 22:00 — café", cloud.get(key).orElseThrow().body().get("lines").get(0).asText(),
                "the server holds the saved version");
        UiTests.page().closeAllEditors(false);
        coordinator.delete(key);
        coordinator.syncNow();
        waitUntil(() -> coordinator.state(key, "cloud") == SyncState.SYNCED, "the deletion reaches the server");
    }

    @Test
    void encryptionIsTurnedOnFromThePageWithAPassphraseAndTheServerGetsOnlyCiphertext() throws Exception {
        // Signed in on the page (an account of its own, so no other test meets its key record).
        StreamkitPreferencePage page = open();
        page.form().selectCloud(true);
        page.form().cloudUrl().setText(server.uri().toString());
        String token = server.mintToken("encrypting-streamer", Duration.ofHours(1));
        page.form().cloudToken().setText(token);
        press(okButton());
        waitUntil(() -> page.saveResult() != null, "the settings are saved");
        SyncCoordinator coordinator = Services.await(PreferencesTest.class, SyncCoordinator.class, null);
        waitUntil(() -> coordinator.status().tiers().stream().anyMatch(t -> t.name().equals("cloud") && t.present()),
                "the coordinator uses the cloud tier");

        // Encryption…: the account's first device chooses the passphrase, typed twice.
        StreamkitPreferencePage again = open();
        AtomicBoolean asked = UiTests.whenOpens(PassphraseDialog.class, d -> {
            assertNotNull(d.againField(), "a new passphrase is typed twice");
            d.passphraseField().setText("streamer's long passphrase");
            d.againField().setText("streamer's long passphrase");
            assertTrue(d.okButton().isEnabled(), "the two agree");
            d.okButton().notifyListeners(SWT.Selection, new Event());
        });
        press(again.form().encryptionButton());
        waitUntil(asked::get, "the passphrase is asked for");
        waitUntil(() -> again.getMessage() != null && again.getMessage().startsWith("End-to-end encryption is on")
                || again.getErrorMessage() != null, "encryption is turned on");
        assertNull(again.getErrorMessage());
        ISecurePreferences cloudSecrets = SecurePreferencesFactory.getDefault().node(SettingsStore.CLOUD_NODE);
        assertTrue(cloudSecrets.isEncrypted("encryptionKey"), "the key is kept in Secure Storage, encrypted");

        // A config made now reaches the server sealed: the running cloud tier took the key at once.
        ConfigKey key = new ConfigKey("notes", "sealed-" + Long.toString(System.nanoTime(), 36));
        coordinator.put(key, ConfigJson.newObject().put("text", "sponsor code ZEBRA-4471"));
        coordinator.syncNow();
        waitUntil(() -> coordinator.state(key, "cloud") == SyncState.SYNCED, "the config reaches the server");
        java.net.http.HttpResponse<String> stored = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.uri().resolve("/configs/notes/" + key.id()))
                        .header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stored.statusCode());
        assertFalse(stored.body().contains("ZEBRA-4471"), "the server holds no plaintext: " + stored.body());
        assertTrue(stored.body().contains("\"e\""), "but the sealed body: " + stored.body());
        assertEquals("sponsor code ZEBRA-4471", Services.tier(PreferencesTest.class, "cloud").get(key).orElseThrow().body()
                .get("text").asText(), "which this device opens");
        coordinator.delete(key);
        coordinator.syncNow();
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** @return whether the local server holds a live version of the config, read through the cloud tier */
    private boolean cloudHas(ConfigKey key) {
        ServiceReference<StorageTier> reference = tierReference("cloud");
        StorageTier cloud = reference == null ? null : context.getService(reference);
        try {
            return cloud != null && cloud.get(key).filter(d -> !d.deleted()).isPresent();
        } catch (org.streamkit.sync.api.StorageException e) {
            return false;
        } finally {
            if (cloud != null) {
                context.ungetService(reference);
            }
        }
    }

    /** @return the state the Configs view shows for a config with the cloud (other tests may add remote tiers) */
    private static SyncState rowState(ConfigsView view, ConfigKey key) {
        return view.rows().stream().filter(r -> r.key().equals(key)).findFirst().map(r -> r.sync().tiers().get("cloud"))
                .orElse(null);
    }


    private StreamkitPreferencePage open() throws InterruptedException {
        Shell workbench = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
        dialog = PreferencesUtil.createPreferenceDialogOn(workbench, StreamkitPreferencePage.ID,
                new String[] { StreamkitPreferencePage.ID }, null);
        assertNotNull(dialog, "the page is registered");
        dialog.setBlockOnOpen(false);
        dialog.open();
        Shell shell = dialog.getShell();
        Point size = shell.computeSize(SWT.DEFAULT, SWT.DEFAULT);
        shell.setBounds(40, 40, Math.max(size.x, 900), Math.max(size.y, 700));
        StreamkitPreferencePage page = (StreamkitPreferencePage) dialog.getSelectedPage();
        assertNotNull(page);
        waitUntil(page::loaded, "the page shows the settings");
        return page;
    }

    private Button okButton() {
        Button ok = dialog.getShell().getDefaultButton();
        assertNotNull(ok, "the dialog has a default button (Apply and Close)");
        return ok;
    }

    private static void press(Button button) {
        assertTrue(button.isEnabled(), button.getText() + " is enabled");
        button.notifyListeners(SWT.Selection, new Event());
    }

    private Configuration find(String pid) throws IOException, InvalidSyntaxException {
        Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found == null ? null : found[0];
    }

    private ServiceReference<StorageTier> tierReference(String name) {
        try {
            return context.getServiceReferences(StorageTier.class, "(" + StorageTier.TIER_NAME + "=" + name + ")")
                    .stream().findFirst().orElse(null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private List<ServiceReference<?>> coordinatorReferences() {
        try {
            ServiceReference<?>[] found = context.getAllServiceReferences(SyncCoordinator.class.getName(), null);
            return found == null ? List.of() : List.of(found);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Path location(java.net.URL url) {
        return new File(url.getFile()).toPath().toAbsolutePath();
    }

    private static List<Path> files(Path root) throws IOException {
        if (Files.isRegularFile(root)) {
            return List.of(root);
        }
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(f -> {
                try {
                    return Files.size(f) < 256L * 1024 * 1024;
                } catch (IOException e) {
                    return false; // gone while walking
                }
            }).toList();
        }
    }

    private static boolean contains(Path file, String text) {
        return read(file).contains(text);
    }

    /** @return a file's bytes as text, or nothing when it went away while the folder was walked */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }
}
