package org.streamkit.sync.ui.internal.preferences;

import java.util.Arrays;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.IMessageProvider;
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
import org.streamkit.sync.tier.cloud.Encryption;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Asks for the passphrase of the cloud's end-to-end encryption: on the account's first device it is chosen
 * (typed twice, at least {@value Encryption#MIN_PASSPHRASE} characters), on the others entered once. Nothing is echoed.
 */
public final class PassphraseDialog extends TitleAreaDialog {

    private final boolean first;
    private Text passphrase;
    private Text again;
    private char[] typed;

    /** @param first whether the account has no key yet (the passphrase is chosen here) */
    public PassphraseDialog(Shell parent, boolean first) {
        super(parent);
        this.first = first;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(Messages.Encryption_title);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        setTitle(Messages.Encryption_title);
        setMessage(first ? NLS.bind(Messages.Encryption_choose, Encryption.MIN_PASSPHRASE) : Messages.Encryption_enter, IMessageProvider.INFORMATION);
        Composite body = new Composite(area, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(body);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(body);
        new Label(body, SWT.NONE).setText(Messages.Encryption_passphrase);
        passphrase = new Text(body, SWT.BORDER | SWT.SINGLE | SWT.PASSWORD);
        GridDataFactory.fillDefaults().grab(true, false).hint(300, SWT.DEFAULT).applyTo(passphrase);
        passphrase.addListener(SWT.Modify, e -> update());
        if (first) {
            new Label(body, SWT.NONE).setText(Messages.Encryption_again);
            again = new Text(body, SWT.BORDER | SWT.SINGLE | SWT.PASSWORD);
            GridDataFactory.fillDefaults().grab(true, false).applyTo(again);
            again.addListener(SWT.Modify, e -> update());
        }
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, Messages.Encryption_turnOn, true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        update();
    }

    private void update() {
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok == null || passphrase == null) {
            return;
        }
        String problem = null;
        if (first && passphrase.getText().length() < Encryption.MIN_PASSPHRASE) {
            problem = passphrase.getText().isEmpty() ? null : NLS.bind(Messages.Encryption_tooShort, Encryption.MIN_PASSPHRASE);
        } else if (first && !passphrase.getText().equals(again.getText())) {
            problem = again.getText().isEmpty() ? null : Messages.Encryption_differ;
        }
        setErrorMessage(problem);
        ok.setEnabled(problem == null && !passphrase.getText().isEmpty() && (!first || passphrase.getText().equals(again.getText())));
    }

    @Override
    protected void okPressed() {
        typed = passphrase.getText().toCharArray();
        super.okPressed();
    }

    /** @return the passphrase typed, once the dialog was closed with OK (the caller clears it after use); else null */
    public char[] passphrase() {
        return typed == null ? null : Arrays.copyOf(typed, typed.length);
    }

    /** @return the passphrase field */
    public Text passphraseField() {
        return passphrase;
    }

    /** @return the field that repeats a new passphrase, or null when the passphrase is entered, not chosen */
    public Text againField() {
        return again;
    }

    /** @return the button that turns encryption on */
    public Button okButton() {
        return getButton(IDialogConstants.OK_ID);
    }
}
