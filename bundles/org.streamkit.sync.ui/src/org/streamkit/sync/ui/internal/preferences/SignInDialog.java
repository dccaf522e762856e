package org.streamkit.sync.ui.internal.preferences;

import java.util.concurrent.CompletableFuture;

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
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.tier.cloud.CloudSignIn;
import org.streamkit.sync.tier.cloud.MemoryTokens;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Sign in to the cloud the way the Streamkit auth service does it, in two steps: an email address, to which
 * the service mails a 9-digit code; then that code. The service is asked off the UI thread; what it answers
 * is said in the dialog's message area (how many tries a wrong code leaves, when a new code may be asked
 * for). On success the dialog holds the access and refresh tokens for its caller to save; it saves nothing.
 */
public final class SignInDialog extends TitleAreaDialog {

    private final String apiUrl;
    private final String authUrl;
    private CloudSignIn signIn;
    private Text email;
    private Button send;
    private Text code;
    private boolean codeSent;
    private volatile boolean busy;
    private final MemoryTokens tokens = new MemoryTokens(null, null);
    private CloudSignIn.Account account;
    private String shownError;

    /**
     * @param apiUrl  the cloud API the sign-in is for
     * @param authUrl the sign-in service, or empty for the default
     */
    public SignInDialog(Shell parent, String apiUrl, String authUrl) {
        super(parent);
        this.apiUrl = apiUrl;
        this.authUrl = authUrl;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(Messages.SignIn_title);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        setTitle(Messages.SignIn_title);
        Composite body = new Composite(area, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(3).applyTo(body);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(body);
        new Label(body, SWT.NONE).setText(Messages.SignIn_email);
        email = new Text(body, SWT.BORDER | SWT.SINGLE);
        email.setMessage(Messages.SignIn_emailHint);
        GridDataFactory.fillDefaults().grab(true, false).hint(280, SWT.DEFAULT).applyTo(email);
        send = new Button(body, SWT.PUSH);
        send.setText(Messages.SignIn_send);
        send.addListener(SWT.Selection, e -> sendCode());
        new Label(body, SWT.NONE).setText(Messages.SignIn_code);
        code = new Text(body, SWT.BORDER | SWT.SINGLE);
        code.setMessage(Messages.SignIn_codeHint);
        code.setTextLimit(9);
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(code);
        email.addListener(SWT.Modify, e -> update());
        code.addListener(SWT.Modify, e -> update());
        try {
            signIn = new CloudSignIn(apiUrl, authUrl);
            setMessage(NLS.bind(Messages.SignIn_intro, signIn.authService()), IMessageProvider.INFORMATION);
        } catch (IllegalArgumentException e) {
            setErrorMessage(e.getMessage());
            email.setEnabled(false);
        }
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, Messages.SignIn_signIn, false);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        update();
    }

    private void update() {
        if (send == null || send.isDisposed()) {
            return;
        }
        boolean ready = signIn != null && !busy;
        send.setEnabled(ready && email.getText().strip().contains("@"));
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok != null) {
            ok.setEnabled(ready && codeSent && code.getText().strip().matches("[0-9]{9}"));
        }
    }

    private void sendCode() {
        String address = email.getText().strip();
        run(() -> signIn.requestCode(address), message -> {
            codeSent = true;
            setErrorMessage(null);
            setMessage(message + " " + Messages.SignIn_enterCode, IMessageProvider.INFORMATION);
            code.setFocus();
        });
    }

    @Override
    protected void okPressed() {
        String address = email.getText().strip();
        String typed = code.getText().strip();
        run(() -> signIn.verify(address, typed, tokens), signedIn -> {
            account = signedIn;
            super.okPressed();
        });
    }

    private interface Call<T> {
        T call() throws CloudSignIn.SignInException, StorageException;
    }

    private interface Then<T> {
        void accept(T value);
    }

    /** Runs a call to the service off the UI thread; its answer or its reason comes back to the dialog. */
    private <T> void run(Call<T> call, Then<T> then) {
        busy = true;
        update();
        Shell shell = getShell();
        CompletableFuture.runAsync(() -> {
            Object result;
            try {
                result = call.call();
            } catch (CloudSignIn.SignInException | StorageException | RuntimeException e) {
                result = e;
            }
            Object answer = result;
            if (!shell.isDisposed()) {
                shell.getDisplay().asyncExec(() -> {
                    if (shell.isDisposed()) {
                        return;
                    }
                    busy = false;
                    if (answer instanceof CloudSignIn.SignInException e) {
                        setErrorMessage(e.getMessage());
                        if (e.codeGone()) {
                            codeSent = false;
                            code.setText(""); //$NON-NLS-1$
                        }
                    } else if (answer instanceof Exception e) {
                        setErrorMessage(e.getMessage());
                    } else {
                        @SuppressWarnings("unchecked")
                        T value = (T) answer;
                        then.accept(value);
                    }
                    update();
                });
            }
        });
    }

    @Override
    public void setErrorMessage(String message) {
        shownError = message;
        super.setErrorMessage(message);
    }

    /** @return the error the dialog shows now, or null */
    public String shownError() {
        return shownError;
    }

    /** @return whether a call to the sign-in service is under way */
    public boolean busy() {
        return busy;
    }

    /** @return the email field */
    public Text emailField() {
        return email;
    }

    /** @return the code field */
    public Text codeField() {
        return code;
    }

    /** @return the access token of the sign-in, once it succeeded */
    public String accessToken() {
        return tokens.accessToken();
    }

    /** @return the refresh token of the sign-in, once it succeeded (may be null) */
    public String refreshToken() {
        return tokens.refreshToken();
    }

    /** @return who signed in, once it succeeded */
    public CloudSignIn.Account account() {
        return account;
    }

    @Override
    public boolean close() {
        if (signIn != null) {
            signIn.close();
            signIn = null;
        }
        return super.close();
    }
}
