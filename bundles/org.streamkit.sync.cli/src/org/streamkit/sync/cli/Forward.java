package org.streamkit.sync.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ./streamkit <command>} when a running instance (the workbench, {@code streamkit daemon} or
 * {@code streamkit server}) holds the workspace: the command, its standard input and its answer travel
 * over that instance's channel, a Unix domain socket in the workspace's owner-only settings folder. Plain
 * Java, no OSGi: it starts in a fraction of a second.
 * <p>
 * {@code java -cp <the cli bundle> org.streamkit.sync.cli.Forward <socket> <command> [args…]}; exits with
 * the command's code, or {@value #NO_INSTANCE} when no instance listens there (the launcher then runs the
 * command headless itself).
 */
public final class Forward {

    /** The exit code that says no instance took the command. */
    public static final int NO_INSTANCE = 125;

    private Forward() {
    }

    public static void main(String[] argv) {
        if (argv.length < 2) {
            System.err.println("usage: Forward <socket> <command> [args…]");
            System.exit(Cli.USAGE);
        }
        Path socket = Path.of(argv[0]);
        List<String> args = new ArrayList<>(Arrays.asList(argv).subList(1, argv.length));
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | UnsupportedOperationException e) {
            System.exit(NO_INSTANCE);
            return;
        }
        byte[] input = null;
        if (args.equals(List.of("obs", "password"))) {
            // A password is typed here, on this terminal, not echoed; the instance reads it as standard input.
            Console console = System.console();
            if (console == null) {
                System.err.println("streamkit: obs password: no terminal to ask for the password on: pipe it in with --password-stdin");
                System.exit(Cli.USAGE);
            }
            char[] typed = console.readPassword("OBS WebSocket password (empty removes it): ");
            input = new String(typed == null ? new char[0] : typed).getBytes(StandardCharsets.UTF_8);
            args.add("--password-stdin");
        }
        System.exit(run(channel, args, input == null ? System.in : new java.io.ByteArrayInputStream(input), System.out, System.err));
    }

    static int run(SocketChannel channel, List<String> args, InputStream stdin, PrintStream out, PrintStream err) {
        try (channel) {
            Frames.write(channel, Frames.ARGS, String.join("\0", args).getBytes(StandardCharsets.UTF_8));
            Thread pump = new Thread(() -> pump(channel, stdin), "streamkit-forward-stdin");
            pump.setDaemon(true);
            pump.start();
            while (true) {
                Frames.Frame frame = Frames.read(channel);
                switch (frame.type()) {
                    case Frames.OUT -> out.write(frame.bytes());
                    case Frames.ERR -> err.write(frame.bytes());
                    case Frames.EXIT -> {
                        out.flush();
                        err.flush();
                        return java.nio.ByteBuffer.wrap(frame.bytes()).getInt();
                    }
                    default -> throw new IOException("an unknown frame " + frame.type());
                }
                if (frame.type() == Frames.OUT) {
                    out.flush();
                } else {
                    err.flush();
                }
            }
        } catch (IOException e) {
            err.println("streamkit: the running Streamkit instance ended the command before it finished (" + e.getMessage() + ")");
            return Cli.FAILURE;
        }
    }

    private static void pump(SocketChannel channel, InputStream stdin) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = stdin.read(buffer)) >= 0) {
                Frames.write(channel, Frames.IN, buffer, 0, n);
            }
            Frames.write(channel, Frames.IN_END, new byte[0]);
        } catch (IOException e) {
            // the command ended, or the instance went away: the main thread says so
        }
    }
}
