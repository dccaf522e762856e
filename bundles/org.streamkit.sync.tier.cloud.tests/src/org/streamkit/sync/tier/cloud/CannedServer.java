package org.streamkit.sync.tier.cloud;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server on 127.0.0.1 that answers every request with the same raw HTTP response; it stops with the test. */
final class CannedServer implements AutoCloseable {

    private final ServerSocket socket;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile String lastRequest = "";

    CannedServer(String response) throws IOException {
        socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    String request = read(new BufferedInputStream(client.getInputStream()));
                    if (request.isEmpty()) {
                        continue;
                    }
                    lastRequest = request;
                    requests.incrementAndGet();
                    client.getOutputStream().write(response.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    client.getOutputStream().flush();
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        }, "canned-http-server");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reads one request whole: its head, then as many body bytes as its Content-Length says. */
    private static String read(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        int b;
        while (text.indexOf("\r\n\r\n") < 0 && (b = in.read()) >= 0) {
            text.append((char) b);
        }
        Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text);
        if (length.find()) {
            text.append(new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    /** @return the last request received, head and body, as text */
    String lastRequest() {
        return lastRequest;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
