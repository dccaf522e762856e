package org.streamkit.sync.server.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;

/** A server under test on 127.0.0.1 and a free port, with a client acting for customer {@code alice}. */
final class TestServer implements AutoCloseable {

    static final String ALICE = "alice";
    static final String BOB = "bob";

    final StreamkitServer server;
    final Api api;

    private TestServer(StreamkitServer server) {
        this.server = server;
        this.api = new Api(server.uri(), server.mintToken(ALICE));
    }

    static TestServer start(Path folder) {
        return start(folder, b -> b);
    }

    static TestServer start(Path folder, UnaryOperator<ServerConfig.Builder> settings) {
        try {
            return new TestServer(StreamkitServer.start(settings.apply(ServerConfig.builder(folder).host("127.0.0.1").port(0)).build()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a client acting for another customer */
    Api as(String customer) {
        return api.as(server.mintToken(customer));
    }

    @Override
    public void close() {
        server.close(); // first: open event streams end, so the client's close does not wait for them
        api.close();
    }
}
