package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.server.ServerConfig;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code limits} extension: 1 MiB config bodies (and room for their envelope), token-bucket rate limiting. */
@Timeout(60)
class LimitsTest {

    /** The default request limit: a config body of 1 MiB and 64 KiB for its id and sync metadata. */
    private static final int MIB = ConfigDocument.MAX_BODY_BYTES + ServerConfig.ENVELOPE_BYTES;

    @TempDir
    Path folder;

    /** @return a JSON object of exactly {@code size} bytes */
    private static byte[] body(String id, int size) {
        String head = "{\"id\":\"" + id + "\",\"pad\":\"";
        String tail = "\"}";
        byte[] bytes = (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.UTF_8);
        assertEquals(size, bytes.length);
        return bytes;
    }

    @Test
    void aRequestOfExactlyTheLimitIsAcceptedAndOneByteMoreIs413() {
        try (TestServer t = TestServer.start(folder)) {
            Api.Reply accepted = t.api.post("/configs/notes", body("max", MIB));
            assertEquals(201, accepted.status(), accepted.toString());
            int pad = MIB - "{\"id\":\"max\",\"pad\":\"\"}".length();
            assertEquals(pad, t.api.get("/configs/notes/max").json().get("config").get("pad").asText().length());

            for (Api.Reply refused : new Api.Reply[] { t.api.post("/configs/notes", body("over", MIB + 1)),
                    t.api.put("/configs/notes/max", body("max", MIB + 1)),
                    t.api.post("/configs/notes", body("way-over", 3 * MIB)) }) {
                CoreRoutesTest.assertProblem(refused, 413);
                JsonNode problem = refused.json();
                assertEquals(MIB, problem.get("limit").asInt());
                assertTrue(problem.get("detail").asText().contains(Integer.toString(MIB)), problem.toString());
            }
            assertEquals(404, t.api.get("/configs/notes/over").status());
            assertEquals(pad, t.api.get("/configs/notes/max").json().get("config").get("pad").asText().length(),
                    "the refused PUT changed nothing");
            assertEquals(200, t.api.get("/health").status(), "the server still answers");
        }
    }

    @Test
    void aClientOverItsBucketGets429WithRetryAfterAndOthersDoNot() {
        try (TestServer t = TestServer.start(folder, b -> b.rateLimit(3, 0.2))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, t.api.get("/configs/notes").status(), "request " + (i + 1) + " is within the burst");
            }
            Api.Reply limited = t.api.get("/configs/notes");
            CoreRoutesTest.assertProblem(limited, 429);
            long retryAfter = Long.parseLong(limited.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 5, "Retry-After " + retryAfter);
            Api bob = t.as(TestServer.BOB);
            assertEquals(200, bob.get("/configs/notes").status(), "another customer has its own bucket");
            assertEquals(200, t.api.get("/health").status(), "health is never limited");
        }
    }
}
