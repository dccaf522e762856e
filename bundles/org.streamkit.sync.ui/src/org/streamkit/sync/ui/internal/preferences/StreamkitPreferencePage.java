package org.streamkit.sync.ui.internal.preferences;

import java.io.IOException;
import java.util.List;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.eclipse.equinox.security.storage.StorageException;
import org.eclipse.jface.dialogs.IMessageProvider;
import org.eclipse.jface.preference.PreferencePage;
import org.eclipse.jface.window.Window;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPreferencePage;
import org.eclipse.ui.statushandlers.StatusManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.streamkit.sync.tier.cloud.CloudSignIn;
import org.streamkit.sync.tier.cloud.Encryption;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The "Streamkit" preference page: the {@link SettingsForm} on the settings that {@link SettingsStore}
 * reads from and writes to Configuration Admin and Eclipse Secure Storage. Reading (which may ask for
 * the Secure Storage password) and saving run in jobs, never on the UI thread; the form is disabled
 * until the settings are read. Saving restarts only the components whose settings changed.
 */
public final class StreamkitPreferencePage extends PreferencePage implements IWorkbenchPreferencePage {

    /** The page's id in {@code plugin.xml}. */
    public static final String ID = "org.streamkit.sync.ui.preferences"; //$NON-NLS-1$

    private SettingsForm form;
    /** The settings as read or last saved: what the next save compares with. Null until read. */
    private volatile SyncSettings current;
    private String loadWarning;
    private volatile Job saveJob;
    private volatile IStatus saveResult;

    @Override
    public void init(IWorkbench workbench) {
        setDescription(Messages.Prefs_description);
    }

    @Override
    protected Control createContents(Composite parent) {
        form = new SettingsForm(parent, this::validate);
        form.onSignIn(this::signIn);
        form.onSignOut(this::signOut);
        form.onEncryption(this::encryption);
        form.show(SyncSettings.DEFAULTS);
        form.setEnabled(false);
        setValid(false);
        // A message of type NONE would replace the page's title in the preference dialog's title area.
        setMessage(Messages.Prefs_loading, IMessageProvider.INFORMATION);
        Job load = Job.create(Messages.Prefs_loadJob, monitor -> {
            SubMonitor.convert(monitor, Messages.Prefs_loadJob, IProgressMonitor.UNKNOWN);
            try {
                SettingsStore.Loaded loaded = withStore(SettingsStore::load);
                ui(() -> loaded(loaded));
            } catch (IOException | StorageException | RuntimeException e) {
                ui(() -> setErrorMessage(NLS.bind(Messages.Prefs_loadFailed, e.getMessage())));
                return Status.warning(NLS.bind(Messages.Prefs_loadFailed, e.getMessage()), e);
            }
            return Status.OK_STATUS;
        });
        load.setSystem(true);
        load.schedule();
        return form.control();
    }

    private void loaded(SettingsStore.Loaded loaded) {
        current = loaded.settings();
        loadWarning = loaded.warning();
        form.show(loaded.settings());
        form.setEnabled(true);
        validate();
    }

    private void validate() {
        if (current == null) {
            return;
        }
        String error = form.error();
        setErrorMessage(error);
        setValid(error == null);
        String warning = form.warning();
        if (warning != null) {
            setMessage(warning, IMessageProvider.WARNING);
        } else if (loadWarning != null) {
            setMessage(loadWarning, IMessageProvider.WARNING);
        } else {
            setMessage(null);
        }
    }

    @Override
    protected void performDefaults() {
        if (current != null) {
            SyncSettings typed = form.read();
            form.show(SyncSettings.DEFAULTS.withAccountOf(typed != null ? typed : current));
            validate();
        }
        super.performDefaults();
    }

    @Override
    public boolean performOk() {
        SyncSettings before = current;
        if (before == null) {
            return true; // nothing was read, so nothing was changed
        }
        SyncSettings after = form.read();
        if (after == null) {
            return false;
        }
        if (!after.equals(before)) {
            save(before, after);
            current = after;
        }
        return true;
    }

