package org.streamkit.sync.tier.obs;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One obs-websocket 5 session over a Jetty WebSocket: the {@code Hello → Identify → Identified} handshake
 * with the SHA-256 challenge, requests and request batches matched to their replies by {@code requestId}
 * (OBS answers out of order), and events. A session that closes is not reopened; {@link ObsConnection}
 * opens a new one.
 */
public final class ObsSocket implements AutoCloseable {

    /** {@code eventSubscriptions} bit for the General category, which carries {@code CustomEvent}. */
    public static final int EVENTS_GENERAL = 1;
    /** {@code eventSubscriptions} bit for the Outputs category: {@code StreamStateChanged}, {@code RecordStateChanged}. */
    public static final int EVENTS_OUTPUTS = 1 << 6;
    /** {@code RequestBatch} execution type: one after another, in order. */
    public static final int BATCH_SERIAL = 0;

    private static final Logger LOG = LoggerFactory.getLogger(ObsSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RPC_VERSION = 1;

    /** What a session reports besides replies. */
    public interface Listener {
        /** An event (op 5) arrived. Called on a Jetty thread: do not block. */
        void event(String type, JsonNode data);

        /** The session ended; {@code reason} says why in words. */
        void closed(String reason);
    }

    /** One request of a batch. */
    public record Request(String type, ObjectNode data) {
    }

    private final URI uri;
    private final String password;
    private final int eventSubscriptions;
    private final Duration timeout;
    private final Listener listener;
    private final CompletableFuture<Void> identified = new CompletableFuture<>();
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Session session;
    private volatile String closeReason;

    /**
     * @param password the OBS WebSocket password, or {@code null} when none is set
     */
    public ObsSocket(URI uri, String password, int eventSubscriptions, Duration timeout, Listener listener) {
        this.uri = uri;
        this.password = password;
        this.eventSubscriptions = eventSubscriptions;
        this.timeout = timeout;
        this.listener = listener;
    }

    /**
     * Connects and identifies. Returns once OBS answered {@code Identified}.
     *
     * @throws StorageException when OBS cannot be reached or refuses this client, with the reason in words
     */
    public void open(WebSocketClient client) throws StorageException {
        try {
            // The Hello can arrive in the same read as the upgrade response: the listener is in place first.
            client.connect(new Endpoint(), uri).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            identified.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new StorageException("Interrupted while connecting to OBS", true, e);
        } catch (TimeoutException e) {
            close();
            throw new StorageException("OBS at " + where() + " did not answer within " + timeout.toMillis() + " ms", true, e);
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            if (cause instanceof StorageException s) {
                throw s;
            }
            throw new StorageException("OBS is not reachable at " + where() + ": " + describe(cause), true, cause);
        } catch (IOException e) {
            throw new StorageException("OBS is not reachable at " + where() + ": " + describe(e), true, e);
        }
    }

    private String where() {
        return uri.getHost() + ":" + uri.getPort();
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String message = t.getMessage();
        if (t instanceof java.net.ConnectException || message != null && message.contains("Connection refused")) {
            return "connection refused (is OBS running with its WebSocket server enabled?)";
        }
        if (message == null || message.contains("@") || message.length() > 160) {
            // Jetty's messages for a connection dropped mid-handshake name its internal objects: say what happened.
            return "the connection closed before OBS answered (" + t.getClass().getSimpleName() + "; is OBS starting?)";
        }
        return message;
    }

    /** @return whether the session is identified and open */
    public boolean isOpen() {
        Session s = session;
        return identified.isDone() && !identified.isCompletedExceptionally() && s != null && s.isOpen() && closeReason == null;
    }

    /**
     * Sends one request and waits for its reply.
     *
     * @return the reply's {@code responseData} (an empty object when OBS sent none)
     * @throws StorageException when the session is gone, the reply is late, or OBS refused the request
     */
    public JsonNode request(String type, ObjectNode data) throws StorageException {
        String id = nextId();
        JsonNode reply = exchange(6, requestOf(type, id, data), id, type);
        checkStatus(type, reply.get("requestStatus"));
        JsonNode response = reply.get("responseData");
        return response == null || response.isNull() ? JSON.createObjectNode() : response;
    }

    /**
     * Sends requests as one {@code RequestBatch}, run one after another in order.
     *
     * @return each request's {@code responseData}, in order
     * @throws StorageException when the session is gone, the reply is late, or OBS refused any request
     */
    public List<JsonNode> batch(List<Request> requests) throws StorageException {
        String id = nextId();
        ObjectNode d = JSON.createObjectNode();
        d.put("requestId", id);
        d.put("haltOnFailure", true);
        d.put("executionType", BATCH_SERIAL);
        ArrayNode list = d.putArray("requests");
        for (Request r : requests) {
            ObjectNode item = list.addObject();
            item.put("requestType", r.type());
            if (r.data() != null) {
                item.set("requestData", r.data());
            }
        }
        JsonNode reply = exchange(8, d, id, "RequestBatch");
        JsonNode results = reply.get("results");
        if (results == null || !results.isArray() || results.size() != requests.size()) {
            throw new StorageException("OBS answered a batch of " + requests.size() + " requests with "
                    + (results == null ? "no" : results.size()) + " results", true);
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode result : results) {
            String type = result.path("requestType").asText("?");
            checkStatus(type, result.get("requestStatus"));
            JsonNode response = result.get("responseData");
            out.add(response == null || response.isNull() ? JSON.createObjectNode() : response);
        }
        return out;
    }

    /**
     * Sends one request without waiting for its reply (which is dropped when it comes): for a request whose
     * answer changes nothing, such as an announcement. Nothing is sent when the session is gone.
     */
    public void sendOnly(String type, ObjectNode data) {
        Session s = session;
        if (closeReason != null || s == null || !identified.isDone()) {
            return;
        }
        s.sendText(message(6, requestOf(type, nextId(), data)),
                Callback.from(() -> { }, failed -> LOG.debug("Sending {} to OBS failed: {}", type, failed.toString())));
    }

    /** @return the {@code d} of a request (op 6) */
    private static ObjectNode requestOf(String type, String id, ObjectNode data) {
        ObjectNode d = JSON.createObjectNode();
        d.put("requestType", type);
        d.put("requestId", id);
        if (data != null) {
            d.set("requestData", data);
        }
        return d;
    }

    private String nextId() {
        return Long.toString(ids.incrementAndGet(), 36);
    }

    private JsonNode exchange(int op, ObjectNode d, String id, String what) throws StorageException {
        Session s = session;
        String reason = closeReason;
        if (reason != null || s == null || !identified.isDone()) {
            throw new StorageException(reason != null ? reason : "Not connected to OBS", true);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            s.sendText(message(op, d), Callback.from(() -> { }, reply::completeExceptionally));
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while waiting for OBS", true, e);
        } catch (TimeoutException e) {
            throw new StorageException("OBS did not answer " + what + " within " + timeout.toMillis() + " ms", true, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("Sending " + what + " to OBS failed: " + describe(cause), true, cause);
        } finally {
            pending.remove(id);
        }
    }

    private static void checkStatus(String type, JsonNode status) throws StorageException {
        if (status == null || !status.path("result").asBoolean(false)) {
            int code = status == null ? 0 : status.path("code").asInt();
            String comment = status == null ? "" : status.path("comment").asText("");
            // Request errors are answers: the request is wrong, so retrying it cannot help.
            throw new StorageException("OBS refused " + type + " (code " + code + (comment.isEmpty() ? "" : ": " + comment) + ")",
                    false);
        }
    }

    private static String message(int op, ObjectNode d) {
        ObjectNode m = JSON.createObjectNode();
        m.put("op", op);
        m.set("d", d);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code authentication} string of obs-websocket 5: base64(sha256(base64(sha256(password + salt)) + challenge)). */
    static String authentication(String password, String salt, String challenge) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String secret = Base64.getEncoder().encodeToString(sha.digest((password + salt).getBytes(StandardCharsets.UTF_8)));
            return Base64.getEncoder().encodeToString(sha.digest((secret + challenge).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** Words for a close code of obs-websocket 5 (or of WebSocket itself). */
    static String closeReason(int code, String reason) {
        String text = switch (code) {
            case 4009 -> "Wrong OBS password: OBS refused the sign-in (close code 4009); set the OBS WebSocket password in the Streamkit preferences";
            case 4010 -> "OBS does not speak this client's protocol (rpcVersion " + RPC_VERSION + "; close code 4010); update OBS to 28 or newer";
            case 4011 -> "OBS ended the session (close code 4011: kicked by OBS or another tool)";
            case 4007, 4003, 4002, 4006 -> "OBS refused a message of this client (close code " + code + ")";
            case 1000, 1001 -> "OBS closed the connection (it is shutting down or restarting)";
            case 1006 -> "The connection to OBS was lost";
            default -> "OBS closed the connection (close code " + code + ")";
        };
        return reason == null || reason.isBlank() || code == 4009 ? text : text + ": " + reason;
    }

    @Override
    public void close() {
        Session s = session;
        if (closeReason == null) {
            closeReason = "Connection to OBS closed by this client";
        }
        if (s != null && s.isOpen()) {
            s.close(1000, "bye", Callback.NOOP);
        }
        failAll(closeReason);
    }

    private void failAll(String reason) {
        StorageException e = new StorageException(reason, true);
        identified.completeExceptionally(e);
        pending.values().forEach(f -> f.completeExceptionally(e));
    }

    /** Jetty's view of the socket; it calls one method at a time. Public because Jetty looks its methods up publicly. */
    public final class Endpoint implements Session.Listener.AutoDemanding {

        private Endpoint() {
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String text) {
            JsonNode message;
            try {
                message = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                LOG.warn("OBS sent a message that is not JSON; ignored");
                return;
            }
            JsonNode d = message.path("d");
            switch (message.path("op").asInt(-1)) {
            case 0 -> identify(d);
            case 2 -> identified.complete(null);
            case 5 -> {
                acknowledge();
                listener.event(d.path("eventType").asText(""), d.path("eventData"));
            }
            case 7, 9 -> {
                CompletableFuture<JsonNode> reply = pending.get(d.path("requestId").asText(""));
                if (reply != null) {
                    reply.complete(d);
                } else {
                    acknowledge(); // the answer to a request sent without waiting (sendOnly)
                }
            }
            default -> LOG.debug("OBS sent op {}; ignored", message.path("op"));
            }
        }

        /**
         * OBS does not turn off Nagle's algorithm on its sockets: a message it sends right after another that
         * this client does not answer with a request (an event, as this client's own BroadcastCustomEvent comes
         * back to it; the answer to a request sent without waiting) waits until that one is acknowledged, and
         * Linux delays the acknowledgement by 40 ms. A pong, which needs no answer, acknowledges it at once.
         */
        private void acknowledge() {
            session.sendPong(ByteBuffer.allocate(0), Callback.NOOP);
        }

        private void identify(JsonNode hello) {
            ObjectNode d = JSON.createObjectNode();
            d.put("rpcVersion", RPC_VERSION);
            d.put("eventSubscriptions", eventSubscriptions);
            JsonNode auth = hello.get("authentication");
            if (auth != null && auth.isObject()) {
                if (password == null || password.isEmpty()) {
                    closeReason = "OBS asks for a password: set the OBS WebSocket password in the Streamkit preferences";
                    failAll(closeReason);
                    session.close(1000, "no password", Callback.NOOP);
                    return;
                }
                d.put("authentication", authentication(password, auth.path("salt").asText(), auth.path("challenge").asText()));
            }
            session.sendText(message(1, d), Callback.from(() -> { }, identified::completeExceptionally));
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            String why = closeReason == null ? closeReason(code, reason) : closeReason;
            closeReason = why;
            failAll(why);
            listener.closed(why);
            callback.succeed();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            if (closeReason == null) {
                closeReason = "The connection to OBS failed: " + describe(cause);
            }
            failAll(closeReason);
            listener.closed(closeReason);
        }
    }
}
