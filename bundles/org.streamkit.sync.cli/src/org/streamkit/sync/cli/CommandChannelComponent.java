package org.streamkit.sync.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the {@link CommandChannel} in an instance that holds a workspace for long (the workbench,
 * {@code streamkit daemon}, {@code streamkit server}), when the launcher names its socket in the framework
 * property {@value #SOCKET}. Without it (a one-off command, a test runtime) there is no channel.
 */
@Component(immediate = true)
public final class CommandChannelComponent {

    /** Framework property: the socket to take commands on. */
    public static final String SOCKET = "streamkit.channel";
    /** Framework property: what this instance is, for messages ("the workbench"). */
    public static final String HOLDER = "streamkit.channel.holder";

    private static final Logger LOG = LoggerFactory.getLogger(CommandChannelComponent.class);

    private CliServices services;
    private CommandChannel channel;

    @Activate
    public CommandChannelComponent(BundleContext context) {
        String socket = context.getProperty(SOCKET);
        if (socket == null || socket.isBlank()) {
            return;
        }
        String holder = context.getProperty(HOLDER);
        try {
            services = new CliServices(context);
            channel = CommandChannel.open(Path.of(socket), services, holder == null || holder.isBlank() ? "a Streamkit instance" : holder);
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("This instance takes no commands from ./streamkit: {}", e.getMessage());
            deactivate();
        }
    }

    @Deactivate
    void deactivate() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (services != null) {
            services.close();
            services = null;
        }
    }
}
