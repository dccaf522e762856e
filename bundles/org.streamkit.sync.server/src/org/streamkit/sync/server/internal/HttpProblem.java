package org.streamkit.sync.server.internal;

/** Ends a request early with a ready answer (a 4xx, usually). */
final class HttpProblem extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Reply reply;

    HttpProblem(Reply reply) {
        super(null, null, false, false);
        this.reply = reply;
    }

    Reply reply() {
        return reply;
    }
}
