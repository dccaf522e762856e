package org.streamkit.sync.tier.cloud;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.server.ServerConfig;
import org.streamkit.sync.server.StreamkitServer;
import org.streamkit.sync.testing.StorageTierContractTest;

/**
 * The storage-tier contract, for the cloud tier against the real local Streamkit API server on 127.0.0.1
 * with its extensions (readable tombstones, conditional writes, the change feed).
 */
class CloudTierContractTest extends StorageTierContractTest {

    private static StreamkitServer server;
    private static CloudHttp http;
    private static CloudStore cloud;

    /** The local server, with or without its extensions, and a cloud tier signed in to it. */
    static CloudStore start(boolean extensions) throws Exception {
        Path folder = Files.createTempDirectory(Path.of(System.getProperty("streamkit.test.output", "target")),
                "cloud-contract");
        server = StreamkitServer.start(ServerConfig.builder(folder).host("127.0.0.1").port(0).extensions(extensions)
                .rateLimit(100_000, 100_000).build());
        http = new CloudHttp(server.uri(), new MemoryTokens(server.mintToken("contract"), null), Duration.ofSeconds(2),
                Duration.ofSeconds(30), 64L << 20);
        return new CloudStore("cloud", http, Set.of());
    }

    static void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        cloud = start(true);
    }

    @AfterAll
    static void stopServer() {
        stop();
    }

    @Override
    protected StorageTier tier() {
        return cloud;
    }

    @Override
    protected int concurrentWriters() {
        return 4;
    }

    @Override
    protected int writesPerWriter() {
        return 50;
    }
}
