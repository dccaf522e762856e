package org.streamkit.sync.tier.cloud;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Signs a user in at the Streamkit auth service with an email one-time code: {@link #requestCode} mails a
 * 9-digit code, {@link #verify} exchanges it for an access token and a refresh token, which it hands to
 * {@link Tokens#update} (Secure Storage in the product) before it returns. Only the request bodies the
 * service documents are sent: no cookie, no service header, and a token only as {@code Bearer}.
 */
public final class CloudSignIn implements AutoCloseable {

    /** Why a step of the sign-in did not succeed, in a sentence for people. */
    public static final class SignInException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int remainingAttempts;
        private final boolean codeGone;

        SignInException(String message, int remainingAttempts, boolean codeGone) {
            super(message);
            this.remainingAttempts = remainingAttempts;
            this.codeGone = codeGone;
        }

        /** @return how many more tries the code has, or -1 when the answer did not say */
        public int remainingAttempts() {
            return remainingAttempts;
        }

        /** @return whether the code no longer works (expired, used, or tried too often): a new one is needed */
        public boolean codeGone() {
            return codeGone;
        }
    }

    /**
     * Who signed in.
     *
     * @param expiresAt when the access token expires (it is refreshed before that)
     */
    public record Account(String email, String customerId, String displayName, Instant expiresAt) {
    }

    private final CloudHttp http;

    /**
     * @param apiUrl     the Streamkit API the sign-in is for (the same HTTPS rule as the cloud tier's)
     * @param authUrl    the auth service, or null or blank for the default (see the cloud tier's {@code authUrl})
     * @throws IllegalArgumentException naming what is wrong with either URL
     */
    public CloudSignIn(String apiUrl, String authUrl) {
        URI base = CloudHttp.checkedBase(apiUrl);
        this.http = new CloudHttp(base, CloudHttp.authBase(authUrl, base), new MemoryTokens(null, null), Duration.ofSeconds(10),
                Duration.ofSeconds(30), 1L << 20);
    }

    /** @return the auth service this signs in at */
    public URI authService() {
        return http.authBase();
    }

    /**
     * Asks the service to mail a sign-in code.
     *
     * @return the service's message, such as "A sign-in code was sent to …"
     * @throws SignInException  when the service refused (a bad address, too many codes: the message says when to retry)
     * @throws StorageException when the service could not be reached
     */
    public String requestCode(String email) throws SignInException, StorageException {
        CloudHttp.Response response = post("request-otp", ConfigJson.newObject().put("email", email.strip()), "asking for a code");
        if (response.status() == 200) {
            String message = text(response, "message");
            return message.isEmpty() ? "A sign-in code was sent to " + email.strip() + "." : message;
        }
        if (response.status() == 429) {
            Duration wait = CloudHttp.retryAfter(response);
            throw new SignInException("Too many codes were asked for" + (wait == null ? "" : "; try again in " + minutes(wait))
                    + " (" + detail(response) + ")", -1, false);
        }
        throw failure(response, "asking for a code");
    }

    /**
     * Exchanges a code for the sign-in and saves it: {@code into} gets the access and refresh tokens before
     * this returns.
     *
     * @throws SignInException  when the code is wrong ({@link SignInException#remainingAttempts()}), expired, or used up
     * @throws StorageException when the service could not be reached
     */
    public Account verify(String email, String code, Tokens into) throws SignInException, StorageException {
        String otp = code.strip();
        if (!otp.matches("[0-9]{9}")) {
            throw new SignInException("A sign-in code is 9 digits", -1, false);
        }
        CloudHttp.Response response = post("verify-otp", ConfigJson.newObject().put("email", email.strip()).put("otp", otp),
                "checking the code");
        if (response.status() == 200) {
            JsonNode json = response.json();
            String access = text(json, "access_token");
            String refresh = text(json, "refresh_token");
            if (access.isEmpty()) {
                throw new StorageException("The sign-in service answered without an access token", true);
            }
            into.update(access, refresh.isEmpty() ? null : refresh);
            Instant expires = Jwt.expiry(access).orElse(Instant.now().plusSeconds(json.path("expires_in").asLong(900)));
            return new Account(email.strip().toLowerCase(java.util.Locale.ROOT), text(json, "customerId"), text(json, "displayName"),
                    expires);
        }
        if (response.status() == 401) {
            JsonNode remaining = json(response).get("remaining_attempts");
            if (remaining != null && remaining.canConvertToInt()) {
                throw new SignInException("Wrong code; " + remaining.asInt() + (remaining.asInt() == 1 ? " try" : " tries") + " left",
                        remaining.asInt(), remaining.asInt() <= 0);
            }
            throw new SignInException("The code is not valid any more (it expired, was used, or a newer one was sent); ask for a"
                    + " new one", 0, true);
        }
        if (response.status() == 429) {
            throw new SignInException("Too many wrong codes; this code no longer works. Ask for a new one", 0, true);
        }
        throw failure(response, "checking the code");
    }

    /**
     * Ends the sign-in at the service (its refresh tokens stop working). Best effort: the caller forgets the
     * tokens either way.
     *
     * @return whether the service confirmed it
     */
    public boolean logout(String accessToken) {
        if (accessToken == null) {
            return false;
        }
        try {
            return http.authRequest("POST", List.of("auth", "logout"), "{}".getBytes(StandardCharsets.UTF_8), accessToken,
                    "signing out").status() == 200;
        } catch (StorageException e) {
            return false;
        }
    }

    /** @return the account an access token names, read from its claims (not checked: only the service can) */
    public static Optional<Account> account(String accessToken) {
        return Jwt.claims(accessToken).map(c -> new Account(c.path("email").asText(""),
                c.path("customerId").asText(c.path("sub").asText("")), c.path("displayName").asText(""),
                c.path("exp").canConvertToLong() ? Instant.ofEpochSecond(c.get("exp").asLong()) : null));
    }

    private CloudHttp.Response post(String route, ObjectNode body, String what) throws StorageException {
        return http.authRequest("POST", List.of("auth", route), body.toString().getBytes(StandardCharsets.UTF_8), null, what);
    }

    private static SignInException failure(CloudHttp.Response response, String what) {
        return new SignInException("The sign-in service refused " + what + " (" + response.status() + ": " + detail(response) + ")",
                -1, false);
    }

    private static String detail(CloudHttp.Response response) {
        String detail = response.detail();
        if (detail.isEmpty()) {
            detail = text(json(response), "reason");
        }
        return detail.isEmpty() ? "no reason given" : detail;
    }

    private static JsonNode json(CloudHttp.Response response) {
        try {
            return response.json();
        } catch (StorageException e) {
            return ConfigJson.newObject();
        }
    }

    private static String text(CloudHttp.Response response, String field) throws StorageException {
        return text(response.json(), field);
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value != null && value.isTextual() ? value.asText() : "";
    }

    private static String minutes(Duration wait) {
        long seconds = wait.toSeconds();
        return seconds < 120 ? seconds + " s" : (seconds + 59) / 60 + " minutes";
    }

    @Override
    public void close() {
        http.close();
    }
}
