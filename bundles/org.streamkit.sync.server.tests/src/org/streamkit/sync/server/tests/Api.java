package org.streamkit.sync.server.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A small HTTP client for the server under test: real requests on loopback with the JDK's client. */
final class Api implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One answer. */
    record Reply(int status, java.net.http.HttpHeaders headers, byte[] bytes) {

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new AssertionError("Not JSON (status " + status + "): " + text(), e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + (bytes.length > 600 ? text().substring(0, 600) + "…" : text());
        }
    }

    private final HttpClient client;
    private final URI base;
    private final String token;

    Api(URI base, String token) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), base, token);
    }

    private Api(HttpClient client, URI base, String token) {
        this.client = client;
        this.base = base;
        this.token = token;
    }

    /** @return a client for the same server acting with another token (sharing the connection pool) */
    Api as(String otherToken) {
        return new Api(client, base, otherToken);
    }

    URI base() {
        return base;
    }

    HttpClient client() {
        return client;
    }

    Reply get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    Reply post(String path, Object body, String... headers) {
        return send("POST", path, body, headers);
    }

    Reply put(String path, Object body, String... headers) {
        return send("PUT", path, body, headers);
    }

    Reply delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    /**
     * @param body a {@link JsonNode}, a String (sent as is) or bytes; {@code null} for none
     * @param headers name, value, name, value…
     */
    Reply send(String method, String path, Object body, String... headers) {
        HttpRequest.BodyPublisher publisher;
        if (body == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (body instanceof byte[] bytes) {
            publisher = HttpRequest.BodyPublishers.ofByteArray(bytes);
        } else if (body instanceof String s) {
            publisher = HttpRequest.BodyPublishers.ofString(s, StandardCharsets.UTF_8);
        } else {
            try {
                publisher = HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, publisher);
        if (body != null) {
            request.header("Content-Type", "application/json");
            // Wait for the server's go-ahead before the body: a request the server refuses from its
            // request line alone (a hostile path) then gets its 400, instead of a connection reset by a
            // body the server never reads.
            request.expectContinue(true);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** @return a JSON object parsed from text */
    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the field names of an object, in order */
    static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Override
    public void close() {
        client.close();
    }
}
