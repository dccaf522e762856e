package org.streamkit.sync.server.tests;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests against a server started with the default settings (extensions on) for each test, and stopped after it. */
abstract class RunningServerTest {

    @TempDir
    Path folder;
    TestServer t;
    Api api;

    @BeforeEach
    void start() {
        t = TestServer.start(folder);
        api = t.api;
    }

    @AfterEach
    void stop() {
        t.close();
    }
}
