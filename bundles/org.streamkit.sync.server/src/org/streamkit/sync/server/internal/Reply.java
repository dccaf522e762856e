package org.streamkit.sync.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A complete HTTP answer: status, content type, extra headers, body. */
public final class Reply {

    public static final String JSON = "application/json";
    public static final String PROBLEM_JSON = "application/problem+json";

    private final int status;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Reply(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    public static Reply json(int status, JsonNode node) {
        return new Reply(status, JSON, Json.bytes(node));
    }

    /** A reply without a body (for example 304). */
    public static Reply empty(int status) {
        return new Reply(status, null, new byte[0]);
    }

    /** The core error shape of the deployed API: {@code {detail}}. */
    public static Reply detail(int status, String detail) {
        ObjectNode node = Json.object();
        node.put("detail", detail);
        return json(status, node);
    }

    /**
     * An RFC 7807 problem: {@code {type, title, status, detail, instance}}.
     *
     * @param slug the problem kind; the type is {@code urn:streamkit:problem:<slug>}
     */
    public static Reply problem(int status, String slug, String title, String detail, String instance) {
        return problem(status, slug, title, detail, instance, null);
    }

    /** A problem with extra members (for example the limit of a 413). */
    public static Reply problem(int status, String slug, String title, String detail, String instance, ObjectNode extra) {
        return new Reply(status, PROBLEM_JSON, Json.bytes(problemNode(status, slug, title, detail, instance, extra)));
    }

    static ObjectNode problemNode(int status, String slug, String title, String detail, String instance, ObjectNode extra) {
        ObjectNode node = Json.object();
        node.put("type", "urn:streamkit:problem:" + slug);
        node.put("title", title);
        node.put("status", status);
        node.put("detail", detail);
        node.put("instance", instance);
        if (extra != null) {
            extra.properties().forEach(e -> node.set(e.getKey(), e.getValue()));
        }
        return node;
    }

    public Reply header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public byte[] body() {
        return body;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
