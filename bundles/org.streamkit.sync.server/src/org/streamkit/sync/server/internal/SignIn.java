package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.server.ServerConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;

/**
 * Sign-in with an email one-time code, as the Streamkit auth service does it: {@code POST /auth/request-otp},
 * {@code POST /auth/verify-otp}, {@code POST /auth/refresh}, {@code POST /auth/logout}, {@code GET /auth/me}.
 * <ul>
 * <li>Codes: 9 digits, valid 10 minutes ({@code signIn.codeSeconds}), only the newest per email works, gone after
 * {@value #MAX_WRONG_TRIES} wrong tries. At most {@value #CODES_PER_EMAIL} codes per email and
 * {@value #CODES_PER_ADDRESS} per IP address an hour. This server sends no mail: a code goes to its log and
 * to {@code mailbox.jsonl} in its data folder (owner-only), one JSON line per code.</li>
 * <li>Sessions: a sign-in gets an opaque refresh token, rotated on every refresh (the old one stops working
 * at once), good until 7 days after the code sign-in ({@code signIn.sessionSeconds}). Only a digest of each refresh token is
 * kept, in a Xodus store under {@code auth/} in the data folder, written durably.</li>
 * <li>The customer id of an email is the same on every sign-in: {@code c-} and 20 hex digits of its digest.</li>
 * </ul>
 */
public final class SignIn implements AutoCloseable {

    static final int MAX_WRONG_TRIES = 5;
    static final int CODES_PER_EMAIL = 3;
    static final int CODES_PER_ADDRESS = 10;
    private static final Duration WINDOW = Duration.ofHours(1);
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");
    private static final Pattern OTP = Pattern.compile("[0-9]{9}");
    private static final String SCOPE = "openid profile email";
    private static final Logger LOG = LoggerFactory.getLogger(SignIn.class);

    private record Code(String code, Instant expires, int wrongTries) {
    }

    private final TokenService tokens;
    private final Clock clock;
    private final Duration accessTtl;
    private final Duration codeTtl;
    private final Duration sessionLimit;
    private final Path mailbox;
    private final Environment environment;
    private final Store sessions;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, ArrayDeque<Instant>> sentToEmail = new HashMap<>();
    private final Map<String, ArrayDeque<Instant>> sentForAddress = new HashMap<>();

    private SignIn(TokenService tokens, Clock clock, ServerConfig config, Path mailbox, Environment environment) {
        this.tokens = tokens;
        this.clock = clock;
        this.accessTtl = config.accessTokenTtl();
        this.codeTtl = config.codeTtl();
        this.sessionLimit = config.sessionLimit();
        this.mailbox = mailbox;
        this.environment = environment;
        this.sessions = environment.computeInTransaction(txn -> environment.openStore("sessions", StoreConfig.WITHOUT_DUPLICATES, txn));
    }

    /**
     * Sessions go to {@code auth/} in the server's data folder, codes to {@code mailbox.jsonl}.
     *
     * @throws IOException when the session store cannot be opened
     */
    public static SignIn open(ServerConfig config, TokenService tokens, Clock clock) throws IOException {
        Path dataFolder = config.dataFolder();
        Path folder = dataFolder.resolve("auth");
        Files.createDirectories(folder);
        try {
            Environment environment = Environments.newInstance(folder.toFile(), new EnvironmentConfig().setLogDurableWrite(true)
                    .setLogLockTimeout(1000).setEnvCloseForcedly(true).setManagementEnabled(false));
            return new SignIn(tokens, clock, config, dataFolder.resolve("mailbox.jsonl"), environment);
        } catch (RuntimeException e) {
            throw new IOException("The sign-in store at " + folder + " could not be opened (" + e.getMessage()
                    + "); is another server using this data folder?", e);
        }
    }

    // ---------------------------------------------------------------- request-otp

    /** {@code POST /auth/request-otp {email}}. */
    public Reply requestCode(ObjectNode body, String address, String path) {
        String email = email(body);
        if (email == null) {
            return Reply.problem(400, "invalid-email", "Bad Request", "Send a valid email address: {\"email\": \"you@example.com\"}.",
                    path);
        }
        Instant now = clock.instant();
        String code;
        int remaining;
        synchronized (this) {
            ArrayDeque<Instant> byEmail = recent(sentToEmail, email, now);
            ArrayDeque<Instant> byAddress = recent(sentForAddress, address, now);
            if (byEmail.size() >= CODES_PER_EMAIL || byAddress.size() >= CODES_PER_ADDRESS) {
                boolean emailFull = byEmail.size() >= CODES_PER_EMAIL;
                Instant reset = (emailFull ? byEmail : byAddress).peekFirst().plus(WINDOW);
                long seconds = Math.max(1, Duration.between(now, reset).toSeconds() + 1);
                ObjectNode extra = Json.object();
                extra.put("retry_after", seconds);
                extra.put("reset_at", reset.getEpochSecond());
                extra.put("reset_at_iso", Json.time(reset));
                extra.put("remaining", 0);
                extra.put("reason", emailFull ? "Too many codes for this email address" : "Too many codes from this address");
                return Reply.problem(429, "rate-limited", "Too Many Requests", (emailFull ? "At most " + CODES_PER_EMAIL
                        + " codes an hour go to one email address" : "At most " + CODES_PER_ADDRESS + " codes an hour are sent for one"
                                + " network address") + "; try again in " + seconds + " s.", path, extra)
                        .header("Retry-After", Long.toString(seconds));
            }
            byEmail.addLast(now);
            byAddress.addLast(now);
            remaining = CODES_PER_EMAIL - byEmail.size();
            code = String.format(Locale.ROOT, "%09d", random.nextInt(1_000_000_000));
            codes.put(email, new Code(code, now.plus(codeTtl), 0)); // only the newest code works
        }
        deliver(email, code, now);
        ObjectNode node = Json.object();
        node.put("success", true);
        node.put("message", "A sign-in code was sent to " + email + ".");
        node.put("expiresIn", codeTtl.toSeconds());
        node.put("remaining", remaining);
        return Reply.json(200, node).header("Cache-Control", "no-store");
    }

