package org.streamkit.sync.server.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.ConfigValidationException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checks bearer tokens and mints the server's own. An access token is accepted when it is a compact
 * RS256 JWS signed by the server's own key or by a key of the configured JWKS, its {@code exp} is not
 * past and its {@code nbf} not ahead (both with the configured clock skew), its {@code iss}/{@code aud}
 * match when the server requires them, and it is not a refresh token. Its customer is the
 * {@code customerId} claim, else {@code sub}.
 * <p>
 * Minted tokens carry {@code token_use} ({@code access} or {@code refresh}). Refresh tokens are accepted
 * only by {@link #refresh}, only when signed by the server's own key, and only while not expired (no
 * grace period: an expired refresh token means signing in again).
 */
public final class TokenService implements AutoCloseable {

    /** Claim that tells access from refresh tokens. */
    public static final String TOKEN_USE = "token_use";

    /**
     * Who a request acts for.
     *
     * @param claims the access token's claims (the session it belongs to, {@code sid}, when it came from a sign-in)
     */
    public record Principal(String customerId, ObjectNode claims) {
    }

    private final SigningKey own;
    private final JwksSource external;
    private final Clock clock;
    private final Duration skew;
    private final String requiredIssuer;
    private final String requiredAudience;
    private final Supplier<String> mintIssuer;

    public TokenService(SigningKey own, JwksSource external, Clock clock, Duration skew, String requiredIssuer,
            String requiredAudience, Supplier<String> mintIssuer) {
        this.own = own;
        this.external = external;
        this.clock = clock;
        this.skew = skew;
        this.requiredIssuer = requiredIssuer;
        this.requiredAudience = requiredAudience;
        this.mintIssuer = mintIssuer;
    }

    /**
     * @param authorization the {@code Authorization} header, or {@code null}
     * @throws TokenException           when the request must get a 401
     * @throws KeysUnavailableException when the configured JWKS cannot be read now
     */
    public Principal authenticate(String authorization) throws TokenException, KeysUnavailableException {
        if (authorization == null || authorization.isBlank()) {
            throw new TokenException("No access token: send 'Authorization: Bearer <token>'.");
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw new TokenException("The Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'.");
        }
        Jwt.Parsed token = Jwt.parse(value.substring(7).strip());
        if (!signedByOwn(token) && !signedByExternal(token)) {
            throw new TokenException("The token's signature does not verify with any trusted key; sign in again.");
        }
        checkTimes(token.claims());
        if (requiredIssuer != null && !requiredIssuer.equals(token.claims().path("iss").asText(null))) {
            throw new TokenException("The token was not issued by " + requiredIssuer + ".");
        }
        if (requiredAudience != null && !audiences(token.claims()).contains(requiredAudience)) {
            throw new TokenException("The token is not meant for " + requiredAudience + " (aud).");
        }
        String use = token.claims().path(TOKEN_USE).asText(null);
        if (use != null && !use.equals("access") && !use.equals("refresh")) {
            throw new TokenException("This is an " + use + " token, not an access token.");
        }
        if ("refresh".equals(use)) {
            throw new TokenException("A refresh token cannot be used as an access token; exchange it at POST /auth/refresh.");
        }
        return new Principal(customer(token.claims()), token.claims());
    }

    /**
     * Exchanges a refresh token minted by this server for a new access token.
     *
     * @throws TokenException when the refresh token is not acceptable
     */
    public String refresh(String refreshToken, Duration accessTtl) throws TokenException {
        Jwt.Parsed token = Jwt.parse(refreshToken.strip());
        if (!signedByOwn(token)) {
            throw new TokenException("The refresh token was not issued by this server; sign in again.");
        }
        checkTimes(token.claims());
        if (!"refresh".equals(token.claims().path(TOKEN_USE).asText(null))) {
            throw new TokenException("This is not a refresh token; send the refresh token that came with the access token.");
        }
        return mint(customer(token.claims()), accessTtl, "access");
    }

    /**
     * Mints a token for a customer, signed with the server's own key.
     *
     * @param use {@code access} or {@code refresh}
     * @throws IllegalArgumentException when the customer id is not acceptable or the lifetime not positive
     */
    public String mint(String customerId, Duration ttl, String use) {
        return mint(customerId, ttl, use, null);
    }

