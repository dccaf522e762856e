package org.streamkit.sync.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel a running instance takes commands on: a Unix domain socket in the workspace's settings folder,
 * which only its owner can enter (the folder is {@code 0700}, the socket {@code 0600}). Each connection is one
 * command: its arguments, then its standard input as it comes; the instance runs it as {@code ./streamkit}
 * would and sends back what it prints and its exit code (see {@link Frames} and {@link Forward}).
 */
final class CommandChannel implements AutoCloseable {

    /** Commands that would run in the instance for good; they need a workspace of their own. */
    private static final Set<String> NOT_HERE = Set.of("server", "daemon");
    private static final Logger LOG = LoggerFactory.getLogger(CommandChannel.class);

    private final Path socket;
    private final ServerSocketChannel server;
    private final CliServices services;
    private final String holder;
    /** Removes the socket when the process ends without closing the channel. */
    private final Thread removal;
    private final ExecutorService commands = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "streamkit-command");
        t.setDaemon(true);
        return t;
    });

    private CommandChannel(Path socket, ServerSocketChannel server, CliServices services, String holder) {
        this.removal = new Thread(() -> {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // it stays; the next instance or command removes it
            }
        }, "streamkit-command-channel-removal");
        this.socket = socket;
        this.server = server;
        this.services = services;
        this.holder = holder;
    }

    /**
     * Opens the channel and takes commands until closed.
     *
     * @param holder what this instance is, for messages ("the workbench", "streamkit daemon")
     * @throws IOException when the socket cannot be made, or another instance takes commands there already
     */
    static CommandChannel open(Path socket, CliServices services, String holder) throws IOException {
        Path folder = socket.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        try {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own permissions apply
        }
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new IOException("another Streamkit instance takes commands for this workspace already (" + socket + ")");
            } catch (IOException refused) {
                if (refused.getMessage() != null && refused.getMessage().startsWith("another Streamkit")) {
                    throw refused;
                }
                Files.deleteIfExists(socket); // left by an instance that ended without closing it
            }
        }
        // Bound under another name and renamed once owner-only: the socket never shows at its own name with wider permissions.
        Path bound = socket.resolveSibling(socket.getFileName() + ".new");
        Files.deleteIfExists(bound);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(bound));
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(bound);
            throw e;
        }
        CommandChannel channel = new CommandChannel(socket, server, services, holder);
        // Stopped by a signal (Ctrl+C, kill), the process may end before the channel is closed: the socket goes anyway.
        try {
            Runtime.getRuntime().addShutdownHook(channel.removal);
        } catch (IllegalStateException shuttingDown) {
            // the process is ending already
        }
        Thread acceptor = new Thread(channel::accept, "streamkit-command-channel");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("Taking commands for this workspace on {}", socket);
        return channel;
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                commands.execute(() -> serve(connection));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("The command channel failed to take a connection: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            Frames.Frame first = Frames.read(connection);
            if (first.type() != Frames.ARGS) {
                return;
            }
            String joined = new String(first.bytes(), StandardCharsets.UTF_8);
            String[] args = joined.isEmpty() ? new String[0] : joined.split("\0", -1);
            PipedInputStream stdin = new PipedInputStream(64 * 1024);
            PipedOutputStream feed = new PipedOutputStream(stdin);
            Thread reader = new Thread(() -> feed(connection, feed), "streamkit-command-stdin");
            reader.setDaemon(true);
            reader.start();
            PrintStream out = new PrintStream(Frames.stream(connection, Frames.OUT), true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(Frames.stream(connection, Frames.ERR), true, StandardCharsets.UTF_8);
            int code;
            if (args.length > 0 && NOT_HERE.contains(args[0])) {
                err.println("streamkit: " + args[0] + ": " + holder + " holds this workspace; run " + args[0]
                        + " on another workspace (STREAMKIT_WORKSPACE), or stop " + holder + " first");
                code = Cli.FAILURE;
            } else {
                code = services.cli(out, err, stdin).run(args);
            }
            out.flush();
            err.flush();
            stdin.close(); // input the command did not read is dropped, and its feed stops waiting
            Frames.write(connection, Frames.EXIT, ByteBuffer.allocate(4).putInt(code).array());
        } catch (EOFException e) {
            LOG.debug("A command's client left before it ended");
        } catch (IOException | RuntimeException e) {
            LOG.warn("A forwarded command failed: {}", e.toString());
        }
    }

    /** Standard input, as the client sends it, into the command's pipe; closed at its end or the client's. */
    private static void feed(SocketChannel connection, PipedOutputStream feed) {
        try (feed) {
            while (true) {
                Frames.Frame frame = Frames.read(connection);
                if (frame.type() == Frames.IN) {
                    feed.write(frame.bytes());
                    feed.flush();
                } else if (frame.type() == Frames.IN_END) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client left, or the command stopped reading: its input ends here
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(removal);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or ran
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Closing the command channel: {}", e.getMessage());
        }
        commands.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("The command channel's socket {} stays: {}", socket, e.getMessage());
        }
    }
}