    private static ArrayDeque<Instant> recent(Map<String, ArrayDeque<Instant>> sent, String key, Instant now) {
        ArrayDeque<Instant> times = sent.computeIfAbsent(key, k -> new ArrayDeque<>());
        while (!times.isEmpty() && !times.peekFirst().plus(WINDOW).isAfter(now)) {
            times.removeFirst();
        }
        return times;
    }

    /** This server's mail: the log, and one JSON line in the owner-only mailbox file. */
    private void deliver(String email, String code, Instant now) {
        LOG.info("Sign-in code for {}: {} (valid {} s; also in {})", email, code, codeTtl.toSeconds(), mailbox);
        ObjectNode line = Json.object();
        line.put("to", email);
        line.put("code", code);
        line.put("sentAt", Json.time(now));
        line.put("expiresAt", Json.time(now.plus(codeTtl)));
        byte[] bytes = (new String(Json.bytes(line), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (mailbox) {
            try {
                if (!Files.exists(mailbox)) {
                    try {
                        Files.createFile(mailbox, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    } catch (UnsupportedOperationException e) {
                        Files.createFile(mailbox);
                    }
                }
                Files.write(mailbox, bytes, StandardOpenOption.APPEND);
            } catch (IOException e) {
                LOG.warn("The code could not be written to {} ({}); it is in the line above", mailbox, e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- verify-otp

    /** {@code POST /auth/verify-otp {email, otp}}. */
    public Reply verifyCode(ObjectNode body, String path) {
        String email = email(body);
        JsonNode otp = body.get("otp");
        if (email == null || otp == null || !otp.isTextual() || !OTP.matcher(otp.asText()).matches()) {
            return Reply.problem(400, "invalid-request", "Bad Request",
                    "Send the email address and the 9-digit code as text: {\"email\": \"…\", \"otp\": \"123456789\"}.", path);
        }
        Instant now = clock.instant();
        synchronized (this) {
            Code code = codes.get(email);
            if (code == null || !code.expires().isAfter(now)) {
                codes.remove(email);
                return Reply.problem(401, "invalid-code", "Unauthorized",
                        "There is no valid code for this email address (it expired, was used, or a newer one was sent);"
                                + " request a new one.", path);
            }
            if (!MessageDigest.isEqual(code.code().getBytes(StandardCharsets.US_ASCII),
                    otp.asText().getBytes(StandardCharsets.US_ASCII))) {
                int wrong = code.wrongTries() + 1;
                if (wrong >= MAX_WRONG_TRIES) {
                    codes.remove(email);
                    return Reply.problem(429, "too-many-attempts", "Too Many Requests",
                            "Too many wrong codes; this code no longer works. Request a new one.", path);
                }
                codes.put(email, new Code(code.code(), code.expires(), wrong));
                ObjectNode extra = Json.object();
                extra.put("remaining_attempts", MAX_WRONG_TRIES - wrong);
                return Reply.problem(401, "wrong-code", "Unauthorized",
                        "Wrong code; " + (MAX_WRONG_TRIES - wrong) + " tries left.", path, extra);
            }
            codes.remove(email);
        }
        String customer = customerOf(email);
        String sid = UUID.randomUUID().toString();
        Instant limit = now.plus(sessionLimit);
        String refresh = newRefreshToken();
        ObjectNode session = Json.object();
        session.put("customerId", customer);
        session.put("email", email);
        session.put("sid", sid);
        session.put("signedInAt", Json.time(now));
        session.put("limit", Json.time(limit));
        environment.executeInTransaction(txn -> sessions.put(txn, key(refresh), new ArrayByteIterable(Json.bytes(session))));
        LOG.info("Signed in {} (customer {})", email, customer);
        return signedIn(session, refresh, now);
    }

    // ---------------------------------------------------------------- refresh

    /**
     * {@code POST /auth/refresh {refresh_token}} for the opaque tokens of a code sign-in.
     *
     * @return the answer, or null when the token is not one of these (a refresh JWT minted by the server)
     */
    public Reply refresh(String refreshToken, String path) {
        if (refreshToken.indexOf('.') >= 0) {
            return null;
        }
        Instant now = clock.instant();
        String next = newRefreshToken();
        ObjectNode session = environment.computeInTransaction(txn -> {
            ByteIterable stored = sessions.get(txn, key(refreshToken));
            if (stored == null) {
                return null;
            }
            sessions.delete(txn, key(refreshToken)); // the old token stops working at once
            ObjectNode s = (ObjectNode) read(stored);
            if (!Instant.parse(s.path("limit").asText()).isAfter(now)) {
                return null;
            }
            sessions.put(txn, key(next), new ArrayByteIterable(Json.bytes(s)));
            return s;
        });
        if (session == null) {
            ObjectNode extra = Json.object();
            extra.put("error", "invalid_grant");
            return Reply.problem(401, "invalid-grant", "Unauthorized",
                    "The refresh token is unknown, was already used, or its sign-in ended; sign in again.", path, extra);
        }
        return signedIn(session, next, now);
    }

    // ---------------------------------------------------------------- logout and me

    /** {@code POST /auth/logout}: ends the sign-in the access token belongs to (every refresh token of it). */
    public Reply logout(TokenService.Principal who) {
        String sid = who.claims().path("sid").asText("");
        int ended = sid.isEmpty() ? 0 : environment.computeInTransaction(txn -> {
            int n = 0;
            try (Cursor cursor = sessions.openCursor(txn)) {
                while (cursor.getNext()) {
                    if (sid.equals(read(cursor.getValue()).path("sid").asText())) {
                        cursor.deleteCurrent();
                        n++;
                    }
                }
            }
            return n;
        });
        ObjectNode node = Json.object();
        node.put("success", true);
        node.put("message", ended > 0 ? "Signed out." : "Signed out (there was no session to end).");
        return Reply.json(200, node);
    }

    /** {@code GET /auth/me}: the account's claims. */
    public static Reply me(TokenService.Principal who) {
        ObjectNode node = Json.object();
        node.put("customerId", who.customerId());
        node.put("sub", who.claims().path("sub").asText(who.customerId()));
        for (String claim : new String[] { "email", "displayName", "scope", "iss" }) {
            if (who.claims().path(claim).isTextual()) {
                node.put(claim, who.claims().get(claim).asText());
            }
        }
        node.put("exp", who.claims().path("exp").asLong());
        return Reply.json(200, node).header("Cache-Control", "no-store");
    }

    // ---------------------------------------------------------------- helpers

    private Reply signedIn(ObjectNode session, String refresh, Instant now) {
        String customer = session.get("customerId").asText();
        String email = session.get("email").asText();
        String displayName = email.substring(0, email.indexOf('@'));
        Instant limit = Instant.parse(session.get("limit").asText());
        ObjectNode claims = Json.object();
        claims.put("sid", session.get("sid").asText());
        claims.put("email", email);
        claims.put("displayName", displayName);
        claims.put("scope", SCOPE);
        String access = tokens.mint(customer, accessTtl, "access", claims);
        String id = tokens.mint(customer, accessTtl, "id", claims);
        ObjectNode node = Json.object();
        node.put("access_token", access);
        node.put("refresh_token", refresh);
        node.put("id_token", id);
        node.put("token_type", "Bearer");
        node.put("expires_in", accessTtl.toSeconds());
        node.put("refresh_expires_in", Math.max(0, Duration.between(now, limit).toSeconds()));
        node.put("scope", SCOPE);
        node.put("customerId", customer);
        node.put("sub", customer);
        node.put("displayName", displayName);
        node.put("expiresAt", Json.time(now.plus(accessTtl)));
        return Reply.json(200, node).header("Cache-Control", "no-store").header("Pragma", "no-cache");
    }

    /** @return the email of a request body, trimmed and in lower case, or null when it is not an address */
    private static String email(ObjectNode body) {
        JsonNode node = body.get("email");
        if (node == null || !node.isTextual()) {
            return null;
        }
        String email = node.asText().strip().toLowerCase(Locale.ROOT);
        return email.length() <= 254 && EMAIL.matcher(email).matches() ? email : null;
    }

    /** @return the customer id of an email address, the same on every sign-in */
    static String customerOf(String email) {
        return "c-" + HexFormat.of().formatHex(sha256(email.getBytes(StandardCharsets.UTF_8))).substring(0, 20);
    }

    private String newRefreshToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Only a digest of a refresh token is stored. */
    private static ByteIterable key(String refreshToken) {
        return new ArrayByteIterable(sha256(refreshToken.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode read(ByteIterable value) {
        try {
            return Json.read(java.util.Arrays.copyOf(value.getBytesUnsafe(), value.getLength()));
        } catch (IOException e) {
            throw new IllegalStateException("A stored session could not be read", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
    }

    @Override
    public void close() {
        environment.close();
    }
}
