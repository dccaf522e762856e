package org.streamkit.sync.tier.obs;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.TierHealth;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Keeps one identified obs-websocket session open: connects at start, and when OBS is closed, restarted
 * or not yet running, tries again with exponential backoff and jitter. While there is no session the tier
 * is {@link TierHealth.Status#DOWN} with the reason in words, and requests fail as retryable, so the
 * coordinator's outbox keeps the writes until OBS is back.
 */
public final class ObsConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ObsConnection.class);

    /** What the owner of the connection hears about. */
    public interface Listener {
        /** A session was identified (the first one, or one after OBS came back). */
        void connected();

        /** An event arrived on the current session. Called on a Jetty thread: do not block. */
        void event(String type, JsonNode data);
    }

    private final URI uri;
    private final Supplier<String> password;
    private final Duration timeout;
    private final Duration retryBase;
    private final Duration retryMax;
    private final Listener listener;
    /** Made by {@link #start()}: a tier that is turned off never loads the WebSocket client. */
    private volatile WebSocketClient client;
    private final ScheduledExecutorService reconnects;
    private volatile ObsSocket socket;
    private volatile TierHealth health;
    private volatile boolean closed;
    private int failures;

    /**
     * @param password  reads the password each time a session opens (it may change), {@code null} for none
     * @param retryBase the first delay before connecting again
     * @param retryMax  the longest delay between attempts
     */
    public ObsConnection(URI uri, Supplier<String> password, Duration timeout, Duration retryBase, Duration retryMax,
            Listener listener) {
        this.uri = uri;
        this.password = password;
        this.timeout = timeout;
        this.retryBase = retryBase;
        this.retryMax = retryMax;
        this.listener = listener;
        this.health = TierHealth.down("Connecting to OBS at " + uri.getHost() + ":" + uri.getPort());
        reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamkit-obs-connect");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts connecting in the background. */
    public synchronized void start() throws StorageException {
        if (client != null || closed) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("streamkit-obs-ws");
        threads.setDaemon(true);
        HttpClient http = new HttpClient();
        http.setExecutor(threads);
        http.setConnectTimeout(timeout.toMillis());
        WebSocketClient made = new WebSocketClient(http);
        made.setMaxTextMessageSize(ObsSlot.MAX_SLOT_CHARS + (1 << 20));
        made.setIdleTimeout(Duration.ZERO); // OBS keeps quiet sessions open; so does this client
        made.setStopAtShutdown(false);
        client = made;
        try {
            made.start();
        } catch (Exception e) {
            throw new StorageException("The WebSocket client could not start: " + e.getMessage(), false, e);
        }
        reconnects.execute(this::connect);
    }

    private void connect() {
        if (closed) {
            return;
        }
        ObsSocket fresh = new ObsSocket(uri, password.get(), ObsSocket.EVENTS_GENERAL | ObsSocket.EVENTS_OUTPUTS, timeout, new ObsSocket.Listener() {
            @Override
            public void event(String type, JsonNode data) {
                listener.event(type, data);
            }

            @Override
            public void closed(String reason) {
                lost(reason);
            }
        });
        try {
            fresh.open(client);
        } catch (StorageException e) {
            failures++;
            Duration delay = backoff(failures);
            health = TierHealth.down(e.getMessage() + "; trying again in " + seconds(delay));
            if (failures == 1 || failures % 20 == 0) {
                LOG.info("OBS tier: {}", health.reason());
            }
            schedule(delay);
            return;
        }
        if (closed) {
            fresh.close();
            return;
        }
        socket = fresh;
        failures = 0;
        health = TierHealth.up();
        LOG.info("OBS tier connected to {}:{}", uri.getHost(), uri.getPort());
        try {
            listener.connected();
        } catch (RuntimeException e) {
            LOG.warn("OBS tier: handling the new session failed", e);
        }
        if (!fresh.isOpen()) {
            lost("The connection to OBS was lost");
        }
    }

    private void lost(String reason) {
        reconnects.execute(() -> {
            ObsSocket current = socket;
            if (closed || current == null || current.isOpen()) {
                return; // a reply to this client's own close, or a session already replaced
            }
            socket = null;
            failures = 1;
            Duration delay = backoff(failures);
            health = TierHealth.down(reason + "; trying again in " + seconds(delay));
            LOG.info("OBS tier: {}", health.reason());
            schedule(delay);
        });
    }

    private void schedule(Duration delay) {
        if (!closed) {
            reconnects.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Exponential backoff with equal jitter, capped at the longest delay. */
    private Duration backoff(int attempt) {
        long max = retryMax.toMillis();
        long delay = Math.min(max, retryBase.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /**
     * @return the identified session
     * @throws StorageException (retryable) when there is none now, with the reason
     */
    public ObsSocket socket() throws StorageException {
        ObsSocket s = socket;
        if (s == null || !s.isOpen()) {
            throw new StorageException(health.available() ? "Not connected to OBS" : health.reason(), true);
        }
        return s;
    }

    public TierHealth health() {
        ObsSocket s = socket;
        TierHealth h = health;
        if (h.available() && (s == null || !s.isOpen())) {
            return TierHealth.down("The connection to OBS was lost; reconnecting");
        }
        return h;
    }

    /** @return where OBS is expected */
    public URI uri() {
        return uri;
    }

    @Override
    public synchronized void close() {
        closed = true;
        reconnects.shutdownNow();
        try {
            reconnects.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ObsSocket s = socket;
        if (s != null) {
            s.close();
        }
        socket = null;
        health = TierHealth.down("The OBS tier is stopped");
        WebSocketClient c = client;
        if (c == null) {
            return;
        }
        try {
            c.stop();
        } catch (Exception e) {
            LOG.debug("Stopping the WebSocket client failed", e);
        }
    }
}