    /**
     * <i>Sign in…</i>: the two steps of the sign-in service in a dialog; the sign-in is saved at once, as a
     * sign-in is an act, not a setting, and the page then shows the new token as what is in force.
     */
    private void signIn() {
        String url = form.cloudUrl().getText().strip();
        String problem = url.isEmpty() ? Messages.Prefs_urlMissing : SyncSettings.checkCloudUrl(url);
        if (problem != null) {
            setErrorMessage(NLS.bind(Messages.Prefs_signInNeedsUrl, problem));
            return;
        }
        String authUrl;
        try {
            authUrl = withStore(SettingsStore::authUrl);
        } catch (IOException | StorageException | RuntimeException e) {
            authUrl = ""; //$NON-NLS-1$ the default sign-in service
        }
        SignInDialog dialog = new SignInDialog(getShell(), url, authUrl);
        if (dialog.open() != Window.OK || dialog.accessToken() == null) {
            return;
        }
        String access = dialog.accessToken();
        String refresh = dialog.refreshToken();
        Job job = Job.create(Messages.Prefs_signInJob, monitor -> {
            try {
                withStore(store -> {
                    store.saveSignIn(access, refresh);
                    return null;
                });
                ui(() -> showSignIn(access, NLS.bind(Messages.Prefs_signedIn, dialog.account().email())));
            } catch (IOException | StorageException | RuntimeException e) {
                saveFailed(e);
            }
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    /**
     * <i>Sign out</i>: ends the sign-in at the sign-in service (its refresh tokens stop working) and forgets
     * both tokens on this machine at once, as <i>Sign in…</i> saves them at once. Without the service (offline,
     * no URL) the tokens are forgotten all the same, and the page says the service was not told.
     */
    private void signOut() {
        String url = form.cloudUrl().getText().strip();
        Job job = Job.create(Messages.Prefs_signOutJob, monitor -> {
            try {
                String message = withStore(store -> {
                    String access = store.accessToken();
                    if (access == null) {
                        return Messages.Prefs_notSignedIn;
                    }
                    String problem = url.isEmpty() ? Messages.Prefs_urlMissing : SyncSettings.checkCloudUrl(url);
                    boolean told = false;
                    if (problem == null) {
                        try (CloudSignIn service = new CloudSignIn(url, store.authUrl())) {
                            told = service.logout(access);
                        } catch (IllegalArgumentException e) {
                            problem = e.getMessage();
                        }
                        if (!told && problem == null) {
                            problem = url;
                        }
                    }
                    store.removeSignIn();
                    return told ? Messages.Prefs_signedOut : NLS.bind(Messages.Prefs_signedOutHere, problem);
                });
                ui(() -> showSignIn("", message)); //$NON-NLS-1$
            } catch (IOException | StorageException | RuntimeException e) {
                saveFailed(e);
            }
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    /**
     * <i>Encryption…</i>: asks for the passphrase of the cloud's end-to-end encryption (chosen on the account's
     * first device, entered once on the others) and turns it on for this device at once, as the command line's
     * {@code streamkit encryption on} does: like a sign-in, an act, not a setting. A wrong passphrase changes
     * nothing and says so.
     */
    private void encryption() {
        String url = form.cloudUrl().getText().strip();
        String problem = url.isEmpty() ? Messages.Prefs_urlMissing : SyncSettings.checkCloudUrl(url);
        if (problem != null) {
            setErrorMessage(NLS.bind(Messages.Prefs_encryptionNeedsUrl, problem));
            return;
        }
        Shell shell = getShell();
        Job job = Job.create(Messages.Prefs_encryptionJob, monitor -> {
            try (Encryption encryption = new Encryption(url, withStore(SettingsStore::authUrl), SecurePreferencesFactory.getDefault())) {
                boolean first = encryption.firstDevice();
                char[][] typed = new char[1][];
                shell.getDisplay().syncExec(() -> {
                    if (!shell.isDisposed()) {
                        PassphraseDialog dialog = new PassphraseDialog(shell, first);
                        if (dialog.open() == Window.OK) {
                            typed[0] = dialog.passphrase();
                        }
                    }
                });
                if (typed[0] == null) {
                    return Status.OK_STATUS;
                }
                try {
                    int sealed = encryption.turnOn(typed[0]);
                    Encryption.keyChanged();
                    ui(() -> {
                        setErrorMessage(null);
                        setMessage(NLS.bind(first ? Messages.Prefs_encryptionOn : Messages.Prefs_encryptionUnlocked, sealed),
                                IMessageProvider.INFORMATION);
                    });
                } finally {
                    java.util.Arrays.fill(typed[0], '\0');
                }
            } catch (Encryption.WrongPassphraseException | IllegalArgumentException e) {
                ui(() -> setErrorMessage(e.getMessage()));
            } catch (IOException | StorageException | org.streamkit.sync.api.StorageException | RuntimeException e) {
                ui(() -> setErrorMessage(NLS.bind(Messages.Prefs_encryptionFailed, e.getMessage())));
            }
            return Status.OK_STATUS;
        });
        job.schedule();
    }

    /**
     * Shows a sign-in saved or removed on the page (empty: none) as what is in force, and says so. UI thread.
     */
    private void showSignIn(String accessToken, String message) {
        form.signedIn(accessToken);
        if (current != null) {
            current = current.withCloudToken(accessToken);
        }
        validate();
        if (getErrorMessage() == null) {
            setMessage(message, IMessageProvider.INFORMATION);
        }
    }

    private static void saveFailed(Exception e) {
        IStatus failed = Status.error(NLS.bind(Messages.Prefs_saveFailed, e.getMessage()), e);
        StatusManager.getManager().handle(failed, StatusManager.SHOW | StatusManager.LOG);
    }

    private void save(SyncSettings before, SyncSettings after) {
        saveResult = null;
        Job job = Job.create(Messages.Prefs_saveJob, monitor -> {
            SubMonitor.convert(monitor, Messages.Prefs_saveJob, IProgressMonitor.UNKNOWN);
            IStatus result;
            try {
                List<String> written = withStore(store -> store.save(before, after));
                result = Status.info(NLS.bind(Messages.Prefs_saved, String.join(", ", written))); //$NON-NLS-1$
            } catch (IOException | StorageException | RuntimeException e) {
                // What failed is said in words; the secrets themselves are never in a message.
                result = Status.error(NLS.bind(Messages.Prefs_saveFailed, e.getMessage()), e);
                if (current == after) {
                    current = before; // not saved: the next Apply compares with what is still in force
                }
                StatusManager.getManager().handle(result, StatusManager.SHOW | StatusManager.LOG);
            }
            saveResult = result;
            return Status.OK_STATUS;
        });
        saveJob = job;
        job.schedule();
    }

    interface StoreCall<T> {
        T call(SettingsStore store) throws IOException, StorageException;
    }

    /** Runs a call on a store over the running Configuration Admin, held for the call only. */
    static <T> T withStore(StoreCall<T> call) throws IOException, StorageException {
        BundleContext context = FrameworkUtil.getBundle(StreamkitPreferencePage.class).getBundleContext();
        ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = reference == null ? null : context.getService(reference);
        if (admin == null) {
            throw new IOException(Messages.Prefs_noConfigAdmin);
        }
        try {
            return call.call(new SettingsStore(admin, SecurePreferencesFactory.getDefault()));
        } finally {
            context.ungetService(reference);
        }
    }

    private void ui(Runnable runnable) {
        Control control = form == null ? null : form.control();
        Display display = control == null || control.isDisposed() ? null : control.getDisplay();
        if (display == null || display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (!form.control().isDisposed()) {
                runnable.run();
            }
        });
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** @return the form (UI thread) */
    public SettingsForm form() {
        return form;
    }

    /** @return whether the settings have been read and shown */
    public boolean loaded() {
        return current != null;
    }

    /** @return the job of the last save, or null when nothing was saved */
    public Job saveJob() {
        return saveJob;
    }

    /** @return how the last save ended (its message lists what was written), or null while it runs */
    public IStatus saveResult() {
        return saveResult;
    }
}
