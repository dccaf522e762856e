package org.streamkit.sync.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamkit.sync.ui.tests.UiTests.configsView;
import static org.streamkit.sync.ui.tests.UiTests.page;
import static org.streamkit.sync.ui.tests.UiTests.press;
import static org.streamkit.sync.ui.tests.UiTests.whenOpens;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.swt.widgets.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.ui.internal.preferences.FirstRun;
import org.streamkit.sync.ui.internal.preferences.FirstRunDialog;
import org.streamkit.sync.ui.internal.preferences.SettingsStore;

/**
 * The first run of a workspace: OBS is looked for on this machine; found, the dialog offers to connect with
 * a password (kept in Secure Storage); not found, it leaves OBS sync off (so no config waits for an OBS that
 * is not there). Screenshots of the dialog and of the workbench as it opens go to the README.
 */
class FirstRunTest {

    private final ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admins = new ServiceTracker<>(
            FrameworkUtil.getBundle(FirstRunTest.class).getBundleContext(), ConfigurationAdmin.class, null);

    @AfterEach
    void forgetTheChoice() throws Exception {
        try {
            forget();
        } finally {
            admins.close();
        }
    }

    private void forget() throws Exception {
        Configuration obs = find(SettingsStore.OBS_PID);
        if (obs != null) {
            obs.delete();
        }
        ISecurePreferences secure = SecurePreferencesFactory.getDefault();
        secure.node(SettingsStore.OBS_NODE).removeNode();
        secure.flush();
    }

    @Test
    void obsIsFoundWhereSomethingListensOnItsPort() throws Exception {
        try (ServerSocket obs = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(FirstRun.listening("127.0.0.1", obs.getLocalPort(), Duration.ofSeconds(2)));
        }
        int closed;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = gone.getLocalPort();
        }
        assertFalse(FirstRun.listening("127.0.0.1", closed, Duration.ofSeconds(2)), "nothing listens on a closed port");
    }

    @Test
    void withOBSFoundTheDialogConnectsWithThePasswordKeptInSecureStorage() throws Exception {
        Shell shell = configsView().getSite().getShell();
        String password = "first-run-" + System.nanoTime();
        AtomicReference<String> saved = new AtomicReference<>();
        AtomicBoolean shot = new AtomicBoolean();
        AtomicBoolean passwordEnabled = new AtomicBoolean();
        AtomicBoolean opened = whenOpens(FirstRunDialog.class, dialog -> {
            passwordEnabled.set(dialog.connectButton().getSelection() && dialog.passwordText().isEnabled());
            dialog.passwordText().setText(password);
            try {
                shot.set(Files.size(UiTests.screenshot(dialog.getShell(), "first-run.png")) > 1000);
            } catch (Exception e) {
                shot.set(false);
            }
            press(dialog.getShell(), "OK");
            saved.set(dialog.saved());
        });
        new FirstRunDialog(shell, true).open();
        assertTrue(opened.get());
        assertTrue(passwordEnabled.get(), "found, Connect is chosen and the password can be typed");
        assertTrue(shot.get(), "a screenshot of the dialog was written");
        assertEquals("OBS sync is on.", saved.get());
        ISecurePreferences node = SecurePreferencesFactory.getDefault().node(SettingsStore.OBS_NODE);
        assertEquals(password, node.get(SettingsStore.OBS_PASSWORD, null));
        assertTrue(node.isEncrypted(SettingsStore.OBS_PASSWORD), "the password is stored encrypted");
        Configuration obs = find(SettingsStore.OBS_PID);
        assertTrue(obs == null || !Boolean.FALSE.equals(obs.getProperties().get(StorageTier.ENABLED)), "OBS sync stays on");
    }

    @Test
    void withoutOBSTheDialogLeavesOBSSyncOff() throws Exception {
        Shell shell = configsView().getSite().getShell();
        AtomicReference<String> saved = new AtomicReference<>();
        AtomicBoolean leaveOffChosen = new AtomicBoolean();
        AtomicBoolean opened = whenOpens(FirstRunDialog.class, dialog -> {
            leaveOffChosen.set(dialog.leaveOffButton().getSelection() && !dialog.passwordText().isEnabled());
            press(dialog.getShell(), "OK");
            saved.set(dialog.saved());
        });
        new FirstRunDialog(shell, false).open();
        assertTrue(opened.get());
        assertTrue(leaveOffChosen.get(), "not found, Leave OBS sync off is chosen");
        assertEquals("OBS sync is off.", saved.get());
        Configuration obs = find(SettingsStore.OBS_PID);
        assertEquals(Boolean.FALSE, obs.getProperties().get(StorageTier.ENABLED), "the OBS tier is turned off");
        assertNull(SecurePreferencesFactory.getDefault().node(SettingsStore.OBS_NODE).get(SettingsStore.OBS_PASSWORD, null));
    }

    @Test
    void theWorkbenchAsItOpens() throws Exception {
        Shell shell = configsView().getSite().getShell();
        shell.setBounds(0, 0, 1280, 800);
        page().closeAllEditors(false);
        page().resetPerspective();
        configsView().refresh();
        shell.setBounds(0, 0, 1280, 800);
        Path file = UiTests.screenshot(shell, "product-open.png");
        assertTrue(Files.size(file) > 1000, "a screenshot was written: " + file);
    }

    private Configuration find(String pid) throws Exception {
        admins.open();
        ConfigurationAdmin admin = admins.waitForService(Services.TIMEOUT.toMillis());
        Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found == null ? null : found[0];
    }
}
