package org.streamkit.sync.torture;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP proxy on 127.0.0.1 in front of one server, that breaks the traffic on purpose: delays, drops
 * before forwarding, resets after forwarding (the server applied the request, the client never hears),
 * {@code 500} before or after forwarding, bursts of {@code 429} with {@code Retry-After}, and partitions
 * (every request dropped while one lasts). Faults are drawn from a seeded random, and counted.
 */
final class FaultProxy implements AutoCloseable {

    enum Fault {
        NONE, DELAY, DROP, RESET_AFTER_FORWARD, ERROR_500, ERROR_500_AFTER_FORWARD, TOO_MANY_REQUESTS, PARTITIONED
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "te", "trailer",
            "upgrade", "proxy-authorization", "proxy-authenticate", "host", "content-length");

    private final URI target;
    private final Random random;
    private final Server server;
    private final HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    private final Map<Fault, AtomicInteger> counts = new TreeMap<>();
    private volatile boolean faulty = true;
    private volatile boolean partitioned;
    private int tooManyLeft;

    FaultProxy(URI target, long seed) throws Exception {
        this.target = target;
        this.random = new Random(seed);
        for (Fault f : Fault.values()) {
            counts.put(f, new AtomicInteger());
        }
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("fault-proxy");
        threads.setDaemon(true);
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                // Forwarding blocks: hand it to a pool thread.
                threads.execute(() -> proxy(request, response, callback));
                return true;
            }
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }

    /** Turns fault injection on or off (off: a plain proxy). */
    void faulty(boolean on) {
        faulty = on;
    }

    /** Starts or ends a partition: while it lasts, every request is dropped. */
    void partitioned(boolean on) {
        partitioned = on;
    }

    /** @return how many requests met each fault */
    Map<Fault, Integer> counts() {
        Map<Fault, Integer> out = new TreeMap<>();
        counts.forEach((f, n) -> out.put(f, n.get()));
        return out;
    }

    private synchronized Fault draw() {
        if (partitioned) {
            return Fault.PARTITIONED;
        }
        if (!faulty) {
            return Fault.NONE;
        }
        if (tooManyLeft > 0) {
            tooManyLeft--;
            return Fault.TOO_MANY_REQUESTS;
        }
        int r = random.nextInt(100);
        if (r < 55) {
            return Fault.NONE;
        }
        if (r < 67) {
            return Fault.DELAY;
        }
        if (r < 73) {
            return Fault.DROP;
        }
        if (r < 79) {
            return Fault.RESET_AFTER_FORWARD;
        }
        if (r < 85) {
            return Fault.ERROR_500;
        }
        if (r < 91) {
            return Fault.ERROR_500_AFTER_FORWARD;
        }
        tooManyLeft = 1 + random.nextInt(4); // a burst
        return Fault.TOO_MANY_REQUESTS;
    }

    private synchronized int delayMillis() {
        return 20 + random.nextInt(400);
    }

    private void proxy(Request request, Response response, Callback callback) {
        Fault fault = draw();
        counts.get(fault).incrementAndGet();
        try {
            switch (fault) {
            case PARTITIONED, DROP -> drop(request, callback);
            case ERROR_500 -> reply(response, callback, 500, "{\"error\":\"injected\"}", null);
            case TOO_MANY_REQUESTS -> reply(response, callback, 429, "{\"error\":\"slow down\"}", "1");
            default -> {
                if (fault == Fault.DELAY) {
                    Thread.sleep(delayMillis());
                }
                HttpResponse<byte[]> answer = forward(request);
                switch (fault) {
                case RESET_AFTER_FORWARD -> drop(request, callback);
                case ERROR_500_AFTER_FORWARD -> reply(response, callback, 500, "{\"error\":\"injected after the write\"}", null);
                default -> {
                    response.setStatus(answer.statusCode());
                    answer.headers().map().forEach((name, values) -> {
                        if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                            values.forEach(v -> response.getHeaders().add(name, v));
                        }
                    });
                    response.write(true, ByteBuffer.wrap(answer.body()), callback);
                }
                }
            }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (IOException | RuntimeException e) {
            // The server could not be reached: say so the way a gateway does.
            reply(response, callback, 502, "{\"error\":\"bad gateway\"}", null);
        }
    }

    private HttpResponse<byte[]> forward(Request request) throws IOException, InterruptedException {
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readAllBytes();
        }
        String path = request.getHttpURI().getPathQuery();
        HttpRequest.Builder out = HttpRequest.newBuilder(target.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(request.getMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (HttpField field : request.getHeaders()) {
            if (!HOP_BY_HOP.contains(field.getLowerCaseName()) && !"expect".equals(field.getLowerCaseName())) {
                out.header(field.getName(), field.getValue());
            }
        }
        return forward.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void drop(Request request, Callback callback) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new EofException("dropped by the fault proxy")); // a quiet failure: Jetty logs no stack for it
    }

    private static void reply(Response response, Callback callback, int status, String json, String retryAfter) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        if (retryAfter != null) {
            response.getHeaders().put("Retry-After", retryAfter);
        }
        response.write(true, ByteBuffer.wrap(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
    }

    @Override
    public void close() throws Exception {
        server.stop();
        forward.close();
    }
}
