package org.streamkit.sync.server;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.server.internal.ApiHandler;
import org.streamkit.sync.server.internal.ConfigStore;
import org.streamkit.sync.server.internal.EventHub;
import org.streamkit.sync.server.internal.Json;
import org.streamkit.sync.server.internal.JwksSource;
import org.streamkit.sync.server.internal.ProblemErrorHandler;
import org.streamkit.sync.server.internal.RateLimiter;
import org.streamkit.sync.server.internal.SigningKey;
import org.streamkit.sync.server.internal.SignIn;
import org.streamkit.sync.server.internal.TokenService;

/**
 * The local Streamkit API server: a single-machine stand-in for the deployed Streamkit API (a Cloudflare
 * Worker in front of Cloudflare KV), with the same core routes and, unless turned off, the project's
 * extensions (incremental changes, id listings, conditional writes, server-sent events, limits).
 * Configs live in a Xodus store in the data folder; tokens are RS256 JWTs, checked against the server's
 * own key (generated on first start in the data folder) and an optional JWKS file or URL.
 * <p>
 * Typical use, for example in a test:
 *
 * <pre>
 * try (StreamkitServer server = StreamkitServer.start(ServerConfig.builder(folder).port(0).build())) {
 *     String token = server.mintToken("customer-1", Duration.ofMinutes(15));
 *     URI base = server.uri(); // http://127.0.0.1:&lt;port&gt;
 * }
 * </pre>
 *
 * Thread-safe. {@link #close()} ends the event streams, stops Jetty (its threads end, the port is free)
 * and closes the store (its lock is released); it may be called more than once.
 *
 * @since 0.1
 */
public final class StreamkitServer implements AutoCloseable {

    /** Prefix of the names of every thread the server starts. */
    public static final String THREAD_NAME_PREFIX = "streamkit-server";

    private static final Logger LOG = LoggerFactory.getLogger(StreamkitServer.class);

    private enum State {
        NEW, RUNNING, CLOSED
    }

    private final ServerConfig config;
    private final Clock clock = Clock.systemUTC();
    private State state = State.NEW;
    private Server jetty;
    private ServerConnector connector;
    private ConfigStore store;
    private TokenService tokens;
    private SignIn signIn;
    private EventHub hub;
    private volatile URI uri;

    /** A server that is not started yet; see {@link #start()}. */
    public StreamkitServer(ServerConfig config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /**
     * Creates and starts a server.
     *
     * @throws IOException as {@link #start()}
     */
    public static StreamkitServer start(ServerConfig config) throws IOException {
        StreamkitServer server = new StreamkitServer(config);
        server.start();
        return server;
    }

    /**
     * Opens the store, reads (or generates) the signing key and starts listening.
     *
     * @throws IOException           when the data folder is in use by another server or unusable, the
     *                               JWKS file is unreadable, or the port is taken; the message says which
     * @throws IllegalStateException when the server was started before
     */
    public synchronized void start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("A StreamkitServer starts once; create a new one (state: " + state + ")");
        }
        state = State.CLOSED; // until fully started: a failed start cannot be retried on this instance
        JwksSource external = null;
        try {
            Files.createDirectories(config.dataFolder());
            store = ConfigStore.open(config.dataFolder().resolve("xodus"), config.durableWrites(),
                    config.lockTimeout().toMillis(), clock);
            SigningKey key = SigningKey.loadOrCreate(config.dataFolder().resolve("keys"));
            if (config.jwksFile() != null) {
                external = new JwksSource.FromFile(config.jwksFile());
            } else if (config.jwksUrl() != null) {
                external = new JwksSource.FromUrl(config.jwksUrl(), THREAD_NAME_PREFIX);
            }
            tokens = new TokenService(key, external, clock, config.clockSkew(), config.issuer(), config.audience(),
                    () -> config.issuer() != null ? config.issuer() : String.valueOf(uri));
            external = null; // owned by tokens now
            signIn = SignIn.open(config, tokens, clock);
            hub = new EventHub();
            store.setListener(hub::publish);
            RateLimiter limiter = new RateLimiter(config.rateLimitBurst(), config.rateLimitPerSecond(), System::nanoTime);

            QueuedThreadPool pool = new QueuedThreadPool(64, 2, 30_000);
            pool.setName(THREAD_NAME_PREFIX);
            jetty = new Server(pool, new ScheduledExecutorScheduler(THREAD_NAME_PREFIX + "-scheduler", false), null);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            // A config id may contain '%', which travels as "%25"; Jetty calls that ambiguous by default.
            // Ids can never contain '/', so an encoded percent cannot change how a path splits.
            http.setUriCompliance(UriCompliance.DEFAULT.with("streamkit-ids", UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
            connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            connector.setIdleTimeout(Math.max(30_000, config.heartbeatInterval().toMillis() * 2 + 5_000));
            jetty.addConnector(connector);
            jetty.setErrorHandler(new ProblemErrorHandler());
            jetty.setHandler(new ApiHandler(config, store, tokens, signIn, limiter, hub, clock));
            jetty.setStopTimeout(5_000);
            try {
                jetty.start();
            } catch (Exception e) {
                if (e instanceof BindException || e.getCause() instanceof BindException) {
                    throw new IOException("Port " + config.port() + " on " + config.host()
                            + " is in use (is another Streamkit server running?). Stop it, or choose another port.", e);
                }
                throw new IOException("The HTTP server could not start on " + config.host() + ":" + config.port() + ": "
                        + e.getMessage(), e);
            }
            String host = config.host();
            if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
                host = "127.0.0.1";
            } else if (host.contains(":") && !host.startsWith("[")) {
                host = "[" + host + "]";
            }
            uri = URI.create("http://" + host + ":" + connector.getLocalPort());
            state = State.RUNNING;
            LOG.info("Streamkit API server listening on {} (data in {}, extensions {})", uri, config.dataFolder(),
                    config.extensions() ? "on" : "off");
        } catch (IOException | RuntimeException e) {
            if (external != null) {
                external.close();
            }
            release();
            throw e;
        }
    }

