package org.streamkit.sync.ui.internal.preferences;

import java.io.IOException;

import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.Status;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.dialogs.PreferencesUtil;
import org.streamkit.sync.ui.internal.Messages;

/**
 * The first run of a workspace: says whether OBS Studio answers on this machine and offers to connect to it
 * (with its WebSocket password) or to leave OBS sync off, and offers the cloud sign-in on the preference
 * page. OK saves the choice through the same store as the preference page.
 */
public final class FirstRunDialog extends TitleAreaDialog {

    /** The id of the button that opens the preference page to sign in to the cloud. */
    public static final int CLOUD = IDialogConstants.CLIENT_ID + 1;

    private final boolean obsFound;
    private Button connect;
    private Button leaveOff;
    private Text password;
    private String saved;

    /** @param obsFound whether OBS Studio's WebSocket server answered on {@link FirstRun#OBS_HOST}:{@link FirstRun#OBS_PORT} */
    public FirstRunDialog(Shell parent, boolean obsFound) {
        super(parent);
        this.obsFound = obsFound;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(Messages.FirstRun_title);
    }

    @Override
    public void create() {
        super.create();
        setTitle(Messages.FirstRun_heading);
        setMessage(obsFound ? Messages.FirstRun_messageFound : Messages.FirstRun_messageNotFound);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        Composite body = new Composite(area, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(2).margins(12, 12).applyTo(body);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(body);

        Label obs = new Label(body, SWT.WRAP);
        obs.setText(obsFound ? NLS.bind(Messages.FirstRun_obsFound, FirstRun.OBS_HOST, FirstRun.OBS_PORT)
                : NLS.bind(Messages.FirstRun_obsNotFound, FirstRun.OBS_HOST, FirstRun.OBS_PORT));
        GridDataFactory.fillDefaults().span(2, 1).grab(true, false).hint(480, SWT.DEFAULT).applyTo(obs);
        connect = new Button(body, SWT.RADIO);
        connect.setText(Messages.FirstRun_connect);
        GridDataFactory.fillDefaults().span(2, 1).indent(0, 6).applyTo(connect);
        new Label(body, SWT.NONE).setText(Messages.Prefs_obsPassword);
        password = new Text(body, SWT.BORDER | SWT.SINGLE | SWT.PASSWORD);
        password.setMessage(Messages.Prefs_obsPasswordHint);
        GridDataFactory.fillDefaults().grab(true, false).hint(260, SWT.DEFAULT).applyTo(password);
        leaveOff = new Button(body, SWT.RADIO);
        leaveOff.setText(Messages.FirstRun_leaveOff);
        GridDataFactory.fillDefaults().span(2, 1).applyTo(leaveOff);
        connect.setSelection(obsFound);
        leaveOff.setSelection(!obsFound);
        connect.addListener(SWT.Selection, e -> password.setEnabled(connect.getSelection()));
        leaveOff.addListener(SWT.Selection, e -> password.setEnabled(connect.getSelection()));
        password.setEnabled(obsFound);

        Label cloud = new Label(body, SWT.WRAP);
        cloud.setText(Messages.FirstRun_cloud);
        GridDataFactory.fillDefaults().span(2, 1).grab(true, false).hint(480, SWT.DEFAULT).indent(0, 12).applyTo(cloud);
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, CLOUD, Messages.FirstRun_signIn, false);
        createButton(parent, IDialogConstants.OK_ID, IDialogConstants.OK_LABEL, true);
        createButton(parent, IDialogConstants.CANCEL_ID, Messages.FirstRun_later, false);
    }

    @Override
    protected void buttonPressed(int id) {
        if (id == CLOUD) {
            okPressed();
            PreferencesUtil.createPreferenceDialogOn(getParentShell(), StreamkitPreferencePage.ID, null, null).open();
            return;
        }
        super.buttonPressed(id);
    }

    @Override
    protected void okPressed() {
        boolean on = connect.getSelection();
        String typed = password.getText();
        try {
            StreamkitPreferencePage.withStore(store -> {
                SyncSettings before = store.load().settings();
                SyncSettings after = new SyncSettings(before.cloudEnabled(), before.cloudUrl(), before.cloudToken(),
                        before.cloudDebounceMs(), on, before.obsHost(), before.obsPort(), on ? typed : before.obsPassword(),
                        before.obsDebounceMs(), before.askOnConflict(), before.historyDepth(), before.periodicSyncMinutes(),
                        before.holdWhileLive(), before.checkpointsKept(), before.cloudSyncTypes(), before.obsSyncTypes());
                store.save(before, after);
                return null;
            });
            saved = on ? Messages.FirstRun_savedOn : Messages.FirstRun_savedOff;
        } catch (IOException | org.eclipse.equinox.security.storage.StorageException | RuntimeException e) {
            ILog.of(FirstRunDialog.class).log(Status.warning(NLS.bind(Messages.FirstRun_failed, e.getMessage()), e));
            setErrorMessage(NLS.bind(Messages.FirstRun_failed, e.getMessage()));
            return;
        }
        FirstRun.done();
        super.okPressed();
    }

    // ------------------------------------------------------------------------------------------ for tests

    public Button connectButton() {
        return connect;
    }

    public Button leaveOffButton() {
        return leaveOff;
    }

    public Text passwordText() {
        return password;
    }

    /** @return what OK saved, in words, or null */
    public String saved() {
        return saved;
    }
}
