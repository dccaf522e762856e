package org.streamkit.sync.ui.internal.views;

import java.util.List;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.osgi.util.NLS;
import org.eclipse.swt.widgets.Shell;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.ui.internal.Messages;

/**
 * What an audit of the local tiers found: that every copy agrees, or the stale and missing copies (the
 * first {@value #SHOWN} of them), with a button that repairs them.
 */
public final class AuditDialog extends MessageDialog {

    /** The most differences listed; the rest are counted. */
    static final int SHOWN = 20;
    /** The return code of the Repair button. */
    public static final int REPAIR = 0;

    private final AuditReport report;

    public AuditDialog(Shell parent, AuditReport report) {
        super(parent, Messages.Audit_title, null, message(report),
                report.differences().isEmpty() ? INFORMATION : WARNING, report.differences().isEmpty() ? 0 : 1,
                buttons(report));
        this.report = report;
    }

    private static String[] buttons(AuditReport report) {
        return report.differences().isEmpty() ? new String[] { IDialogConstants.OK_LABEL }
                : new String[] { Messages.Audit_repair, IDialogConstants.CLOSE_LABEL };
    }

    static String message(AuditReport report) {
        List<String> differences = report.differences();
        if (differences.isEmpty()) {
            return NLS.bind(Messages.Audit_agree, report.checked());
        }
        StringBuilder lines = new StringBuilder();
        differences.stream().limit(SHOWN).forEach(d -> lines.append("\n\u2022 ").append(d)); //$NON-NLS-1$
        if (differences.size() > SHOWN) {
            lines.append('\n').append(NLS.bind(Messages.Audit_more, differences.size() - SHOWN));
        }
        return NLS.bind(Messages.Audit_differences, new Object[] { report.checked(), differences.size(), lines });
    }

    /** @return the report shown */
    public AuditReport report() {
        return report;
    }

    /** @return whether the dialog offers a repair (there is something to repair) */
    public boolean offersRepair() {
        return !report.differences().isEmpty();
    }
}
