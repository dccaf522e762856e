package org.streamkit.sync.ui.internal.views;

import java.util.Collection;
import java.util.TreeSet;
import java.util.function.Predicate;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.ui.internal.Messages;

/**
 * Asks for a new config's type, id and name (New and Duplicate). The type and the id are checked as
 * they are typed, by the rules of {@link ConfigKey}; OK stays disabled until both are acceptable and
 * name no config that exists already.
 */
public final class NewConfigDialog extends TitleAreaDialog {

    private final String title;
    private final String message;
    private final Collection<String> types;
    private final Predicate<ConfigKey> exists;
    private String type;
    private String id;
    private String name;
    private Combo typeField;
    private Text idField;
    private Text nameField;
    private ConfigKey key;

    /**
     * @param types  the types to offer (any other valid type may be typed)
     * @param exists whether a key names a config that exists already
     */
    public NewConfigDialog(Shell parent, String title, String message, Collection<String> types, String type,
            String id, String name, Predicate<ConfigKey> exists) {
        super(parent);
        this.title = title;
        this.message = message;
        this.types = new TreeSet<>(types);
        this.type = type == null ? "" : type;
        this.id = id == null ? "" : id;
        this.name = name == null ? "" : name;
        this.exists = exists;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(title);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        setTitle(title);
        setMessage(message);
        Composite fields = new Composite(area, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(fields);
        GridLayoutFactory.swtDefaults().numColumns(2).margins(10, 10).applyTo(fields);

        new Label(fields, SWT.NONE).setText(Messages.NewConfig_type);
        typeField = new Combo(fields, SWT.DROP_DOWN);
        typeField.setItems(types.toArray(String[]::new));
        typeField.setText(type);
        GridDataFactory.fillDefaults().grab(true, false).hint(320, SWT.DEFAULT).applyTo(typeField);

        new Label(fields, SWT.NONE).setText(Messages.NewConfig_id);
        idField = new Text(fields, SWT.BORDER);
        idField.setText(id);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(idField);

        new Label(fields, SWT.NONE).setText(Messages.NewConfig_name);
        nameField = new Text(fields, SWT.BORDER);
        nameField.setText(name);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(nameField);

        typeField.addModifyListener(e -> validate());
        idField.addModifyListener(e -> validate());
        nameField.addModifyListener(e -> validate());
        (type.isEmpty() ? typeField : idField).setFocus();
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        super.createButtonsForButtonBar(parent);
        validate();
    }

    /** Checks the fields, shows what is wrong and enables OK only when nothing is. */
    private void validate() {
        if (typeField == null || idField == null || nameField == null) {
            return;
        }
        type = typeField.getText().strip();
        id = idField.getText();
        name = nameField.getText().strip();
        key = null;
        String problem = null;
        if (type.isEmpty() || id.isEmpty()) {
            problem = "";
        } else {
            try {
                ConfigKey.validateType(type);
                try {
                    ConfigKey.validateId(id);
                    ConfigKey candidate = new ConfigKey(type, id);
                    if (exists.test(candidate)) {
                        problem = NLS.bind(Messages.NewConfig_exists, candidate);
                    } else {
                        key = candidate;
                    }
                } catch (ConfigValidationException e) {
                    problem = NLS.bind(Messages.NewConfig_badId, e.getMessage());
                }
            } catch (ConfigValidationException e) {
                problem = NLS.bind(Messages.NewConfig_badType, e.getMessage());
            }
        }
        setErrorMessage(problem == null || problem.isEmpty() ? null : problem);
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok != null) {
            ok.setEnabled(key != null);
        }
    }

    /** @return the key chosen, once OK was pressed */
    public ConfigKey key() {
        return key;
    }

    /** @return the name chosen (may be empty) */
    public String name() {
        return name;
    }

    /** @return the OK button, or null before the dialog is open */
    public Button okButton() {
        return getButton(IDialogConstants.OK_ID);
    }

    public Combo typeField() {
        return typeField;
    }

    public Text idField() {
        return idField;
    }

    public Text nameField() {
        return nameField;
    }
}
