package org.streamkit.sync.tier.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A fault-injecting proxy on 127.0.0.1 for tests: it forwards a request to the real server, then sends
 * the client only the first bytes of the answer and resets the connection. It stops with the test.
 */
final class ResetProxy implements AutoCloseable {

    private final ServerSocket socket;
    private final Thread thread;

    ResetProxy(int targetPort, int bytesBeforeReset) throws IOException {
        socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept();
                        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                    client.setSoLinger(true, 0); // close() then sends RST, not FIN
                    InputStream in = client.getInputStream();
                    byte[] head = new byte[64 * 1024];
                    int n = in.read(head);
                    if (n <= 0) {
                        continue;
                    }
                    // Ask the server to close after its answer, so reading it to the end terminates.
                    String request = new String(head, 0, n, StandardCharsets.ISO_8859_1)
                            .replaceFirst("\r\n", "\r\nConnection: close\r\n");
                    OutputStream up = server.getOutputStream();
                    up.write(request.getBytes(StandardCharsets.ISO_8859_1));
                    up.flush();
                    byte[] answer = server.getInputStream().readNBytes(bytesBeforeReset);
                    client.getOutputStream().write(answer);
                    client.getOutputStream().flush();
                } catch (IOException e) {
                    // the next connection gets the same treatment
                }
            }
        }, "reset-proxy");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
