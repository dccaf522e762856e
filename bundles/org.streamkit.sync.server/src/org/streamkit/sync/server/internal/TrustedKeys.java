package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Public keys read from a JWKS document: RSA signing keys only, others skipped. */
public record TrustedKeys(List<Key> keys) {

    /** One RSA key and its id ({@code null} when the JWKS gives none). */
    public record Key(String kid, RSAPublicKey publicKey) {
    }

    public TrustedKeys {
        keys = List.copyOf(keys);
    }

    /**
     * @throws IOException when the text is not a JWKS ({@code {"keys":[…]}}) or an RSA key in it is broken
     */
    public static TrustedKeys parse(byte[] json, String source) throws IOException {
        JsonNode root;
        try {
            root = Json.read(json);
        } catch (IOException e) {
            throw new IOException("The JWKS at " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode array = root == null ? null : root.get("keys");
        if (array == null || !array.isArray()) {
            throw new IOException("The JWKS at " + source + " has no \"keys\" array");
        }
        List<Key> keys = new ArrayList<>();
        for (JsonNode jwk : array) {
            if (!"RSA".equals(jwk.path("kty").asText()) || (jwk.has("use") && !"sig".equals(jwk.path("use").asText()))
                    || (jwk.has("alg") && !Jwt.RS256.equals(jwk.path("alg").asText()))) {
                continue;
            }
            try {
                BigInteger n = Jwt.unsigned(jwk.path("n").asText());
                BigInteger e = Jwt.unsigned(jwk.path("e").asText());
                RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
                keys.add(new Key(jwk.hasNonNull("kid") ? jwk.get("kid").asText() : null, key));
            } catch (GeneralSecurityException | IllegalArgumentException ex) {
                throw new IOException("The JWKS at " + source + " has a broken RSA key (kid " + jwk.path("kid").asText("-")
                        + "): " + ex.getMessage(), ex);
            }
        }
        return new TrustedKeys(keys);
    }
}
