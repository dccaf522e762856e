package org.streamkit.sync.tier.cloud;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.streamkit.sync.api.ConfigJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Another client of the Streamkit API, as the original web dock uses it: plain JSON over the core routes,
 * with no idea of this project's sync record (it keeps the fields it does not know when it writes back).
 */
final class WebDock implements AutoCloseable {

    private final HttpClient client = HttpClient.newHttpClient();
    private final URI base;
    private final String token;

    WebDock(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** @return the stored config, or null when the server answers 404 */
    ObjectNode get(String type, String id) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", "/configs/" + type + "/" + id, null);
        if (response.statusCode() == 404) {
            return null;
        }
        return (ObjectNode) ConfigJson.reader().readTree(response.body()).get("config");
    }

    /** Writes a changed config back with {@code PUT} (a shallow merge on the server). */
    int put(String type, String id, JsonNode config) throws IOException, InterruptedException {
        return send("PUT", "/configs/" + type + "/" + id, config.toString()).statusCode();
    }

    /** Creates or overwrites a config with {@code POST}. */
    int post(String type, JsonNode config) throws IOException, InterruptedException {
        return send("POST", "/configs/" + type, config.toString()).statusCode();
    }

    /** Deletes a config with {@code DELETE}. */
    int delete(String type, String id) throws IOException, InterruptedException {
        return send("DELETE", "/configs/" + type + "/" + id, null).statusCode();
    }

    private HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        client.close();
    }
}
