package org.streamkit.sync.ui.internal.wizards;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.eclipse.jface.dialogs.IMessageProvider;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.FileDialog;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Asks for the backup file of the Export wizard (a file to write) or the Import wizard (a file to read),
 * checked as it is typed.
 */
public final class BackupFilePage extends WizardPage {

    private final boolean write;
    private final String initial;
    private final Runnable changed;
    private Text file;

    /**
     * @param write   true: the file is written (Export); false: it is read (Import)
     * @param initial the path shown first
     * @param changed called on the UI thread when the path changes
     */
    public BackupFilePage(String name, String title, String description, boolean write, String initial, Runnable changed) {
        super(name, title, null);
        setDescription(description);
        this.write = write;
        this.initial = initial == null ? "" : initial; //$NON-NLS-1$
        this.changed = changed;
    }

    @Override
    public void createControl(Composite parent) {
        Composite area = new Composite(parent, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(3).applyTo(area);
        new Label(area, SWT.NONE).setText(Messages.Backup_file);
        file = new Text(area, SWT.BORDER | SWT.SINGLE);
        GridDataFactory.fillDefaults().grab(true, false).hint(360, SWT.DEFAULT).applyTo(file);
        Button browse = new Button(area, SWT.PUSH);
        browse.setText(Messages.Backup_browse);
        browse.addListener(SWT.Selection, e -> browse());
        Label format = new Label(area, SWT.WRAP);
        format.setText(write ? Messages.Backup_exportNote : Messages.Backup_importNote);
        GridDataFactory.fillDefaults().span(3, 1).grab(true, false).hint(480, SWT.DEFAULT).indent(0, 8).applyTo(format);
        file.setText(initial);
        file.addModifyListener(e -> {
            validate();
            changed.run();
        });
        validate();
        setControl(area);
    }

    private void browse() {
        FileDialog dialog = new FileDialog(getShell(), write ? SWT.SAVE : SWT.OPEN);
        dialog.setFilterExtensions(new String[] { "*.json", "*" }); //$NON-NLS-1$ //$NON-NLS-2$
        dialog.setOverwrite(true);
        Path current = path();
        if (current != null) {
            if (current.getParent() != null) {
                dialog.setFilterPath(current.getParent().toString());
            }
            dialog.setFileName(current.getFileName() == null ? "" : current.getFileName().toString()); //$NON-NLS-1$
        }
        String chosen = dialog.open();
        if (chosen != null) {
            file.setText(chosen);
        }
    }

    private Path path() {
        String text = file.getText().strip();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return Path.of(text).toAbsolutePath();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private void validate() {
        String text = file.getText().strip();
        Path path = path();
        String error = null;
        String message = null;
        if (text.isEmpty()) {
            message = write ? Messages.Backup_chooseExport : Messages.Backup_chooseImport;
        } else if (path == null) {
            error = NLS.bind(Messages.Backup_badPath, text);
        } else if (Files.isDirectory(path)) {
            error = NLS.bind(Messages.Backup_isFolder, path);
        } else if (write && (path.getParent() == null || !Files.isDirectory(path.getParent()))) {
            error = NLS.bind(Messages.Backup_noFolder, path.getParent());
        } else if (!write && !Files.isReadable(path)) {
            error = NLS.bind(Messages.Backup_noFile, path);
        } else if (write && Files.exists(path)) {
            message = NLS.bind(Messages.Backup_replaces, path.getFileName());
        }
        setErrorMessage(error);
        setMessage(message, message != null && error == null && !text.isEmpty() ? IMessageProvider.WARNING
                : IMessageProvider.NONE);
        setPageComplete(error == null && path != null);
    }

    /** @return the chosen file (absolute), or null when none is chosen */
    public Path file() {
        return isPageComplete() ? path() : null;
    }

    /** @return the path field (for tests) */
    public Text fileText() {
        return file;
    }
}
