package org.streamkit.sync.server.tests;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Makes JWTs the way an issuer (or an attacker) would: RSA keys, a JWKS, signed and unsigned tokens. */
final class Forge {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    final KeyPair keys;
    final String kid;

    Forge(String kid) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        this.keys = generator.generateKeyPair();
        this.kid = kid;
    }

    /** @return a JWKS holding this key's public half */
    String jwks() {
        RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
        ObjectNode jwk = Api.object();
        jwk.put("kty", "RSA");
        jwk.put("kid", kid);
        jwk.put("use", "sig");
        jwk.put("n", unsigned(pub.getModulus()));
        jwk.put("e", unsigned(pub.getPublicExponent()));
        ObjectNode jwks = Api.object();
        jwks.putArray("keys").add(jwk);
        return jwks.toString();
    }

    private static String unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return B64.encodeToString(b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b);
    }

    /** @return standard claims for a customer, valid for the next ten minutes */
    static ObjectNode claims(String customer) {
        long now = System.currentTimeMillis() / 1000;
        ObjectNode claims = Api.object();
        claims.put("sub", customer);
        claims.put("customerId", customer);
        claims.put("iat", now);
        claims.put("exp", now + 600);
        return claims;
    }

    ObjectNode header() {
        ObjectNode header = Api.object();
        header.put("alg", "RS256");
        header.put("typ", "JWT");
        header.put("kid", kid);
        return header;
    }

    String sign(ObjectNode claims) throws Exception {
        return sign(header(), claims);
    }

    String sign(ObjectNode header, ObjectNode claims) throws Exception {
        String input = part(header.toString()) + "." + part(claims.toString());
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(keys.getPrivate());
        signer.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + B64.encodeToString(signer.sign());
    }

    /** The classic confusion attack: HS256 with this key's public half as the HMAC secret. */
    String hs256WithPublicKey(ObjectNode claims) throws Exception {
        ObjectNode header = header();
        header.put("alg", "HS256");
        String input = part(header.toString()) + "." + part(claims.toString());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(keys.getPublic().getEncoded(), "HmacSHA256"));
        return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    static String unsigned(ObjectNode claims) {
        return part("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + part(claims.toString()) + ".";
    }

    static String part(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
