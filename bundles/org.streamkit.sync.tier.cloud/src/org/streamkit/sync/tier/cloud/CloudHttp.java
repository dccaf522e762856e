package org.streamkit.sync.tier.cloud;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.URIBuilder;
import org.apache.hc.core5.util.Timeout;
import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.support.CloudUrls;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The HTTP side of the cloud tier, on Apache HttpClient 5 (async, pooled, HTTP/2 where the server offers
 * it): builds URLs segment by segment, signs requests with the access token (refreshing it five minutes
 * before it expires, and once more after a {@code 401}), bounds response sizes and times, and turns every
 * failure into a {@link StorageException} that says what happened without ever naming a token.
 */
public final class CloudHttp implements AutoCloseable {

    /** A response, read whole (within the size limit). */
    record Response(int status, byte[] body, Map<String, String> headers) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() throws StorageException {
            try {
                JsonNode node = ConfigJson.reader().readTree(body);
                if (node == null || node.isMissingNode()) {
                    throw new StorageException("The cloud answered " + status + " with an empty body", true);
                }
                return node;
            } catch (IOException e) {
                throw new StorageException("The cloud answered " + status + " with a body that is not JSON", true, e);
            }
        }

        String detail() {
            try {
                JsonNode node = ConfigJson.reader().readTree(body);
                JsonNode detail = node == null ? null : node.get("detail");
                return detail != null && detail.isTextual() ? detail.asText() : "";
            } catch (IOException e) {
                return "";
            }
        }
    }

    /**
     * The auth service that signs users in for the deployed Streamkit API, and refreshes their sign-in
     * ({@code POST /auth/refresh}): a host of its own, not the API's.
     */
    static final URI PRODUCTION_AUTH = URI.create("https://auth.idling.app");

    private final URI base;
    private final URI authBase;
    private final Tokens tokens;
    private final Duration responseTimeout;
    private final long maxResponseBytes;
    private final CloseableHttpAsyncClient client;
    private volatile String authProblem;
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong bytesReceived = new java.util.concurrent.atomic.AtomicLong();

    /** A client whose sign-in is refreshed by the API's host itself (the local server does it). */
    public CloudHttp(URI base, Tokens tokens, Duration connectTimeout, Duration responseTimeout, long maxResponseBytes) {
        this(base, base, tokens, connectTimeout, responseTimeout, maxResponseBytes);
    }

    /**
     * @param base     the Streamkit API
     * @param authBase the auth service that refreshes the sign-in ({@code POST {authBase}/auth/refresh})
     */
    public CloudHttp(URI base, URI authBase, Tokens tokens, Duration connectTimeout, Duration responseTimeout,
            long maxResponseBytes) {
        this.base = base;
        this.authBase = authBase;
        this.tokens = tokens;
        this.responseTimeout = responseTimeout;
        this.maxResponseBytes = maxResponseBytes;
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(16)
                        .setMaxConnPerRoute(8)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(responseTimeout))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(responseTimeout)).build())
                .setVersionPolicy(HttpVersionPolicy.NEGOTIATE)
                // The coordinator's outbox retries, with backoff and Retry-After; the client must not
                // (its default waits out a 429's Retry-After inside the request).
                .disableAutomaticRetries()
                // A redirect is answered as it is: followed, it could take the token to an address the HTTPS
                // rule was never checked for.
                .disableRedirectHandling()
                .disableCookieManagement()
                .build();
        client.start();
    }

    /**
     * Checks a base URL: HTTPS, or plain HTTP only to this machine (see {@link CloudUrls}).
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static URI checkedBase(String url) {
        return CloudUrls.check(url);
    }

    /**
     * The auth service for a cloud URL: the one configured (checked by the same rule as the API's), else the
     * API's own host when it is on this machine (the local server refreshes sign-ins), else the production
     * auth service.
     *
     * @param configured the configured auth service URL, or null or blank for the default
     * @throws IllegalArgumentException naming what is wrong with a configured URL
     */
    static URI authBase(String configured, URI base) {
        if (configured != null && !configured.isBlank()) {
            return CloudUrls.check(configured);
        }
        return CloudUrls.loopback(base.getHost()) ? base : PRODUCTION_AUTH;
    }

    /** @return why the last request's sign-in failed, or null when it did not */
    String authProblem() {
        return authProblem;
    }

    /**
     * Sends a request under {@code base}, signed, with one refresh-and-retry on {@code 401}.
     *
     * @param path  path segments, each encoded on its own
     * @param query query parameters (may be empty)
     * @param json  a JSON body, or null
     * @param what  what is being done, for messages ("saving notes/intro")
     */
    Response send(String method, List<String> path, Map<String, String> query, byte[] json, Map<String, String> headers,
            String what) throws StorageException {
        refreshIfExpiring();
        Response response = execute(request(base, method, path, query, json, headers, tokens.accessToken()), what);
        if (response.status() == 401 && refresh()) {
            response = execute(request(base, method, path, query, json, headers, tokens.accessToken()), what);
        }
        if (response.status() == 401) {
            authProblem = "The cloud did not accept the sign-in (" + (response.detail().isEmpty() ? "401" : response.detail())
                    + "). Sign in again in the Streamkit preferences.";
            throw new StorageException(authProblem + " (while " + what + ")", true);
        }
        authProblem = null;
        return response;
    }

    /**
     * Sends a request to the auth service as it is: no refresh, no retry, no cookie.
     *
     * @param bearer an access token to send, or null
     */
    Response authRequest(String method, List<String> path, byte[] json, String bearer, String what) throws StorageException {
        return execute(request(authBase, method, path, Map.of(), json, Map.of(), bearer), what);
    }

    /** @return the auth service this client refreshes the sign-in at */
    URI authBase() {
        return authBase;
    }

    private static SimpleHttpRequest request(URI root, String method, List<String> path, Map<String, String> query,
            byte[] json, Map<String, String> headers, String token) throws StorageException {
        URI uri;
        try {
            URIBuilder builder = new URIBuilder(root);
            List<String> segments = new java.util.ArrayList<>(builder.getPathSegments());
            segments.removeIf(String::isEmpty);
            segments.addAll(path);
            builder.setPathSegments(segments);
            query.forEach(builder::addParameter);
            uri = builder.build();
        } catch (URISyntaxException e) {
            throw new StorageException("Could not build a cloud URL: " + e.getMessage(), false, e);
        }
        SimpleRequestBuilder builder = SimpleRequestBuilder.create(method).setUri(uri).addHeader("Accept", "application/json");
        if (token != null) {
            builder.addHeader("Authorization", "Bearer " + token);
        }
        headers.forEach(builder::addHeader);
        if (json != null) {
            builder.setBody(json, ContentType.APPLICATION_JSON);
        }
        return builder.build();
    }

    /** @return requests sent so far (a figure for benchmarks and status) */
    public long requests() {
        return requests.get();
    }

    /** @return response body bytes received so far */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    private Response execute(SimpleHttpRequest request, String what) throws StorageException {
        requests.incrementAndGet();
        Future<Response> future = client.execute(SimpleRequestProducer.create(request), new BoundedConsumer(maxResponseBytes), null);
        try {
            Response response = future.get(responseTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            bytesReceived.addAndGet(response.body().length);
            return response;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while " + what, true, e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StorageException("The cloud did not answer in time while " + what, true, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ResponseTooLarge) {
                throw new StorageException("The cloud's answer while " + what + " was larger than " + maxResponseBytes
                        + " bytes; it was not read", true, cause);
            }
            throw new StorageException("The cloud at " + request.getAuthority().getHostName() + " could not be reached while " + what + " ("
                    + (cause == null ? e : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()))
                    + ")", true, cause);
        }
    }

    /** A response over the size limit: reading stopped there. */
    private static final class ResponseTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        ResponseTooLarge(long limit) {
            super("the response is larger than " + limit + " bytes");
        }
    }

    /**
     * Opens a long-lived streaming request (the change stream): no response timeout, signed like the rest.
     * The consumer sees the response as it arrives.
     */
    <T> Future<T> stream(List<String> path, Map<String, String> headers,
            org.apache.hc.core5.http.nio.AsyncResponseConsumer<T> consumer) {
        refreshIfExpiring();
        try {
            SimpleHttpRequest request = request(base, "GET", path, Map.of(), null, headers, tokens.accessToken());
            request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED).build());
            return client.execute(SimpleRequestProducer.create(request), consumer, null);
        } catch (StorageException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Refreshes the access token when it expires within five minutes; failures surface on the request. */
    private void refreshIfExpiring() {
        String token = tokens.accessToken();
        if (token != null && Jwt.expiry(token).map(exp -> exp.isBefore(Instant.now().plus(Duration.ofMinutes(5)))).orElse(false)) {
            refresh();
        }
    }

    /** @return whether a new access token was obtained */
    private synchronized boolean refresh() {
        String refreshToken = tokens.refreshToken();
        if (refreshToken == null) {
            return false;
        }
        byte[] body = ConfigJson.newObject().put("refresh_token", refreshToken).toString().getBytes(StandardCharsets.UTF_8);
        try {
            Response response = execute(request(authBase, "POST", List.of("auth", "refresh"), Map.of(), body, Map.of(), null),
                    "refreshing the sign-in");
            if (response.status() != 200) {
                return false;
            }
            JsonNode json = response.json();
            JsonNode access = json.has("access_token") ? json.get("access_token") : json.get("accessToken");
            if (access == null || !access.isTextual()) {
                return false;
            }
            JsonNode newRefresh = json.has("refresh_token") ? json.get("refresh_token") : json.get("refreshToken");
            tokens.update(access.asText(), newRefresh != null && newRefresh.isTextual() ? newRefresh.asText() : null);
            return true;
        } catch (StorageException e) {
            return false;
        }
    }

    /** Reads {@code Retry-After} (seconds or an HTTP date) as a delay. */
    static Duration retryAfter(Response response) {
        String value = response.header("Retry-After");
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    /** Reads a response whole, refusing one larger than the limit instead of filling the heap. */
    private static final class BoundedConsumer extends AbstractBinResponseConsumer<Response> {

        private final long limit;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private HttpResponse head;

        BoundedConsumer(long limit) {
            this.limit = limit;
        }

        @Override
        protected void start(HttpResponse response, ContentType contentType) {
            head = response;
        }

        @Override
        protected int capacityIncrement() {
            return 64 * 1024;
        }

        @Override
        protected void data(ByteBuffer src, boolean endOfStream) throws IOException {
            if (buffer.size() + (long) src.remaining() > limit) {
                throw new ResponseTooLarge(limit);
            }
            byte[] chunk = new byte[src.remaining()];
            src.get(chunk);
            buffer.write(chunk);
        }

        @Override
        protected Response buildResult() {
            Map<String, String> headers = new java.util.HashMap<>();
            for (Header h : head.getHeaders()) {
                headers.putIfAbsent(h.getName().toLowerCase(Locale.ROOT), h.getValue());
            }
            return new Response(head.getCode(), buffer.toByteArray(), headers);
        }

        @Override
        public void releaseResources() {
            // nothing held beyond the buffer
        }
    }
}
