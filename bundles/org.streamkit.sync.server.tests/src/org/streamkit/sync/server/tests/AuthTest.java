package org.streamkit.sync.server.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Bearer tokens: what is refused, customer isolation, refresh, the published and trusted key sets. */
@Timeout(60)
class AuthTest {

    @TempDir
    Path folder;

    @Test
    void everyForgedOrUnusableTokenIsRefusedWith401() throws Exception {
        Forge issuer = new Forge("issuer-key");
        Forge attacker = new Forge("issuer-key"); // same kid, other key
        Path jwks = folder.resolve("jwks.json");
        Files.writeString(jwks, issuer.jwks());
        try (TestServer t = TestServer.start(folder.resolve("data"), b -> b.jwksFile(jwks))) {
            long now = System.currentTimeMillis() / 1000;
            String good = issuer.sign(Forge.claims("dave"));
            assertEquals(200, t.api.as(good).get("/configs/notes").status(), "the issuer's own token is accepted");

            ObjectNode withinSkew = Forge.claims("dave");
            withinSkew.put("exp", now - 10);
            assertEquals(200, t.api.as(issuer.sign(withinSkew)).get("/configs/notes").status(), "30 s of clock skew are tolerated");

            Map<String, String> forged = new LinkedHashMap<>();
            forged.put("missing", null);
            forged.put("garbage", "not-a-token");
            forged.put("garbage in three parts", "a.b.c");
            forged.put("alg none", Forge.unsigned(Forge.claims("dave")));
            ObjectNode noneWithSignature = issuer.header();
            noneWithSignature.put("alg", "none");
            forged.put("alg none with a signature", issuer.sign(noneWithSignature, Forge.claims("dave")));
            forged.put("HS256 with the public key", issuer.hs256WithPublicKey(Forge.claims("dave")));
            ObjectNode rs512 = issuer.header();
            rs512.put("alg", "RS512");
            forged.put("RS512", issuer.sign(rs512, Forge.claims("dave")));
            forged.put("wrong key", attacker.sign(Forge.claims("dave")));
            ObjectNode expired = Forge.claims("dave");
            expired.put("exp", now - 120);
            forged.put("expired", issuer.sign(expired));
            ObjectNode noExp = Forge.claims("dave");
            noExp.remove("exp");
            forged.put("no exp", issuer.sign(noExp));
            ObjectNode notYet = Forge.claims("dave");
            notYet.put("nbf", now + 300);
            forged.put("nbf in the future", issuer.sign(notYet));
            String[] parts = good.split("\\.");
            forged.put("tampered payload", parts[0] + "." + Forge.part(Forge.claims("mallory").toString()) + "." + parts[2]);
            forged.put("tampered signature", parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10)
                    + (parts[2].charAt(10) == 'A' ? 'B' : 'A') + parts[2].substring(11));
            forged.put("no signature", parts[0] + "." + parts[1] + ".");
            ObjectNode refresh = Forge.claims("dave");
            refresh.put("token_use", "refresh");
            forged.put("refresh token as access token", issuer.sign(refresh));
            ObjectNode noCustomer = Forge.claims("dave");
            noCustomer.remove("sub");
            noCustomer.remove("customerId");
            forged.put("no customer", issuer.sign(noCustomer));
            ObjectNode slashCustomer = Forge.claims("../etc");
            forged.put("customer id with a slash", issuer.sign(slashCustomer));
            forged.put("duplicate claims", parts[0] + "." + Forge.part("{\"sub\":\"dave\",\"sub\":\"mallory\",\"exp\":" + (now + 600) + "}")
                    + "." + parts[2]);

            for (Map.Entry<String, String> f : forged.entrySet()) {
                Api.Reply reply = t.api.as(f.getValue()).get("/configs/notes");
                CoreRoutesTest.assertProblem(reply, 401);
                assertNotNull(reply.header("WWW-Authenticate"), f.getKey());
                String token = f.getValue();
                assertTrue(token == null || !reply.text().contains(token), "the answer never echoes the token");
            }
            Api.Reply basic = t.api.as(null).get("/configs/notes", "Authorization", "Basic ZGF2ZTpwdw==");
            CoreRoutesTest.assertProblem(basic, 401);
            CoreRoutesTest.assertProblem(t.api.as(null).post("/configs/notes", Api.object("{\"id\":\"x\"}")), 401);
            assertEquals(0, t.api.as(good).get("/configs/notes").json().get("count").asInt(), "no refused request wrote");
        }
    }

    @Test
    void twoCustomersAreFullyIsolated() {
        try (TestServer t = TestServer.start(folder)) {
            Api alice = t.api;
            Api bob = t.as(TestServer.BOB);
            alice.post("/configs/notes", Api.object("{\"id\":\"shared-name\",\"owner\":\"alice\"}"));

            assertEquals(404, bob.get("/configs/notes/shared-name").status());
            assertEquals(0, bob.get("/configs/notes").json().get("count").asInt());
            assertEquals(0, bob.get("/configs/notes?since=").json().get("configs").size());
            assertEquals(404, bob.put("/configs/notes/shared-name", Api.object("{\"owner\":\"bob\"}")).status());
            assertEquals(200, bob.delete("/configs/notes/shared-name").status());
            assertEquals(201, bob.post("/configs/notes", Api.object("{\"id\":\"shared-name\",\"owner\":\"bob\"}")).status());

            assertEquals("alice", alice.get("/configs/notes/shared-name").json().get("config").get("owner").asText());
            assertEquals("bob", bob.get("/configs/notes/shared-name").json().get("config").get("owner").asText());
            assertEquals(0, alice.get("/configs/notes?since=").json().get("tombstones").size(), "bob's delete never touched alice");
            assertEquals(1, alice.get("/configs/notes").json().get("count").asInt());
        }
    }

    @Test
    void aRefreshTokenBuysAWorkingAccessTokenAndNothingElseDoes() throws Exception {
        try (TestServer t = TestServer.start(folder)) {
            Api anonymous = t.api.as(null);
            String refresh = t.server.mintRefreshToken(TestServer.ALICE);
            CoreRoutesTest.assertProblem(t.api.as(refresh).get("/configs/notes"), 401);

            Api.Reply refreshed = anonymous.post("/auth/refresh", Api.object().put("refresh_token", refresh));
            assertEquals(200, refreshed.status(), refreshed.toString());
            JsonNode body = refreshed.json();
            assertEquals("Bearer", body.get("token_type").asText());
            assertEquals(900, body.get("expires_in").asInt());
            String access = body.get("access_token").asText();
            Api fresh = t.api.as(access);
            assertEquals(201, fresh.post("/configs/notes", Api.object("{\"id\":\"via-refresh\"}")).status());
            assertEquals(200, t.api.get("/configs/notes/via-refresh").status(), "the new token acts for the same customer");
            JsonNode claims = Api.JSON.readTree(Base64.getUrlDecoder().decode(access.split("\\.")[1]));
            assertTrue(claims.get("exp").asLong() - claims.get("iat").asLong() == 900, claims.toString());

            CoreRoutesTest.assertProblem(anonymous.post("/auth/refresh", Api.object().put("refresh_token", access)), 401);
            Forge other = new Forge("other");
            ObjectNode foreign = Forge.claims(TestServer.ALICE);
            foreign.put("token_use", "refresh");
            CoreRoutesTest.assertProblem(anonymous.post("/auth/refresh", Api.object().put("refresh_token", other.sign(foreign))), 401);
            CoreRoutesTest.assertProblem(anonymous.post("/auth/refresh", Api.object().put("refresh_token", "junk")), 401);
            CoreRoutesTest.assertProblem(anonymous.post("/auth/refresh", Api.object()), 401); // missing_refresh_token
        }
    }

    @Test
    void thePublishedJwksIsTrustedByAnotherServerThroughItsUrl() throws Exception {
        try (TestServer issuer = TestServer.start(folder.resolve("issuer"))) {
            Api.Reply jwks = issuer.api.as(null).get("/.well-known/jwks.json");
            assertEquals(200, jwks.status());
            JsonNode key = jwks.json().get("keys").get(0);
            assertEquals("RSA", key.get("kty").asText());
            assertEquals("RS256", key.get("alg").asText());
            assertFalse(key.has("d"), "only the public half is published");
            assertEquals(Api.JSON.readTree(issuer.server.jwks()), jwks.json());

            java.net.URI url = java.net.URI.create(issuer.server.uri() + "/.well-known/jwks.json");
            try (TestServer relying = TestServer.start(folder.resolve("relying"), b -> b.jwksUrl(url))) {
                String token = issuer.server.mintToken("erin");
                assertEquals(201, relying.api.as(token).post("/configs/notes", Api.object("{\"id\":\"x\"}")).status());
                assertEquals(0, issuer.api.as(token).get("/configs/notes").json().get("count").asInt(), "separate stores");
                TestServer stranger = TestServer.start(folder.resolve("stranger"));
                String strangers = stranger.server.mintToken("erin");
                stranger.close();
                CoreRoutesTest.assertProblem(relying.api.as(strangers).get("/configs/notes"), 401);
            }
        }
    }

    @Test
    void theSigningKeyIsPrivateToItsOwnerAndSurvivesARestart() throws Exception {
        String token;
        try (TestServer t = TestServer.start(folder)) {
            token = t.server.mintToken(TestServer.ALICE);
            t.api.post("/configs/notes", Api.object("{\"id\":\"k\"}"));
        }
        Path key = folder.resolve("keys/signing-key.pem");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        assertTrue(Files.readString(key, StandardCharsets.US_ASCII).startsWith("-----BEGIN PRIVATE KEY-----"));
        try (TestServer again = TestServer.start(folder)) {
            assertEquals(200, again.api.as(token).get("/configs/notes/k").status(), "a token minted before the restart still works");
        }
    }
}
