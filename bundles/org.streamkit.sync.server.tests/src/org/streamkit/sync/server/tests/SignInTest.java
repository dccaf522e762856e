package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** Sign-in with an email one-time code, against the server's own sign-in routes, as the auth service answers them. */
@Timeout(60)
class SignInTest {

    private static final String EMAIL = "Streamer@Example.com";

    @TempDir
    Path folder;

    /** @return the newest code the server's mailbox holds for an address */
    static String mailedCode(Path data, String email) throws Exception {
        String code = null;
        for (String line : Files.readAllLines(data.resolve("mailbox.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode message = Api.JSON.readTree(line);
            if (message.get("to").asText().equalsIgnoreCase(email)) {
                code = message.get("code").asText();
            }
        }
        assertNotNull(code, "a code was mailed to " + email);
        return code;
    }

    private static Api.Reply request(Api anonymous, String email) {
        return anonymous.post("/auth/request-otp", Api.object().put("email", email));
    }

    private static Api.Reply verify(Api anonymous, String email, String otp) {
        return anonymous.post("/auth/verify-otp", Api.object().put("email", email).put("otp", otp));
    }

    private static String wrong(String code) {
        return code.equals("000000000") ? "000000001" : "000000000";
    }

    @Test
    void aCodeSignsInAndTheRefreshTokenRotatesUntilLogout() throws Exception {
        Path data = folder.resolve("data");
        try (TestServer t = TestServer.start(data)) {
            Api anonymous = t.api.as(null);
            Api.Reply sent = request(anonymous, EMAIL);
            assertEquals(200, sent.status(), sent.toString());
            assertTrue(sent.json().get("success").asBoolean());
            assertEquals(600, sent.json().get("expiresIn").asInt());
            assertEquals(2, sent.json().get("remaining").asInt());
            String code = mailedCode(data, EMAIL);
            assertTrue(code.matches("[0-9]{9}"), code);
            assertEquals(Set.of(PosixFilePermissions.fromString("rw-------")),
                    Set.of(Files.getPosixFilePermissions(data.resolve("mailbox.jsonl"))), "the mailbox is the owner's only");

            Api.Reply wrong = verify(anonymous, EMAIL, wrong(code));
            CoreRoutesTest.assertProblem(wrong, 401);
            assertEquals(4, wrong.json().get("remaining_attempts").asInt());

            Api.Reply signedIn = verify(anonymous, "streamer@example.com", code);
            assertEquals(200, signedIn.status(), signedIn.toString());
            JsonNode tokens = signedIn.json();
            for (String field : List.of("access_token", "refresh_token", "id_token", "token_type", "expires_in",
                    "refresh_expires_in", "scope", "customerId", "sub", "displayName", "expiresAt")) {
                assertTrue(tokens.has(field), "the answer has " + field + ": " + tokens.fieldNames());
            }
            assertEquals("Bearer", tokens.get("token_type").asText());
            assertEquals(900, tokens.get("expires_in").asInt());
            assertEquals(Duration.ofDays(7).toSeconds(), tokens.get("refresh_expires_in").asLong(), 5);
            assertEquals("no-store", signedIn.header("Cache-Control"));
            String customer = tokens.get("customerId").asText();
            CoreRoutesTest.assertProblem(verify(anonymous, EMAIL, code), 401); // a code works once

            Api me = t.api.as(tokens.get("access_token").asText());
            assertEquals(201, me.post("/configs/notes", Api.object("{\"id\":\"mine\"}")).status());
            JsonNode claims = me.get("/auth/me").json();
            assertEquals("streamer@example.com", claims.get("email").asText());
            assertEquals(customer, claims.get("customerId").asText());
            CoreRoutesTest.assertProblem(t.api.as(tokens.get("id_token").asText()).get("/configs/notes"), 401);

            String first = tokens.get("refresh_token").asText();
            assertFalse(first.contains("."), "the refresh token is opaque");
            Api.Reply refreshed = anonymous.post("/auth/refresh", Api.object().put("refresh_token", first));
            assertEquals(200, refreshed.status(), refreshed.toString());
            String second = refreshed.json().get("refresh_token").asText();
            assertNotEquals(first, second, "rotated on every refresh");
            assertEquals(customer, refreshed.json().get("customerId").asText());
            Api.Reply reused = anonymous.post("/auth/refresh", Api.object().put("refresh_token", first));
            CoreRoutesTest.assertProblem(reused, 401);
            assertEquals("invalid_grant", reused.json().get("error").asText(), "the old one stops working at once");

            Api again = t.api.as(refreshed.json().get("access_token").asText());
            assertEquals(200, again.get("/configs/notes/mine").status(), "the same account after a refresh");
            assertEquals(200, again.post("/auth/logout", Api.object()).status());
            Api.Reply afterLogout = anonymous.post("/auth/refresh", Api.object().put("refresh_token", second));
            assertEquals("invalid_grant", afterLogout.json().get("error").asText(), "logout ends the sign-in");

            Api.Reply missing = anonymous.post("/auth/refresh", Api.object());
            CoreRoutesTest.assertProblem(missing, 401);
            assertEquals("missing_refresh_token", missing.json().get("error").asText());
        }
    }

    @Test
    void fiveWrongTriesEndTheCodeAndOnlyTheNewestCodeWorks() throws Exception {
        Path data = folder.resolve("data");
        try (TestServer t = TestServer.start(data)) {
            Api anonymous = t.api.as(null);
            assertEquals(200, request(anonymous, EMAIL).status());
            String older = mailedCode(data, EMAIL);
            assertEquals(200, request(anonymous, EMAIL).status());
            String newest = mailedCode(data, EMAIL);
            if (!older.equals(newest)) {
                CoreRoutesTest.assertProblem(verify(anonymous, EMAIL, older), 401);
            }
            for (int remaining = older.equals(newest) ? 4 : 3; remaining >= 1; remaining--) {
                Api.Reply wrong = verify(anonymous, EMAIL, wrong(newest));
                CoreRoutesTest.assertProblem(wrong, 401);
                assertEquals(remaining, wrong.json().get("remaining_attempts").asInt());
            }
            Api.Reply fifth = verify(anonymous, EMAIL, wrong(newest));
            CoreRoutesTest.assertProblem(fifth, 429);
            assertEquals(null, fifth.header("Retry-After"), "no Retry-After: the code is gone, not rate limited");
            CoreRoutesTest.assertProblem(verify(anonymous, EMAIL, newest), 401); // the right code no longer works

            CoreRoutesTest.assertProblem(verify(anonymous, EMAIL, "12345"), 400);
            CoreRoutesTest.assertProblem(anonymous.post("/auth/verify-otp", Api.object().put("email", EMAIL).put("otp", 123456789)), 400);
        }
    }

    @Test
    void codesExpireAndSignInsEndAtTheirLimitButSurviveARestart() throws Exception {
        Path data = folder.resolve("data");
        String refresh;
        try (TestServer t = TestServer.start(data, b -> b.codeTtl(Duration.ofSeconds(1)).sessionLimit(Duration.ofSeconds(4)))) {
            Api anonymous = t.api.as(null);
            assertEquals(200, request(anonymous, EMAIL).status());
            String code = mailedCode(data, EMAIL);
            Thread.sleep(1300);
            CoreRoutesTest.assertProblem(verify(anonymous, EMAIL, code), 401);

            assertEquals(200, request(anonymous, EMAIL).status());
            Api.Reply signedIn = verify(anonymous, EMAIL, mailedCode(data, EMAIL));
            assertEquals(200, signedIn.status(), signedIn.toString());
            refresh = signedIn.json().get("refresh_token").asText();
        }
        try (TestServer t = TestServer.start(data, b -> b.sessionLimit(Duration.ofSeconds(4)))) {
            Api anonymous = t.api.as(null);
            Api.Reply refreshed = anonymous.post("/auth/refresh", Api.object().put("refresh_token", refresh));
            assertEquals(200, refreshed.status(), "a sign-in survives a restart of the server: " + refreshed);
            refresh = refreshed.json().get("refresh_token").asText();
            Thread.sleep(4200);
            Api.Reply ended = anonymous.post("/auth/refresh", Api.object().put("refresh_token", refresh));
            CoreRoutesTest.assertProblem(ended, 401);
            assertEquals("invalid_grant", ended.json().get("error").asText(), "no refresh beyond the sign-in's limit");
        }
    }

    @Test
    void codesAreRateLimitedPerEmailAndBadAddressesRefused() throws Exception {
        try (TestServer t = TestServer.start(folder.resolve("data"))) {
            Api anonymous = t.api.as(null);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, request(anonymous, EMAIL).status());
            }
            Api.Reply limited = request(anonymous, EMAIL);
            CoreRoutesTest.assertProblem(limited, 429);
            long retry = Long.parseLong(limited.header("Retry-After"));
            assertTrue(retry > 3500 && retry <= 3601, "about an hour: " + retry);
            JsonNode body = limited.json();
            for (String field : List.of("retry_after", "reset_at", "reset_at_iso", "remaining", "reason")) {
                assertTrue(body.has(field), "the 429 says " + field + ": " + body);
            }
            assertEquals(200, request(anonymous, "someone.else@example.com").status(), "another address is not limited by it");
            for (String bad : new String[] { "", "no-at-sign", "two@@example.com", "a b@example.com", "x@localhost" }) {
                CoreRoutesTest.assertProblem(request(anonymous, bad), 400);
            }
            CoreRoutesTest.assertProblem(anonymous.post("/auth/request-otp", "{\"email\":"), 400);
        }
    }
}
