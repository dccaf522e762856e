package org.streamkit.sync.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;
import org.streamkit.sync.server.ServerConfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The routes of the Streamkit API: the core ones as the deployed worker has them, and the extensions
 * when they are on. A blocking Jetty core handler: each request runs on a pool thread, reads its body
 * with a limit, and gets one complete answer, except {@code GET /events}, which keeps its thread and
 * writes a server-sent event stream until the client leaves or the server stops.
 * <p>
 * Order of checks: route, token (when the route needs one), rate limit (per customer when the token is
 * good, else per IP address, so failed tokens are limited too), path segments, body, preconditions.
 * Nothing logs a token or a config body.
 */
public final class ApiHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    /** The extensions, in the order {@code /health} lists them. */
    public static final List<String> FEATURES = List.of("changes", "ids", "conditional-writes", "events", "limits",
            "tombstones");

    static final String SERVICE = "streamkit-api";
    static final String VERSION = "0.1.0";
    private static final int DEFAULT_PAGE = 1000;
    private static final int MAX_PAGE = 5000;
    private static final int MAX_FIELDS = 64;
    /** A body over the limit is read and dropped up to this many times the limit, keeping the connection. */
    private static final int DRAIN_FACTOR = 8;

    private final ServerConfig config;
    private final ConfigStore store;
    private final TokenService tokens;
    private final SignIn signIn;
    private final RateLimiter limiter;
    private final EventHub hub;
    private final Clock clock;
    private final boolean extensions;

    public ApiHandler(ServerConfig config, ConfigStore store, TokenService tokens, SignIn signIn, RateLimiter limiter,
            EventHub hub, Clock clock) {
        super(InvocationType.BLOCKING);
        this.config = config;
        this.store = store;
        this.tokens = tokens;
        this.signIn = signIn;
        this.limiter = limiter;
        this.hub = hub;
        this.clock = clock;
        this.extensions = config.extensions();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        Reply reply;
        try {
            reply = route(request, response, callback, path == null ? "/" : path);
        } catch (HttpProblem p) {
            reply = p.reply();
        } catch (ConfigStore.StoreException e) {
            LOG.error("The store failed on {} {}", request.getMethod(), path, e);
            reply = Reply.problem(500, "store-failure", "Store failure",
                    "The server's store failed; nothing was changed by this request. The server log has the cause.", path);
        } catch (RuntimeException e) {
            LOG.error("Unexpected failure on {} {}", request.getMethod(), path, e);
            reply = Reply.problem(500, "internal-error", "Internal Server Error",
                    "The server failed unexpectedly; the server log has the cause.", path);
        }
        if (reply != null) {
            send(response, callback, reply);
        }
        return true;
    }

    /** @return the answer, or {@code null} when the route completed the response itself */
    private Reply route(Request request, Response response, Callback callback, String path) throws HttpProblem {
        String method = request.getMethod();
        List<String> segments = segments(path);
        int n = segments.size();
        String first = n > 0 ? segments.get(0) : "";
        if (n == 1 && first.equals("health") && method.equals("GET")) {
            return health();
        }
        if (n == 2 && first.equals(".well-known") && segments.get(1).equals("jwks.json") && method.equals("GET")) {
            limitByAddress(request, path);
            return Reply.json(200, tokens.jwks()).header("Cache-Control", "public, max-age=300");
        }
        if (n == 2 && first.equals("auth")) {
            Reply auth = auth(request, segments.get(1), method, path);
            if (auth != null) {
                return auth;
            }
        }
        if (extensions && n == 1 && first.equals("events") && method.equals("GET")) {
            TokenService.Principal who = authenticate(request, path);
            events(request, response, callback, who, path);
            return null;
        }
        if (extensions && n == 1 && first.equals("configs") && method.equals("GET")) {
            TokenService.Principal who = authenticate(request, path);
            return changes(request, who, null, path);
        }
        if (first.equals("configs") && (n == 2 || n == 3)) {
            boolean known = n == 2 ? method.equals("GET") || method.equals("POST")
                    : method.equals("GET") || method.equals("PUT") || method.equals("DELETE");
            if (known) {
                TokenService.Principal who = authenticate(request, path);
                String type = type(segments.get(1), path);
                if (n == 2) {
                    return method.equals("GET") ? list(request, who, type, path) : create(request, who, type, path);
                }
                String id = id(segments.get(2), path);
                return switch (method) {
                    case "GET" -> read(request, who, type, id);
                    case "PUT" -> update(request, who, type, id, path);
                    default -> delete(request, who, type, id);
                };
            }
        }
        limitByAddress(request, path);
        return Reply.problem(404, "not-found", "Not Found", "No route for " + printable(method) + " " + printable(path)
                + ". Routes: GET /health, GET|POST /configs/{type}, GET|PUT|DELETE /configs/{type}/{id}"
                + (extensions ? ", GET /configs?since=, GET /events" : "")
                + ", POST /auth/request-otp|verify-otp|refresh|logout, GET /auth/me.", path);
    }

    // ---------------------------------------------------------------- routes

    private Reply health() {
        ObjectNode node = Json.object();
        boolean up;
        try {
            store.lastSequence();
            up = true;
        } catch (ConfigStore.StoreException e) {
            LOG.warn("Health check: the store is unavailable ({})", e.getMessage());
            up = false;
        }
        node.put("status", up ? "healthy" : "unhealthy");
        node.put("service", SERVICE);
        node.put("version", VERSION);
        node.put("environment", config.environment());
        node.put("timestamp", Json.time(clock.instant()));
        node.put("kv", up ? "connected" : "unavailable");
        if (extensions) {
            ArrayNode features = node.putArray("features");
            FEATURES.forEach(features::add);
        }
        return Reply.json(up ? 200 : 503, node);
    }

    /** The sign-in service's routes (see {@link SignIn}); null for a method a route does not have. */
    private Reply auth(Request request, String route, String method, String path) throws HttpProblem {
        switch (route) {
            case "request-otp", "verify-otp", "refresh" -> {
                if (!method.equals("POST")) {
                    return null;
                }
                limitByAddress(request, path);
                ObjectNode body = parseObject(readBody(request, path), path);
                return switch (route) {
                    case "request-otp" -> signIn.requestCode(body, Request.getRemoteAddr(request), path);
                    case "verify-otp" -> signIn.verifyCode(body, path);
                    default -> refresh(body, path);
                };
            }
            case "logout" -> {
                return method.equals("POST") ? signIn.logout(authenticate(request, path)) : null;
            }
            case "me" -> {
                return method.equals("GET") ? SignIn.me(authenticate(request, path)) : null;
            }
            default -> {
                return null;
            }
        }
    }

    private Reply refresh(ObjectNode body, String path) {
        JsonNode token = body.has("refresh_token") ? body.get("refresh_token") : body.get("refreshToken");
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            ObjectNode extra = Json.object();
            extra.put("error", "missing_refresh_token");
            return Reply.problem(401, "missing-refresh-token", "Unauthorized",
                    "Send the refresh token as JSON: {\"refresh_token\": \"…\"}.", path, extra);
        }
        Reply opaque = signIn.refresh(token.asText().strip(), path);
        if (opaque != null) {
            return opaque;
        }
        try {
            String access = tokens.refresh(token.asText(), config.accessTokenTtl());
            ObjectNode node = Json.object();
            node.put("access_token", access);
            node.put("expires_in", config.accessTokenTtl().toSeconds());
            node.put("token_type", "Bearer");
            return Reply.json(200, node).header("Cache-Control", "no-store");
        } catch (TokenException e) {
            return unauthorized(e.getMessage(), path);
        }
    }

    private Reply list(Request request, TokenService.Principal who, String type, String path) throws HttpProblem {
        Fields query = query(request, path);
        Set<String> fields = extensions ? fields(query.getValue("fields"), path) : null;
        if (extensions && query.get("since") != null) {
            return changesPage(query, who, type, fields, path);
        }
        ConfigStore.Listing listing = store.list(who.customerId(), type);
        List<ConfigStore.Entry> entries = listing.entries();
        if (!extensions && config.coreListCap() > 0 && entries.size() > config.coreListCap()) {
            entries = entries.subList(0, config.coreListCap()); // as deployed: the first ids, the rest unsaid
        }
        ArrayNode configs = Json.array();
        entries.forEach(e -> configs.add(project(e.object(), fields)));
        ObjectNode node = Json.object();
        node.set("configs", configs);
        node.put("type", type);
        node.put("count", configs.size());
        if (extensions) {
            node.put("cursor", cursor(listing.lastSequence()));
        }
        return Reply.json(200, node);
    }

    /** {@code GET /configs?since=}: the changes page across every type of the customer. */
    private Reply changes(Request request, TokenService.Principal who, String type, String path) throws HttpProblem {
        Fields query = query(request, path);
        return changesPage(query, who, type, fields(query.getValue("fields"), path), path);
    }

    private Reply changesPage(Fields query, TokenService.Principal who, String type, Set<String> fields, String path)
            throws HttpProblem {
        long after = parseCursor(query.getValue("since"), path);
        int limit = pageLimit(query.getValue("limit"), path);
        ConfigStore.Page page = store.changes(who.customerId(), type, after, limit);
        ArrayNode configs = Json.array();
        ArrayNode tombstones = Json.array();
        for (ConfigStore.Entry e : page.entries()) {
            if (e.deleted()) {
                tombstones.add(e.object());
            } else {
                configs.add(project(e.object(), fields));
            }
        }
        ObjectNode node = Json.object();
        node.set("configs", configs);
        node.set("tombstones", tombstones);
        if (type != null) {
            node.put("type", type);
        }
        node.put("count", configs.size());
        node.put("cursor", cursor(page.next()));
        node.put("hasMore", page.hasMore());
        return Reply.json(200, node);
    }

    private Reply read(Request request, TokenService.Principal who, String type, String id) throws HttpProblem {
        ConfigStore.Entry entry = store.get(who.customerId(), type, id);
        if (entry != null && entry.deleted() && extensions) {
            // Still a 404, as deployed; with the tombstone and its entity tag, so a client sees the delete and
            // when it happened, and can write over it only by naming it (If-Match).
            ObjectNode node = Json.object();
            node.put("detail", "Config deleted: " + type + "/" + id);
            node.set("tombstone", entry.object());
            node.put("type", type);
            return Reply.json(404, node).header("ETag", entry.etag());
        }
        if (entry == null || entry.deleted()) {
            return Reply.detail(404, "Config not found: " + type + "/" + id);
        }
        if (extensions) {
            try {
                if (Precondition.noneMatchHits(request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH), entry.etag())) {
                    return Reply.empty(304).header("ETag", entry.etag());
                }
            } catch (IllegalArgumentException e) {
                throw new HttpProblem(Reply.problem(400, "invalid-precondition", "Bad Request", e.getMessage(),
                        request.getHttpURI().getPath()));
            }
        }
        ObjectNode node = Json.object();
        node.set("config", entry.object());
        node.put("type", type);
        Reply reply = Reply.json(200, node);
        return extensions ? reply.header("ETag", entry.etag()) : reply;
    }

    private Reply create(Request request, TokenService.Principal who, String type, String path) throws HttpProblem {
        ObjectNode body = parseObject(readBody(request, path), path);
        JsonNode idNode = body.get("id");
        if (idNode == null || idNode.isNull() || (idNode.isTextual() && idNode.asText().isEmpty())) {
            return Reply.detail(400, "Config ID is required: the body must have an \"id\".");
        }
        if (!idNode.isTextual()) {
            return Reply.detail(400, "Config ID must be a string, not " + idNode.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ".");
        }
        String id;
        try {
            id = ConfigKey.validateId(idNode.asText());
        } catch (ConfigValidationException e) {
            return Reply.problem(400, "invalid-id", "Invalid config id", e.getMessage(), path);
        }
        Precondition precondition = precondition(request, true, path);
        ConfigStore.Outcome outcome = store.replace(who.customerId(), type, id, body, precondition);
        return written(outcome, 201, "Config saved", type, id);
    }

    private Reply update(Request request, TokenService.Principal who, String type, String id, String path)
            throws HttpProblem {
        ObjectNode body = parseObject(readBody(request, path), path);
        Precondition precondition = precondition(request, false, path);
        ConfigStore.Outcome outcome = store.merge(who.customerId(), type, id, body, precondition);
        if (outcome instanceof ConfigStore.Outcome.NotFound) {
            return Reply.detail(404, "Config not found: " + type + "/" + id);
        }
        return written(outcome, 200, "Config updated", type, id);
    }

    private Reply delete(Request request, TokenService.Principal who, String type, String id) throws HttpProblem {
        String path = request.getHttpURI().getPath();
        Precondition precondition = precondition(request, false, path);
        // With the extensions, a DELETE may carry a JSON object whose fields the tombstone keeps (a client's
        // own record of the delete, such as when it was made), and it leaves a tombstone even where no live
        // config was, so the delete reaches every device.
        ObjectNode fields = null;
        if (extensions) {
            byte[] body = readBody(request, path);
            if (body.length > 0) {
                fields = parseObject(body, path);
            }
        }
        ConfigStore.Outcome outcome = store.delete(who.customerId(), type, id, fields, extensions, precondition);
        if (outcome instanceof ConfigStore.Outcome.PreconditionFailed failed) {
            return preconditionFailed(failed, type, id);
        }
        Reply reply = message(200, "Config deleted", type, id);
        return outcome instanceof ConfigStore.Outcome.Written written && extensions
                ? reply.header("ETag", written.entry().etag()) : reply;
    }

    private Reply written(ConfigStore.Outcome outcome, int status, String message, String type, String id) {
        if (outcome instanceof ConfigStore.Outcome.PreconditionFailed failed) {
            return preconditionFailed(failed, type, id);
        }
        ConfigStore.Outcome.Written written = (ConfigStore.Outcome.Written) outcome;
        Reply reply = message(status, message, type, id);
        return extensions ? reply.header("ETag", written.entry().etag()) : reply;
    }

    private static Reply message(int status, String message, String type, String id) {
        ObjectNode node = Json.object();
        node.put("message", message);
        node.put("configId", id);
        node.put("type", type);
        return Reply.json(status, node);
    }

    /** 412 with what is stored (the config, or its tombstone; {@code null} when there is none), in the shape of a GET. */
    private static Reply preconditionFailed(ConfigStore.Outcome.PreconditionFailed failed, String type, String id) {
        ConfigStore.Entry current = failed.current();
        ObjectNode node = Json.object();
        node.put("detail", current == null
                ? "Precondition failed: " + type + "/" + id + " does not exist (it may have been deleted)."
                : "Precondition failed: " + type + "/" + id + " has changed; its current version is "
                        + current.etag() + ". Merge with the config below and retry with If-Match: " + current.etag() + ".");
        if (current == null) {
            node.putNull("config");
        } else {
            node.set("config", current.object());
        }
        node.put("type", type);
        Reply reply = Reply.json(412, node);
        return current == null ? reply : reply.header("ETag", current.etag());
    }

    // ---------------------------------------------------------------- events

    private void events(Request request, Response response, Callback callback, TokenService.Principal who, String path)
            throws HttpProblem {
        String resume = request.getHeaders().get("Last-Event-ID");
        if (resume == null || resume.isBlank()) {
            resume = query(request, path).getValue("since");
        }
        long after = resume == null ? -1 : parseCursor(resume.strip(), path);
        EventHub.Subscription subscription;
        try {
            subscription = hub.subscribe(who.customerId());
        } catch (EventHub.EndedException e) {
            throw new HttpProblem(Reply.problem(503, "stopping", "Service Unavailable", "The server is stopping.", path));
        }
        request.addFailureListener(failure -> subscription.end());
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/event-stream;charset=utf-8");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("X-Accel-Buffering", "no");
        Throwable failure = null;
        long heartbeat = config.heartbeatInterval().toMillis();
        try (subscription) {
            long last;
            if (after < 0) {
                last = store.lastSequence();
            } else {
                // Subscribed first: whatever commits after the replay's snapshot is in the queue.
                last = after;
                ConfigStore.Page page;
                do {
                    page = store.changes(who.customerId(), null, last, 500);
                    StringBuilder text = new StringBuilder();
                    for (ConfigStore.Entry e : page.entries()) {
                        text.append(changeEvent(e.sequence(), e.type(), e.id(), e.updatedAt(), e.deleted()));
                    }
                    last = page.next();
                    if (!text.isEmpty()) {
                        write(response, text.toString());
                    }
                } while (page.hasMore());
            }
            ObjectNode ready = Json.object();
            ready.put("cursor", cursor(last));
            write(response, "retry: 2000\nid: " + cursor(last) + "\nevent: ready\ndata: "
                    + new String(Json.bytes(ready), StandardCharsets.UTF_8) + "\n\n");
            while (true) {
                ConfigStore.Change change = subscription.next(heartbeat, TimeUnit.MILLISECONDS);
                if (change == null) {
                    write(response, ": heartbeat\n\n");
                } else if (change.sequence() > last) {
                    write(response, changeEvent(change.sequence(), change.type(), change.id(), change.updatedAt(),
                            change.deleted()));
                    last = change.sequence();
                }
            }
        } catch (EventHub.EndedException e) {
            // the server is stopping, or the stream fell too far behind: end it cleanly
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } catch (RuntimeException e) {
            LOG.error("The event stream of a client failed", e);
            failure = e;
        }
        if (failure == null) {
            response.write(true, ByteBuffer.allocate(0), callback);
        } else {
            callback.failed(failure);
        }
    }

    private String changeEvent(long sequence, String type, String id, java.time.Instant updatedAt, boolean deleted) {
        ObjectNode data = Json.object();
        data.put("type", type);
        data.put("id", id);
        data.put("updatedAt", Json.time(updatedAt));
        data.put("deleted", deleted);
        return "id: " + cursor(sequence) + "\nevent: change\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8)
                + "\n\n";
    }

    private static void write(Response response, String text) throws IOException {
        try (Blocker.Callback blocker = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), blocker);
            blocker.block();
        }
    }

    // ---------------------------------------------------------------- checks

    private TokenService.Principal authenticate(Request request, String path) throws HttpProblem {
        TokenService.Principal who = null;
        String refused = null;
        try {
            who = tokens.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
        } catch (TokenException e) {
            refused = e.getMessage();
        } catch (KeysUnavailableException e) {
            LOG.warn("{}", e.getMessage());
            limitByAddress(request, path);
            throw new HttpProblem(Reply.problem(503, "keys-unavailable", "Service Unavailable", e.getMessage(), path));
        }
        if (who != null) {
            limit("customer:" + who.customerId(), path);
            return who;
        }
        limitByAddress(request, path);
        LOG.debug("Refused a token on {}: {}", path, refused);
        throw new HttpProblem(unauthorized(refused, path));
    }

    private static Reply unauthorized(String detail, String path) {
        return Reply.problem(401, "unauthorized", "Unauthorized", detail, path).header("WWW-Authenticate",
                "Bearer realm=\"streamkit\", error=\"invalid_token\"");
    }

    private void limitByAddress(Request request, String path) throws HttpProblem {
        limit("address:" + Request.getRemoteAddr(request), path);
    }

    private void limit(String client, String path) throws HttpProblem {
        if (!extensions) {
            return;
        }
        long wait = limiter.acquire(client);
        if (wait > 0) {
            ObjectNode extra = Json.object();
            extra.put("retryAfterSeconds", wait);
            throw new HttpProblem(Reply.problem(429, "rate-limited", "Too Many Requests", "Too many requests from this "
                    + (client.startsWith("customer:") ? "customer" : "address") + "; retry after " + wait + " s.", path, extra)
                    .header("Retry-After", Long.toString(wait)));
        }
    }

    private static String type(String segment, String path) throws HttpProblem {
        try {
            return ConfigKey.validateType(segment);
        } catch (ConfigValidationException e) {
            throw new HttpProblem(Reply.problem(400, "invalid-type", "Invalid config type", e.getMessage(), path));
        }
    }

    private static String id(String segment, String path) throws HttpProblem {
        try {
            return ConfigKey.validateId(segment);
        } catch (ConfigValidationException e) {
            throw new HttpProblem(Reply.problem(400, "invalid-id", "Invalid config id", e.getMessage(), path));
        }
    }

    private Precondition precondition(Request request, boolean create, String path) throws HttpProblem {
        if (!extensions) {
            return Precondition.NONE;
        }
        try {
            List<String> ifMatch = request.getHeaders().getValuesList(HttpHeader.IF_MATCH);
            List<String> ifNoneMatch = create ? request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH) : null;
            return Precondition.of(ifMatch, ifNoneMatch);
        } catch (IllegalArgumentException e) {
            throw new HttpProblem(Reply.problem(400, "invalid-precondition", "Bad Request", e.getMessage(), path));
        }
    }

    /**
     * Reads the body, at most the limit (1 MiB of config plus 64 KiB by default with the extensions; 25 MiB, the KV value
     * limit, without). A larger body is answered with 413; it is read and dropped first when it is not
     * far over, so the client sees the answer rather than a reset connection.
     */
    private byte[] readBody(Request request, String path) throws HttpProblem {
        int limit = extensions ? config.maxBodyBytes() : ServerConfig.CORE_MAX_BODY_BYTES;
        long declared = request.getLength();
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (declared > limit) {
                throw tooLarge(declared, limit, declared <= (long) limit * DRAIN_FACTOR && drain(in, declared), path);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                total += read;
                if (total > limit) {
                    boolean drained = drain(in, (long) limit * DRAIN_FACTOR - total);
                    throw tooLarge(-1, limit, drained, path);
                }
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new HttpProblem(Reply.problem(400, "unreadable-body", "Bad Request",
                    "The request body could not be read: " + e.getMessage(), path));
        }
    }

    /** @return whether the rest of the body was read within the budget */
    private static boolean drain(InputStream in, long budget) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = budget;
        int read;
        while (left >= 0 && (read = in.read(buffer)) >= 0) {
            left -= read;
        }
        return left >= 0;
    }

    private static HttpProblem tooLarge(long size, int limit, boolean drained, String path) {
        ObjectNode extra = Json.object();
        extra.put("limit", limit);
        String mib = limit % (1024 * 1024) == 0 ? " (" + limit / (1024 * 1024) + " MiB)" : "";
        Reply reply = Reply.problem(413, "payload-too-large", "Payload Too Large",
                (size > 0 ? "The body is " + size + " bytes; this" : "The body is larger than this") + " server accepts at most "
                        + limit + " bytes" + mib + " per request. Split the config or make it smaller.",
                path, extra);
        return new HttpProblem(drained ? reply : reply.header("Connection", "close"));
    }

    /**
     * Parses a body that must be one JSON object. Duplicate keys and bodies that are not objects are
     * 400s in both modes; other invalid JSON is a 400 with the extensions and a 500 without, as the
     * deployed API answers it.
     */
    private ObjectNode parseObject(byte[] body, String path) throws HttpProblem {
        JsonNode node;
        try {
            node = Json.read(body);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            if (message != null && message.startsWith("Duplicate field")) {
                throw new HttpProblem(Reply.problem(400, "duplicate-key", "Bad Request",
                        "The body has a duplicate key" + where + " (" + message + "); each key may appear once.", path));
            }
            throw invalidJson("The body is not valid JSON" + where + ": " + message, path);
        } catch (IOException e) {
            throw invalidJson("The body is not valid JSON: " + e.getMessage(), path);
        }
        if (node == null || node.isMissingNode()) {
            throw invalidJson("The body is empty; send a JSON object such as {\"id\": \"…\"}.", path);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new HttpProblem(Reply.problem(400, "not-an-object", "Bad Request",
                    "The body must be a JSON object, not " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ".",
                    path));
        }
        return object;
    }

    private HttpProblem invalidJson(String detail, String path) {
        if (extensions) {
            return new HttpProblem(Reply.problem(400, "invalid-json", "Bad Request", detail, path));
        }
        return new HttpProblem(Reply.problem(500, "internal-error", "Internal Server Error", detail, path));
    }

    private long parseCursor(String text, String path) throws HttpProblem {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        int dot = text.lastIndexOf('.');
        if (dot > 0 && dot < text.length() - 1) {
            try {
                long sequence = Long.parseLong(text.substring(dot + 1));
                if (sequence >= 0) {
                    // A cursor of another store (one rebuilt from scratch) reads from the beginning.
                    return text.substring(0, dot).equals(store.storeId()) ? sequence : 0;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw new HttpProblem(Reply.problem(400, "invalid-cursor", "Bad Request", "'" + printable(text)
                + "' is not a cursor of this server; pass the cursor of a previous answer, or leave since empty for everything.",
                path));
    }

    private String cursor(long sequence) {
        return store.storeId() + "." + sequence;
    }

    private static int pageLimit(String text, String path) throws HttpProblem {
        if (text == null || text.isEmpty()) {
            return DEFAULT_PAGE;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= 1) {
                return Math.min(value, MAX_PAGE);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new HttpProblem(Reply.problem(400, "invalid-limit", "Bad Request",
                "limit must be a whole number from 1 to " + MAX_PAGE + ".", path));
    }

    private static Set<String> fields(String text, String path) throws HttpProblem {
        if (text == null) {
            return null;
        }
        Set<String> fields = new LinkedHashSet<>();
        for (String f : text.split(",")) {
            String name = f.strip();
            if (!name.isEmpty()) {
                fields.add(name);
            }
        }
        if (fields.isEmpty() || fields.size() > MAX_FIELDS) {
            throw new HttpProblem(Reply.problem(400, "invalid-fields", "Bad Request",
                    "fields must list 1 to " + MAX_FIELDS + " comma-separated field names, such as fields=id,updatedAt.", path));
        }
        return fields;
    }

    private static ObjectNode project(ObjectNode object, Set<String> fields) {
        if (fields == null) {
            return object;
        }
        ObjectNode projected = Json.object();
        for (String f : fields) {
            JsonNode v = object.get(f);
            if (v != null) {
                projected.set(f, v);
            }
        }
        return projected;
    }

    private static Fields query(Request request, String path) throws HttpProblem {
        try {
            return Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new HttpProblem(Reply.problem(400, "invalid-query", "Bad Request",
                    "The query string is not valid (" + e.getMessage() + ").", path));
        }
    }

    /** Splits the raw path and percent-decodes each segment (strict UTF-8), so {@code %2F} stays inside its segment. */
    private static List<String> segments(String path) throws HttpProblem {
        List<String> segments = new ArrayList<>();
        int start = path.startsWith("/") ? 1 : 0;
        if (start >= path.length()) {
            return segments;
        }
        for (String raw : path.substring(start).split("/", -1)) {
            segments.add(decode(raw, path));
        }
        return segments;
    }

    private static String decode(String raw, String path) throws HttpProblem {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw badPath(path);
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw badPath(path);
        }
    }

    private static HttpProblem badPath(String path) {
        return new HttpProblem(Reply.problem(400, "invalid-path", "Bad Request",
                "The path has an invalid percent-encoding; encode each segment as UTF-8.", printable(path)));
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 200 ? b + "…" : b.toString();
    }

    static void send(Response response, Callback callback, Reply reply) {
        response.setStatus(reply.status());
        HttpFields.Mutable headers = response.getHeaders();
        if (reply.contentType() != null) {
            headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
        }
        if (reply.status() >= 400 || Reply.JSON.equals(reply.contentType()) && !reply.headers().containsKey("Cache-Control")) {
            headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        }
        reply.headers().forEach(headers::put);
        headers.put(HttpHeader.CONTENT_LENGTH, reply.body().length);
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
    }
}
