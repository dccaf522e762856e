package org.streamkit.sync.server.internal;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty raises itself (an ambiguous or malformed URI, oversized headers, a failure
 * outside the API handler) with problem JSON, like every other error of the server, instead of HTML.
 */
public final class ProblemErrorHandler extends ErrorHandler {

    /** Every method gets a body (Jetty's default gives one to GET, POST and HEAD only). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        String path = request.getHttpURI() == null ? "/" : String.valueOf(request.getHttpURI().getPath());
        // Jetty does not keep a connection whose request it refused itself; saying so keeps a client from
        // sending its next request on it (which would meet a closed socket instead of an answer).
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        ApiHandler.send(response, callback, Reply.problem(code, slug(code), title(code), detail(code, message),
                ApiHandler.printable(path)));
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, Reply.PROBLEM_JSON);
        fields.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        return ByteBuffer.wrap(Json.bytes(Reply.problemNode(status, slug(status), title(status), detail(status, reason),
                null, null)));
    }

    private static String slug(int code) {
        return code == 404 ? "not-found" : code >= 500 ? "internal-error" : "bad-request";
    }

    private static String title(int code) {
        String reason = HttpStatus.getMessage(code);
        return reason == null ? "Error " + code : reason;
    }

    private static String detail(int code, String message) {
        String text = message == null || message.isBlank() ? title(code) : message;
        return ApiHandler.printable(text) + (code == 400 ? ". Check the request line: each path segment must be"
                + " percent-encoded UTF-8, and a config id must not contain '/'." : "");
    }
}
