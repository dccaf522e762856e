package org.streamkit.sync.ui.internal.preferences;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The fields of the Streamkit settings, plain SWT: the cloud (on or off, URL, sign-in token, debounce), OBS
 * Studio (on or off, host, port, password, debounce) and sync (conflict policy, history depth, periodic sync). The token
 * and the password are masked. Every change is checked as it is typed; {@link #error()} says in words
 * what is wrong with the first field that cannot be used.
 */
public final class SettingsForm {

    private final Composite control;
    private final Runnable changed;
    private final Button cloudEnabled;
    private final Text cloudUrl;
    private final Text cloudToken;
    private final Button signIn;
    private Runnable signInAction;
    private final Button signOut;
    private final Button encryption;
    private Runnable encryptionAction;
    private Runnable signOutAction;
    private final Text cloudDebounce;
    private final Button obsEnabled;
    private final Text obsHost;
    private final Text obsPort;
    private final Text obsPassword;
    private final Text obsDebounce;
    private final Button automatic;
    private final Button ask;
    private final Text historyDepth;
    private final Button holdWhileLive;
    private final Text cloudSyncTypes;
    private final Text obsSyncTypes;
    private final Text checkpointsKept;
    private final Text periodicSync;
    private final List<Control> inputs = new ArrayList<>();
    private boolean showing;

    /**
     * @param changed called on the UI thread after each change the user makes
     */
    public SettingsForm(Composite parent, Runnable changed) {
        this.changed = changed;
        control = new Composite(parent, SWT.NONE);
        GridLayoutFactory.fillDefaults().applyTo(control);

        Group cloud = group(Messages.Prefs_cloudGroup);
        cloudEnabled = check(cloud, Messages.Prefs_cloudEnabled);
        cloudUrl = text(cloud, Messages.Prefs_cloudUrl, SWT.NONE, Messages.Prefs_cloudUrlHint);
        new Label(cloud, SWT.NONE).setText(Messages.Prefs_cloudToken);
        cloudToken = new Text(cloud, SWT.BORDER | SWT.SINGLE | SWT.PASSWORD);
        cloudToken.setMessage(Messages.Prefs_cloudTokenHint);
        GridDataFactory.fillDefaults().grab(true, false).hint(260, SWT.DEFAULT).applyTo(cloudToken);
        watch(cloudToken);
        signIn = push(cloud, Messages.Prefs_signIn, Messages.Prefs_signInTip, () -> signInAction);
        new Label(cloud, SWT.NONE); // the sign-out button goes under the sign-in button
        new Label(cloud, SWT.NONE);
        signOut = push(cloud, Messages.Prefs_signOut, Messages.Prefs_signOutTip, () -> signOutAction);
        new Label(cloud, SWT.NONE); // and the encryption button under that
        new Label(cloud, SWT.NONE);
        encryption = push(cloud, Messages.Prefs_encryption, Messages.Prefs_encryptionTip, () -> encryptionAction);
        cloudDebounce = number(cloud, Messages.Prefs_debounce, Messages.Prefs_debounceUnit);
        cloudSyncTypes = text(cloud, Messages.Prefs_syncTypes, SWT.NONE, Messages.Prefs_syncTypesHint);
        note(cloud, Messages.Prefs_cloudNote);

        Group obs = group(Messages.Prefs_obsGroup);
        obsEnabled = check(obs, Messages.Prefs_obsEnabled);
        obsHost = text(obs, Messages.Prefs_obsHost, SWT.NONE, null);
        obsPort = number(obs, Messages.Prefs_obsPort, null);
        obsPassword = text(obs, Messages.Prefs_obsPassword, SWT.PASSWORD, Messages.Prefs_obsPasswordHint);
        obsDebounce = number(obs, Messages.Prefs_debounce, Messages.Prefs_debounceUnit);
        obsSyncTypes = text(obs, Messages.Prefs_syncTypes, SWT.NONE, Messages.Prefs_syncTypesHint);
        note(obs, Messages.Prefs_obsNote);

        Group sync = group(Messages.Prefs_syncGroup);
        Label conflicts = new Label(sync, SWT.NONE);
        conflicts.setText(Messages.Prefs_conflicts);
        GridDataFactory.fillDefaults().span(3, 1).applyTo(conflicts);
        automatic = radio(sync, Messages.Prefs_automatic);
        ask = radio(sync, Messages.Prefs_ask);
        historyDepth = number(sync, Messages.Prefs_historyDepth, Messages.Prefs_historyUnit);
        periodicSync = number(sync, Messages.Prefs_periodicSync, Messages.Prefs_periodicUnit);
        holdWhileLive = check(sync, Messages.Prefs_holdWhileLive);
        checkpointsKept = number(sync, Messages.Prefs_checkpointsKept, Messages.Prefs_checkpointsUnit);
        note(sync, Messages.Prefs_applyNote);
    }

    private Group group(String title) {
        Group group = new Group(control, SWT.NONE);
        group.setText(title);
        GridLayoutFactory.swtDefaults().numColumns(3).applyTo(group);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(group);
        return group;
    }

    private Text text(Composite parent, String label, int style, String hint) {
        new Label(parent, SWT.NONE).setText(label);
        Text text = new Text(parent, SWT.BORDER | SWT.SINGLE | style);
        if (hint != null) {
            text.setMessage(hint);
        }
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).hint(360, SWT.DEFAULT).applyTo(text);
        watch(text);
        return text;
    }

    private Text number(Composite parent, String label, String unit) {
        new Label(parent, SWT.NONE).setText(label);
        Text text = new Text(parent, SWT.BORDER | SWT.SINGLE | SWT.RIGHT);
        GridDataFactory.swtDefaults().hint(80, SWT.DEFAULT).applyTo(text);
        Label after = new Label(parent, SWT.NONE);
        after.setText(unit == null ? "" : unit); //$NON-NLS-1$
        GridDataFactory.fillDefaults().grab(true, false).align(SWT.FILL, SWT.CENTER).applyTo(after);
        watch(text);
        return text;
    }

    private Button radio(Composite parent, String label) {
        return button(parent, SWT.RADIO, label, 12);
    }

    /** A push button that runs the action {@code action} names when pressed (none until the page sets one). */
    private Button push(Composite parent, String label, String tip, Supplier<Runnable> action) {
        Button button = new Button(parent, SWT.PUSH);
        button.setText(label);
        button.setToolTipText(tip);
        button.addListener(SWT.Selection, e -> {
            Runnable run = action.get();
            if (run != null) {
                run.run();
            }
        });
        inputs.add(button);
        return button;
    }

    private Button check(Composite parent, String label) {
        return button(parent, SWT.CHECK, label, 0);
    }

    private Button button(Composite parent, int style, String label, int indent) {
        Button button = new Button(parent, style);
        button.setText(label);
        GridDataFactory.fillDefaults().span(3, 1).indent(indent, 0).applyTo(button);
        button.addListener(SWT.Selection, e -> changed());
        inputs.add(button);
        return button;
    }

    private void note(Composite parent, String text) {
        Label note = new Label(parent, SWT.WRAP);
        note.setText(text);
        GridDataFactory.fillDefaults().span(3, 1).grab(true, false).hint(480, SWT.DEFAULT).applyTo(note);
    }

    private void watch(Text text) {
        text.addModifyListener(e -> changed());
        inputs.add(text);
    }

    private void changed() {
        if (!showing) {
            changed.run();
        }
    }

    /** @return the form's top control */
    public Control control() {
        return control;
    }

    /** Fills the fields with these settings (no change is reported). */
    public void show(SyncSettings settings) {
        showing = true;
        try {
            cloudEnabled.setSelection(settings.cloudEnabled());
            cloudUrl.setText(settings.cloudUrl());
            cloudToken.setText(settings.cloudToken());
            cloudDebounce.setText(Long.toString(settings.cloudDebounceMs()));
            obsEnabled.setSelection(settings.obsEnabled());
            obsHost.setText(settings.obsHost());
            obsPort.setText(Integer.toString(settings.obsPort()));
            obsPassword.setText(settings.obsPassword());
            obsDebounce.setText(Long.toString(settings.obsDebounceMs()));
            automatic.setSelection(!settings.askOnConflict());
            ask.setSelection(settings.askOnConflict());
            historyDepth.setText(Integer.toString(settings.historyDepth()));
            periodicSync.setText(Integer.toString(settings.periodicSyncMinutes()));
            holdWhileLive.setSelection(settings.holdWhileLive());
            checkpointsKept.setText(Integer.toString(settings.checkpointsKept()));
            cloudSyncTypes.setText(settings.cloudSyncTypes());
            obsSyncTypes.setText(settings.obsSyncTypes());
        } finally {
            showing = false;
        }
    }

    /** Enables or disables every field (disabled while the settings are read or saved). */
    /** What the <i>Sign in…</i> button does (the page opens the sign-in dialog); without one it does nothing. */
    public void onSignIn(Runnable action) {
        this.signInAction = action;
    }

    /** Shows a token the user signed in with, as if loaded (it is saved already: this is no change to save). */
    public void signedIn(String accessToken) {
        showing = true;
        try {
            cloudToken.setText(accessToken);
        } finally {
            showing = false;
        }
    }

    /** What the <i>Sign out</i> button does (the page ends the sign-in); without one it does nothing. */
    public void onSignOut(Runnable action) {
        this.signOutAction = action;
    }

    /** What the <i>Encryption…</i> button does (the page asks for the passphrase); without one it does nothing. */
    public void onEncryption(Runnable action) {
        this.encryptionAction = action;
    }

    /** @return the <i>Encryption…</i> button */
    public Button encryptionButton() {
        return encryption;
    }

    /** @return the <i>Sign out</i> button */
    public Button signOutButton() {
        return signOut;
    }

    /** @return the <i>Sign in…</i> button */
    public Button signInButton() {
        return signIn;
    }

    public void setEnabled(boolean enabled) {
        inputs.forEach(c -> c.setEnabled(enabled));
    }

    /** @return what is wrong with the first field that cannot be used, or null when every field can */
    public String error() {
        String problem = SyncSettings.checkCloudUrl(cloudUrl.getText());
        if (problem == null && cloudEnabled.getSelection() && cloudUrl.getText().isBlank()) {
            problem = Messages.Prefs_urlMissing;
        }
        if (problem != null) {
            return NLS.bind(Messages.Prefs_field, Messages.Prefs_cloudUrlName, problem);
        }
        problem = SyncSettings.checkToken(cloudToken.getText());
        if (problem != null) {
            return NLS.bind(Messages.Prefs_field, Messages.Prefs_cloudTokenName, problem);
        }
        if (SyncSettings.number(cloudDebounce.getText(), 0, SyncSettings.MAX_DEBOUNCE_MS) == null) {
            return NLS.bind(Messages.Prefs_badNumber, new Object[] { Messages.Prefs_cloudDebounceName, 0, SyncSettings.MAX_DEBOUNCE_MS });
        }
        problem = SyncSettings.checkHost(obsHost.getText());
        if (problem != null) {
            return NLS.bind(Messages.Prefs_field, Messages.Prefs_obsHostName, problem);
        }
        if (SyncSettings.number(obsPort.getText(), 1, 65535) == null) {
            return NLS.bind(Messages.Prefs_badPort, obsPort.getText().strip());
        }
        if (SyncSettings.number(obsDebounce.getText(), 0, SyncSettings.MAX_DEBOUNCE_MS) == null) {
            return NLS.bind(Messages.Prefs_badNumber, new Object[] { Messages.Prefs_obsDebounceName, 0, SyncSettings.MAX_DEBOUNCE_MS });
        }
        if (SyncSettings.number(historyDepth.getText(), 1, SyncSettings.MAX_HISTORY) == null) {
            return NLS.bind(Messages.Prefs_badNumber, new Object[] { Messages.Prefs_historyName, 1, SyncSettings.MAX_HISTORY });
        }
        if (SyncSettings.number(periodicSync.getText(), 0, SyncSettings.MAX_PERIODIC_MINUTES) == null) {
            return NLS.bind(Messages.Prefs_badNumber, new Object[] { Messages.Prefs_periodicName, 0, SyncSettings.MAX_PERIODIC_MINUTES });
        }
        String types = SyncSettings.checkTypes(cloudSyncTypes.getText());
        if (types != null) {
            return NLS.bind(Messages.Prefs_field, Messages.Prefs_cloudSyncTypesName, types);
        }
        types = SyncSettings.checkTypes(obsSyncTypes.getText());
        if (types != null) {
            return NLS.bind(Messages.Prefs_field, Messages.Prefs_obsSyncTypesName, types);
        }
        if (SyncSettings.number(checkpointsKept.getText(), 1, SyncSettings.MAX_CHECKPOINTS) == null) {
            return NLS.bind(Messages.Prefs_badNumber, new Object[] { Messages.Prefs_checkpointsName, 1, SyncSettings.MAX_CHECKPOINTS });
        }
        return null;
    }

    /** @return a note about usable settings that may not do what the user wants, or null */
    public String warning() {
        if (cloudEnabled.getSelection() && cloudToken.getText().isBlank()) {
            return Messages.Prefs_noToken;
        }
        return null;
    }

    /** @return the settings as typed, or null when a field cannot be used ({@link #error()} says why) */
    public SyncSettings read() {
        if (error() != null) {
            return null;
        }
        return new SyncSettings(cloudEnabled.getSelection(), cloudUrl.getText(), cloudToken.getText(),
                SyncSettings.number(cloudDebounce.getText(), 0, SyncSettings.MAX_DEBOUNCE_MS), obsEnabled.getSelection(),
                obsHost.getText(),
                SyncSettings.number(obsPort.getText(), 1, 65535).intValue(), obsPassword.getText(),
                SyncSettings.number(obsDebounce.getText(), 0, SyncSettings.MAX_DEBOUNCE_MS), ask.getSelection(),
                SyncSettings.number(historyDepth.getText(), 1, SyncSettings.MAX_HISTORY).intValue(),
                SyncSettings.number(periodicSync.getText(), 0, SyncSettings.MAX_PERIODIC_MINUTES).intValue(),
                holdWhileLive.getSelection(),
                SyncSettings.number(checkpointsKept.getText(), 1, SyncSettings.MAX_CHECKPOINTS).intValue(),
                cloudSyncTypes.getText(), obsSyncTypes.getText());
    }

    // ------------------------------------------------------------------------------------------ for tests

    /** Turns the cloud on or off as a click on its check box would. */
    public void selectCloud(boolean on) {
        cloudEnabled.setSelection(on);
        changed();
    }

    /** Turns OBS on or off as a click on its check box would. */
    public void selectObs(boolean on) {
        obsEnabled.setSelection(on);
        changed();
    }

    public Button holdWhileLive() {
        return holdWhileLive;
    }

    /** Turns the hold while live on or off as a click on its check box would. */
    public void selectHoldWhileLive(boolean on) {
        holdWhileLive.setSelection(on);
        changed();
    }

    public Text cloudSyncTypes() {
        return cloudSyncTypes;
    }

    public Text obsSyncTypes() {
        return obsSyncTypes;
    }

    public Text checkpointsKept() {
        return checkpointsKept;
    }

    public Button cloudEnabled() {
        return cloudEnabled;
    }

    public Button obsEnabled() {
        return obsEnabled;
    }

    public Text cloudUrl() {
        return cloudUrl;
    }

    public Text cloudToken() {
        return cloudToken;
    }

    public Text cloudDebounce() {
        return cloudDebounce;
    }

    public Text obsHost() {
        return obsHost;
    }

    public Text obsPort() {
        return obsPort;
    }

    public Text obsPassword() {
        return obsPassword;
    }

    public Text obsDebounce() {
        return obsDebounce;
    }

    /** Chooses the conflict policy as a click on its radio button would. */
    public void selectAsk(boolean askOnConflict) {
        ask.setSelection(askOnConflict);
        automatic.setSelection(!askOnConflict);
        changed();
    }

    public Text historyDepth() {
        return historyDepth;
    }

    public Text periodicSync() {
        return periodicSync;
    }
}