    /** @return the port the server listens on (the one chosen when the configured port is 0) */
    public int port() {
        return running().getPort();
    }

    /** @return the base URI, for example {@code http://127.0.0.1:8796} (no trailing slash) */
    public URI uri() {
        return running();
    }

    /** @return whether the server is started and not closed */
    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /** @return the settings the server was made with */
    public ServerConfig config() {
        return config;
    }

    /** @return the extensions {@code /health} lists: all of them, or none with the extensions off */
    public List<String> features() {
        return config.extensions() ? ApiHandler.FEATURES : List.of();
    }

    /**
     * Mints an access token for a customer, signed with the server's own key ({@code customerId} and
     * {@code sub} both name the customer; {@code iss} is the configured issuer, else {@link #uri()}).
     *
     * @throws IllegalArgumentException when the customer id is not a valid id or the lifetime not positive
     * @throws IllegalStateException    when the server is not running
     */
    public String mintToken(String customerId, Duration ttl) {
        running();
        return tokens.mint(customerId, ttl, "access");
    }

    /** Mints an access token with the configured lifetime (15 minutes by default). */
    public String mintToken(String customerId) {
        return mintToken(customerId, config.accessTokenTtl());
    }

    /**
     * Mints a refresh token for a customer: accepted only by {@code POST /auth/refresh}, never as an
     * access token.
     */
    public String mintRefreshToken(String customerId, Duration ttl) {
        running();
        return tokens.mint(customerId, ttl, "refresh");
    }

    /** Mints a refresh token with the configured lifetime (30 days by default). */
    public String mintRefreshToken(String customerId) {
        return mintRefreshToken(customerId, config.refreshTokenTtl());
    }

    /** @return the public JWKS the server publishes at {@code /.well-known/jwks.json}, as JSON text */
    public String jwks() {
        running();
        return new String(Json.bytes(tokens.jwks()), StandardCharsets.UTF_8);
    }

    private URI running() {
        URI current = uri;
        synchronized (this) {
            if (state != State.RUNNING) {
                throw new IllegalStateException("The Streamkit API server is not running (state: " + state + ")");
            }
        }
        return current;
    }

    /**
     * Ends every event stream, stops Jetty and closes the store. Blocks until the port is free and the
     * store's lock released.
     */
    @Override
    public synchronized void close() {
        if (state == State.RUNNING) {
            LOG.info("Stopping the Streamkit API server on {}", uri);
        }
        state = State.CLOSED;
        release();
    }

    private void release() {
        if (hub != null) {
            hub.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (hub.size() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            hub = null;
        }
        if (jetty != null) {
            try {
                jetty.stop();
                jetty.join();
            } catch (Exception e) {
                LOG.warn("The HTTP server did not stop cleanly", e);
            }
            jetty = null;
        }
        if (tokens != null) {
            tokens.close();
            tokens = null;
        }
        if (signIn != null) {
            signIn.close();
            signIn = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
