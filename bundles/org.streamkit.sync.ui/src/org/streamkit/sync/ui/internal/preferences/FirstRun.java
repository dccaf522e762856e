package org.streamkit.sync.ui.internal.preferences;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.core.runtime.preferences.InstanceScope;
import org.osgi.service.prefs.BackingStoreException;

/**
 * The first start of the product in a workspace: nothing is configured yet, so it looks for OBS Studio on
 * this machine's default port and asks what to connect (see {@link FirstRunDialog}), instead of leaving the
 * OBS tier on where no OBS runs. Asked once per workspace; a workspace whose tiers were configured (by the
 * preference page or {@code streamkit remote}) is never asked. {@code -Dstreamkit.firstRun=false} skips it.
 */
public final class FirstRun {

    /** Where OBS Studio's WebSocket server listens unless configured otherwise. */
    public static final String OBS_HOST = "127.0.0.1"; //$NON-NLS-1$
    public static final int OBS_PORT = 4455;
    private static final String NODE = "org.streamkit.sync.ui"; //$NON-NLS-1$
    private static final String DONE = "firstRunDone"; //$NON-NLS-1$

    private FirstRun() {
    }

    /** @return whether this workspace has not been through the first run and has no tier configured */
    public static boolean needed() {
        if ("false".equals(System.getProperty("streamkit.firstRun")) || preferences().getBoolean(DONE, false)) { //$NON-NLS-1$ //$NON-NLS-2$
            return false;
        }
        try {
            return !StreamkitPreferencePage.withStore(SettingsStore::tiersConfigured);
        } catch (IOException | org.eclipse.equinox.security.storage.StorageException e) {
            return false; // settings that cannot be read are not a first run to offer
        }
    }

    /** Records that the first run was offered (whatever the user chose). */
    public static void done() {
        IEclipsePreferences node = preferences();
        node.putBoolean(DONE, true);
        try {
            node.flush();
        } catch (BackingStoreException e) {
            // Not kept: the question comes again at the next start, which is harmless.
        }
    }

    /** @return whether something accepts connections at the address within the time (OBS's WebSocket server) */
    public static boolean listening(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static IEclipsePreferences preferences() {
        return InstanceScope.INSTANCE.getNode(NODE);
    }
}
