package org.streamkit.sync.ui.internal.views;

import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IAction;
import org.eclipse.jface.resource.ImageDescriptor;

/** The actions of the Streamkit views: made one way, and found by id (for key bindings and tests). */
final class ViewActions {

    private ViewActions() {
    }

    /** @return a push-button action */
    static Action create(String id, String text, String tooltip, ImageDescriptor image, Runnable run) {
        return create(id, text, tooltip, IAction.AS_PUSH_BUTTON, image, run);
    }

    /** @return an action of the given {@link IAction} style (a push button, a check box) */
    static Action create(String id, String text, String tooltip, int style, ImageDescriptor image, Runnable run) {
        Action action = new Action(text, style) {
            @Override
            public void run() {
                run.run();
            }
        };
        action.setId(id);
        action.setToolTipText(tooltip);
        action.setImageDescriptor(image);
        return action;
    }

    /** @return the action of these with the id */
    static IAction find(String id, IAction... actions) {
        for (IAction action : actions) {
            if (action.getId().equals(id)) {
                return action;
            }
        }
        throw new IllegalArgumentException(id);
    }
}
