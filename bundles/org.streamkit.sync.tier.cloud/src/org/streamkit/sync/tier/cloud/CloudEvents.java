package org.streamkit.sync.tier.cloud;

import java.io.IOException;
import java.nio.CharBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.hc.client5.http.async.methods.AbstractCharResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.config.CharCodingConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.ConfigKey;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Follows the server's change stream ({@code GET /events}, server-sent events) and reports each change
 * made elsewhere, so the coordinator pulls at once instead of at its next periodic sync. It reconnects
 * with backoff, resumes from the last event id, and stops when the server has no {@code events}
 * extension or when it is closed.
 */
public final class CloudEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CloudEvents.class);

    private final CloudHttp http;
    private final Consumer<ConfigKey> onChange;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Future<Void> current;
    private volatile String lastEventId;
    private volatile boolean connected;

    public CloudEvents(CloudHttp http, Consumer<ConfigKey> onChange) {
        this.http = http;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "streamkit-cloud-events");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** @return whether the stream is open now */
    public boolean connected() {
        return connected;
    }

    private void run() {
        Duration backoff = Duration.ofSeconds(1);
        while (!closed) {
            try {
                Map<String, String> headers = lastEventId == null ? Map.of("Accept", "text/event-stream")
                        : Map.of("Accept", "text/event-stream", "Last-Event-ID", lastEventId);
                Future<Void> future = http.stream(List.of("events"), headers, new StreamConsumer());
                current = future;
                future.get();
                backoff = Duration.ofSeconds(1); // a stream that ended normally: reconnect soon
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NoEventsException) {
                    LOG.info("The cloud offers no change stream; changes arrive with the periodic sync");
                    return;
                }
                LOG.debug("The cloud's change stream broke: {}", String.valueOf(e.getCause()));
            } catch (RuntimeException e) {
                LOG.debug("The cloud's change stream could not open: {}", e.toString());
            } finally {
                connected = false;
            }
            if (closed) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
        }
    }

    @Override
    public void close() {
        closed = true;
        Future<Void> f = current;
        if (f != null) {
            f.cancel(true);
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server answered the stream with 404: it has no events extension. */
    private static final class NoEventsException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /** Reads {@code text/event-stream}: "field: value" lines, an empty line ends an event. */
    private final class StreamConsumer extends AbstractCharResponseConsumer<Void> {

        private final StringBuilder line = new StringBuilder();
        private String event = "";
        private final StringBuilder data = new StringBuilder();
        private String id;

        StreamConsumer() {
            super(8 * 1024, CharCodingConfig.DEFAULT);
        }

        @Override
        protected void start(HttpResponse response, ContentType contentType) throws IOException {
            if (response.getCode() == 404) {
                throw new NoEventsException();
            }
            if (response.getCode() != 200) {
                throw new IOException("the change stream answered " + response.getCode());
            }
            connected = true;
        }

        @Override
        protected int capacityIncrement() {
            return 8 * 1024;
        }

        @Override
        protected void data(CharBuffer src, boolean endOfStream) {
            while (src.hasRemaining()) {
                char c = src.get();
                if (c == '\n') {
                    line(line.toString());
                    line.setLength(0);
                } else if (c != '\r') {
                    line.append(c);
                }
                if (line.length() > 1 << 20) {
                    line.setLength(0); // a runaway line from a hostile server is dropped, not buffered
                }
            }
        }

        private void line(String text) {
            if (text.isEmpty()) {
                dispatch();
                return;
            }
            if (text.startsWith(":")) {
                return; // a heartbeat comment
            }
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1).stripLeading();
            switch (field) {
                case "event" -> event = value;
                case "data" -> data.append(data.length() == 0 ? "" : "\n").append(value);
                case "id" -> id = value;
                default -> {
                    // retry and unknown fields are not needed
                }
            }
        }

        private void dispatch() {
            if (id != null) {
                lastEventId = id;
            }
            if (event.equals("change") && data.length() > 0) {
                try {
                    JsonNode change = ConfigJson.reader().readTree(data.toString());
                    onChange.accept(new ConfigKey(change.path("type").asText(), change.path("id").asText()));
                } catch (IOException | IllegalArgumentException e) {
                    LOG.debug("Ignoring an unreadable change event: {}", e.getMessage());
                }
            }
            event = "";
            data.setLength(0);
            id = null;
        }

        @Override
        protected Void buildResult() {
            return null;
        }

        @Override
        public void releaseResources() {
            // nothing held
        }
    }
}
