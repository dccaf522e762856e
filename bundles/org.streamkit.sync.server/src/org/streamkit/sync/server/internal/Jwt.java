package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Compact JWS (RFC 7515) with RS256 only: splitting, decoding, signing and checking. The header and the
 * claims are read with the server's strict Jackson reader (duplicate members are refused); the signature
 * is the JDK's {@code SHA256withRSA} over the ASCII text of {@code header.payload}.
 */
public final class Jwt {

    /** The one accepted algorithm. */
    public static final String RS256 = "RS256";

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    /** Far larger than any sensible token; keeps hostile input cheap to refuse. */
    private static final int MAX_TOKEN_LENGTH = 16 * 1024;

    /** A token split and decoded, not yet trusted. */
    public record Parsed(ObjectNode header, ObjectNode claims, byte[] signingInput, byte[] signature) {

        public String kid() {
            JsonNode kid = header.get("kid");
            return kid != null && kid.isTextual() ? kid.asText() : null;
        }

        /** @return whether one of the keys signed it */
        public boolean signedBy(PublicKey key) {
            try {
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(key);
                verifier.update(signingInput);
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    private Jwt() {
    }

    /**
     * Splits and decodes a token and checks its algorithm; does not check the signature or the claims.
     *
     * @throws TokenException when it is not a compact RS256 JWS
     */
    public static Parsed parse(String token) throws TokenException {
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new TokenException("The token is malformed (longer than " + MAX_TOKEN_LENGTH + " characters).");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
            throw new TokenException("The token is malformed: a JWT has three dot-separated parts.");
        }
        ObjectNode header = object(token.substring(0, first), "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual()) {
            throw new TokenException("The token is malformed: its header names no algorithm.");
        }
        if ("none".equalsIgnoreCase(alg.asText())) {
            throw new TokenException("Unsigned tokens (alg \"none\") are not accepted; sign it with RS256.");
        }
        if (!RS256.equals(alg.asText())) {
            throw new TokenException("Tokens signed with " + printable(alg.asText()) + " are not accepted; only RS256 is.");
        }
        if (header.has("crit")) {
            throw new TokenException("The token's header has critical extensions this server does not understand.");
        }
        ObjectNode claims = object(token.substring(first + 1, second), "payload");
        String signaturePart = token.substring(second + 1);
        if (signaturePart.isEmpty()) {
            throw new TokenException("The token has no signature; sign it with RS256.");
        }
        byte[] signature = decode(signaturePart, "signature");
        return new Parsed(header, claims, token.substring(0, second).getBytes(StandardCharsets.US_ASCII), signature);
    }

    /** @return a compact RS256 JWS of the header and claims */
    public static String sign(ObjectNode header, ObjectNode claims, PrivateKey key) {
        String input = ENCODER.encodeToString(Json.bytes(header)) + "." + ENCODER.encodeToString(Json.bytes(claims));
        try {
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(key);
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + ENCODER.encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RS256 signing failed", e);
        }
    }

    /** @return the base64url form (no padding) of an unsigned big-endian integer, as JWK wants it */
    public static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return ENCODER.encodeToString(bytes);
    }

    public static String base64Url(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** @throws IllegalArgumentException when the text is not base64url */
    public static BigInteger unsigned(String base64Url) {
        return new BigInteger(1, DECODER.decode(base64Url));
    }

    private static ObjectNode object(String part, String what) throws TokenException {
        byte[] json = decode(part, what);
        try {
            JsonNode node = Json.read(json);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // refused below
        }
        throw new TokenException("The token is malformed: its " + what + " is not a JSON object.");
    }

    private static byte[] decode(String part, String what) throws TokenException {
        try {
            return DECODER.decode(part);
        } catch (IllegalArgumentException e) {
            throw new TokenException("The token is malformed: its " + what + " is not base64url.");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 20 ? s.substring(0, 20) + "…" : s;
        return '"' + cut.replaceAll("[^\\x20-\\x7e…]", "?") + '"';
    }
}