    /**
     * Mints a token with claims of a sign-in besides the usual ones.
     *
     * @param extra claims to add (such as {@code sid}, {@code email}, {@code displayName}, {@code scope}), or null
     */
    public String mint(String customerId, Duration ttl, String use, ObjectNode extra) {
        try {
            ConfigKey.validateId(customerId);
        } catch (ConfigValidationException e) {
            throw new IllegalArgumentException("Customer id not acceptable: " + e.getMessage(), e);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("A token lifetime must be positive");
        }
        Instant now = clock.instant();
        ObjectNode header = Json.object();
        header.put("alg", Jwt.RS256);
        header.put("typ", "JWT");
        header.put("kid", own.kid());
        ObjectNode claims = Json.object();
        claims.put("iss", mintIssuer.get());
        claims.put("sub", customerId);
        claims.put("customerId", customerId);
        if (requiredAudience != null) {
            claims.put("aud", requiredAudience);
        }
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.plus(ttl).getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put(TOKEN_USE, use);
        if (extra != null) {
            extra.properties().forEach(e -> claims.set(e.getKey(), e.getValue()));
        }
        return Jwt.sign(header, claims, own.privateKey());
    }

    /** @return the published JWKS: the server's own public key */
    public ObjectNode jwks() {
        ObjectNode jwks = Json.object();
        jwks.putArray("keys").add(own.jwk());
        return jwks;
    }

    private boolean signedByOwn(Jwt.Parsed token) {
        String kid = token.kid();
        return (kid == null || kid.equals(own.kid())) && token.signedBy(own.publicKey());
    }

    private boolean signedByExternal(Jwt.Parsed token) throws KeysUnavailableException {
        if (external == null) {
            return false;
        }
        String kid = token.kid();
        List<TrustedKeys.Key> candidates = candidates(external.keys(), kid);
        if (candidates.isEmpty() && kid != null) {
            candidates = candidates(external.reload(), kid);
        }
        for (TrustedKeys.Key key : candidates) {
            if (token.signedBy(key.publicKey())) {
                return true;
            }
        }
        return false;
    }

    /** Keys with the token's key id; without a key id (or no key names it), the keys that have none. */
    private static List<TrustedKeys.Key> candidates(TrustedKeys keys, String kid) {
        List<TrustedKeys.Key> named = new ArrayList<>();
        List<TrustedKeys.Key> unnamed = new ArrayList<>();
        for (TrustedKeys.Key key : keys.keys()) {
            if (key.kid() == null) {
                unnamed.add(key);
            } else if (kid == null || key.kid().equals(kid)) {
                named.add(key);
            }
        }
        if (!named.isEmpty()) {
            return named;
        }
        return unnamed;
    }

    private void checkTimes(ObjectNode claims) throws TokenException {
        long now = clock.instant().getEpochSecond();
        JsonNode exp = claims.get("exp");
        if (exp == null || !exp.isNumber()) {
            throw new TokenException("The token has no expiry (exp); sign in again.");
        }
        if (now > exp.asLong() + skew.toSeconds()) {
            throw new TokenException("The token expired at " + Instant.ofEpochSecond(exp.asLong())
                    + "; refresh it (POST /auth/refresh) or sign in again.");
        }
        JsonNode nbf = claims.get("nbf");
        if (nbf != null) {
            if (!nbf.isNumber()) {
                throw new TokenException("The token is malformed: nbf is not a number.");
            }
            if (now + skew.toSeconds() < nbf.asLong()) {
                throw new TokenException("The token is not valid before " + Instant.ofEpochSecond(nbf.asLong())
                        + "; check this machine's clock.");
            }
        }
    }

    private static List<String> audiences(ObjectNode claims) {
        JsonNode aud = claims.get("aud");
        List<String> result = new ArrayList<>();
        if (aud != null && aud.isTextual()) {
            result.add(aud.asText());
        } else if (aud != null && aud.isArray()) {
            aud.forEach(a -> result.add(a.asText()));
        }
        return result;
    }

    private static String customer(ObjectNode claims) throws TokenException {
        JsonNode customer = claims.get("customerId");
        if (customer == null || customer.isNull()) {
            customer = claims.get("sub");
        }
        if (customer == null || !customer.isTextual()) {
            throw new TokenException("The token names no customer (customerId or sub).");
        }
        try {
            return ConfigKey.validateId(customer.asText());
        } catch (ConfigValidationException e) {
            throw new TokenException("The token's customer id is not usable: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (external != null) {
            external.close();
        }
    }
}
