package org.streamkit.sync.tier.cloud;

import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import org.streamkit.sync.api.ConfigJson;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads a JWT's claims without verifying them (the server verifies); never logs or prints the token. */
final class Jwt {

    private Jwt() {
    }

    /** @return the token's {@code exp}, when it is a readable JWT with one */
    static Optional<Instant> expiry(String token) {
        return claims(token).map(c -> c.get("exp")).filter(JsonNode::canConvertToLong).map(exp -> Instant.ofEpochSecond(exp.asLong()));
    }

    /** @return the token's claims, when it is a readable JWT */
    static Optional<JsonNode> claims(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode claims = ConfigJson.reader().readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims != null && claims.isObject() ? Optional.of(claims) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
