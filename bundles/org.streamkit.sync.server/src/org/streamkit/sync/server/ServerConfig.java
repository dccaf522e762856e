package org.streamkit.sync.server;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.streamkit.sync.api.ConfigDocument;

/**
 * Settings of a {@link StreamkitServer}: where it listens, where it keeps its data, which tokens it
 * trusts, and whether it offers the extensions. Immutable; made with {@link #builder(Path)} or, for a
 * command line or a properties file, with {@link #fromProperties(Map)} (keys are the constants below).
 *
 * @since 0.1
 */
public final class ServerConfig {

    /** Default interface: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Default port, the one the Streamkit clients use for local development. */
    public static final int DEFAULT_PORT = 8796;
    /**
     * Room a request has beyond the config body: the id, the client's sync metadata and escaped names
     * ({@value} bytes), so that every body a client accepts ({@link ConfigDocument#MAX_BODY_BYTES}) fits.
     */
    public static final int ENVELOPE_BYTES = 64 * 1024;
    /** Default largest request with the extensions on: a 1 MiB config body and its envelope. */
    public static final int DEFAULT_MAX_BODY_BYTES = ConfigDocument.MAX_BODY_BYTES + ENVELOPE_BYTES;
    /**
     * Largest request body with the extensions off. The deployed API has no limit of its own, but its
     * store (Cloudflare KV) takes at most 25 MiB per value; nothing larger could be stored there either.
     */
    public static final int CORE_MAX_BODY_BYTES = 25 * 1024 * 1024;

    /** Property key: interface to listen on ({@value #DEFAULT_HOST}). */
    public static final String HOST = "host";
    /** Property key: port, {@code 0} for any free one ({@value #DEFAULT_PORT}). */
    public static final String PORT = "port";
    /** Property key: data folder (required); holds the Xodus store and the signing key. */
    public static final String DATA_FOLDER = "dataFolder";
    /** Property key: extra trusted keys, a JWKS file path or an {@code http(s)://} URL (none). */
    public static final String JWKS = "jwks";
    /** Property key: required {@code iss} of access tokens, also put into minted tokens (not checked). */
    public static final String ISSUER = "issuer";
    /** Property key: required {@code aud} of access tokens, also put into minted tokens (not checked). */
    public static final String AUDIENCE = "audience";
    /** Property key: {@code true} (default) offers every extension; {@code false} only the core routes. */
    public static final String EXTENSIONS = "extensions";
    /**
     * Property key: most configs a full listing of one type answers with the extensions off ({@value #CORE_LIST_CAP},
     * as the deployed API, which lists the first 1,000 ids of a type in key order and says nothing of the rest);
     * {@code 0} for no limit.
     */
    public static final String CORE_LIST_CAP_KEY = "core.listCap";
    /** How many configs of one type the deployed API lists at most. */
    public static final int CORE_LIST_CAP = 1000;
    /** Property key: token-bucket size per client, in requests; {@code 0} turns rate limiting off (2000). */
    public static final String RATE_LIMIT_BURST = "rateLimit.burst";
    /** Property key: token-bucket refill per client, in requests per second (500). */
    public static final String RATE_LIMIT_PER_SECOND = "rateLimit.perSecond";
    /** Property key: largest request body in bytes with the extensions on (1114112: 1 MiB of config and 64 KiB of envelope). */
    public static final String MAX_BODY_BYTES = "maxBodyBytes";
    /** Property key: seconds between heartbeat comments on an event stream (15). */
    public static final String HEARTBEAT_SECONDS = "events.heartbeatSeconds";
    /** Property key: lifetime of minted access tokens in seconds (900). */
    public static final String ACCESS_TOKEN_SECONDS = "accessToken.seconds";
    /** Property key: lifetime of minted refresh tokens in seconds (2592000, 30 days). */
    public static final String REFRESH_TOKEN_SECONDS = "refreshToken.seconds";
    /** Property key: how long a sign-in code is good for, in seconds (600). */
    public static final String CODE_SECONDS = "signIn.codeSeconds";
    /** Property key: how long a code sign-in lasts at most, refreshes included, in seconds (604800, 7 days). */
    public static final String SESSION_SECONDS = "signIn.sessionSeconds";
    /** Property key: fsync every commit ({@code true}) or only write it to the log file (default). */
    public static final String DURABLE_WRITES = "durableWrites";
    /** Property key: value of {@code environment} in {@code /health} ({@code local}). */
    public static final String ENVIRONMENT = "environment";

    private final String host;
    private final int port;
    private final Path dataFolder;
    private final Path jwksFile;
    private final URI jwksUrl;
    private final String issuer;
    private final String audience;
    private final boolean extensions;
    private final int coreListCap;
    private final int rateLimitBurst;
    private final double rateLimitPerSecond;
    private final int maxBodyBytes;
    private final Duration heartbeatInterval;
    private final Duration accessTokenTtl;
    private final Duration refreshTokenTtl;
    private final Duration codeTtl;
    private final Duration sessionLimit;
    private final Duration clockSkew;
    private final Duration lockTimeout;
    private final boolean durableWrites;
    private final String environment;

    private ServerConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.dataFolder = b.dataFolder;
        this.jwksFile = b.jwksFile;
        this.jwksUrl = b.jwksUrl;
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.extensions = b.extensions;
        this.coreListCap = b.coreListCap;
        this.rateLimitBurst = b.rateLimitBurst;
        this.rateLimitPerSecond = b.rateLimitPerSecond;
        this.maxBodyBytes = b.maxBodyBytes;
        this.heartbeatInterval = b.heartbeatInterval;
        this.accessTokenTtl = b.accessTokenTtl;
        this.refreshTokenTtl = b.refreshTokenTtl;
        this.codeTtl = b.codeTtl;
        this.sessionLimit = b.sessionLimit;
        this.clockSkew = b.clockSkew;
        this.lockTimeout = b.lockTimeout;
        this.durableWrites = b.durableWrites;
        this.environment = b.environment;
    }

    /** @return a builder with every default, keeping its data in {@code dataFolder} */
    public static Builder builder(Path dataFolder) {
        return new Builder(dataFolder);
    }

    /** @return a builder that starts from this configuration */
    public Builder toBuilder() {
        Builder b = new Builder(dataFolder);
        b.host = host;
        b.port = port;
        b.jwksFile = jwksFile;
        b.jwksUrl = jwksUrl;
        b.issuer = issuer;
        b.audience = audience;
        b.extensions = extensions;
        b.coreListCap = coreListCap;
        b.rateLimitBurst = rateLimitBurst;
        b.rateLimitPerSecond = rateLimitPerSecond;
        b.maxBodyBytes = maxBodyBytes;
        b.heartbeatInterval = heartbeatInterval;
        b.accessTokenTtl = accessTokenTtl;
        b.refreshTokenTtl = refreshTokenTtl;
        b.codeTtl = codeTtl;
        b.sessionLimit = sessionLimit;
        b.clockSkew = clockSkew;
        b.lockTimeout = lockTimeout;
        b.durableWrites = durableWrites;
        b.environment = environment;
        return b;
    }

    /**
     * Reads a configuration from text properties (keys are this class's constants; absent keys keep
     * their defaults).
     *
     * @throws IllegalArgumentException naming the key when a value is missing or not acceptable
     */
    public static ServerConfig fromProperties(Map<String, String> properties) {
        String folder = properties.get(DATA_FOLDER);
        if (folder == null || folder.isBlank()) {
            throw new IllegalArgumentException("'" + DATA_FOLDER + "' is required: the folder the server keeps its data in");
        }
        Builder b = builder(Path.of(folder.strip()));
        for (Map.Entry<String, String> e : properties.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue().strip();
            try {
                switch (key) {
                    case HOST -> b.host(value);
                    case PORT -> b.port(Integer.parseInt(value));
                    case DATA_FOLDER -> {
                        // read above
                    }
                    case JWKS -> b.jwks(value);
                    case ISSUER -> b.issuer(value.isEmpty() ? null : value);
                    case AUDIENCE -> b.audience(value.isEmpty() ? null : value);
                    case EXTENSIONS -> b.extensions(bool(value));
                    case CORE_LIST_CAP_KEY -> b.coreListCap(Integer.parseInt(value));
                    case RATE_LIMIT_BURST -> b.rateLimit(Integer.parseInt(value), b.rateLimitPerSecond);
                    case RATE_LIMIT_PER_SECOND -> b.rateLimit(b.rateLimitBurst, Double.parseDouble(value));
                    case MAX_BODY_BYTES -> b.maxBodyBytes(Integer.parseInt(value));
                    case HEARTBEAT_SECONDS -> b.heartbeatInterval(Duration.ofSeconds(Long.parseLong(value)));
                    case ACCESS_TOKEN_SECONDS -> b.accessTokenTtl(Duration.ofSeconds(Long.parseLong(value)));
                    case REFRESH_TOKEN_SECONDS -> b.refreshTokenTtl(Duration.ofSeconds(Long.parseLong(value)));
                    case CODE_SECONDS -> b.codeTtl(Duration.ofSeconds(Long.parseLong(value)));
                    case SESSION_SECONDS -> b.sessionLimit(Duration.ofSeconds(Long.parseLong(value)));
                    case DURABLE_WRITES -> b.durableWrites(bool(value));
                    case ENVIRONMENT -> b.environment(value);
                    default -> throw new IllegalArgumentException("unknown setting");
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("Server setting '" + key + "' = '" + value + "' is not acceptable: "
                        + ex.getMessage(), ex);
            }
        }
        return b.build();
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    /** @return the interface to listen on */
    public String host() {
        return host;
    }

    /** @return the port to listen on; {@code 0} picks a free one (see {@link StreamkitServer#port()}) */
    public int port() {
        return port;
    }

    /** @return the folder holding the store ({@code xodus/}) and the signing key ({@code keys/}) */
    public Path dataFolder() {
        return dataFolder;
    }

    /** @return a JWKS file whose keys are trusted besides the server's own, or {@code null} */
    public Path jwksFile() {
        return jwksFile;
    }

    /** @return a JWKS URL whose keys are trusted besides the server's own, or {@code null} */
    public URI jwksUrl() {
        return jwksUrl;
    }

    /** @return the {@code iss} access tokens must carry, or {@code null} for any */
    public String issuer() {
        return issuer;
    }

    /** @return the {@code aud} access tokens must carry, or {@code null} for any */
    public String audience() {
        return audience;
    }

    /** @return whether the extensions are offered; when not, only the core routes exist */
    public boolean extensions() {
        return extensions;
    }

    /** @return how long a sign-in code is good for */
    public Duration codeTtl() {
        return codeTtl;
    }

    /** @return how long a code sign-in lasts at most, refreshes included */
    public Duration sessionLimit() {
        return sessionLimit;
    }

    /**
     * @return the most configs a full listing of one type answers with when the extensions are off (the first
     *         ones in key order); {@code 0} for no limit
     */
    public int coreListCap() {
        return coreListCap;
    }

    /** @return the token-bucket size per client; {@code 0} when rate limiting is off */
    public int rateLimitBurst() {
        return rateLimitBurst;
    }

    /** @return the token-bucket refill per client, in requests per second */
    public double rateLimitPerSecond() {
        return rateLimitPerSecond;
    }

    /** @return the largest request body accepted with the extensions on, in bytes */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** @return the time between heartbeat comments on an idle event stream */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** @return the lifetime of minted access tokens */
    public Duration accessTokenTtl() {
        return accessTokenTtl;
    }

    /** @return the lifetime of minted refresh tokens */
    public Duration refreshTokenTtl() {
        return refreshTokenTtl;
    }

    /** @return the clock difference tolerated on {@code exp} and {@code nbf} */
    public Duration clockSkew() {
        return clockSkew;
    }

    /** @return how long start waits for another process to release the data folder's store */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** @return whether every commit is fsynced (survives a power loss) or only written to the log file */
    public boolean durableWrites() {
        return durableWrites;
    }

    /** @return the {@code environment} reported by {@code /health} */
    public String environment() {
        return environment;
    }

    /** Builds a {@link ServerConfig}; every setter checks its value at once. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final Path dataFolder;
        private Path jwksFile;
        private URI jwksUrl;
        private String issuer;
        private String audience;
        private boolean extensions = true;
        private int coreListCap = CORE_LIST_CAP;
        private int rateLimitBurst = 2000;
        private double rateLimitPerSecond = 500;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Duration heartbeatInterval = Duration.ofSeconds(15);
        private Duration accessTokenTtl = Duration.ofMinutes(15);
        private Duration refreshTokenTtl = Duration.ofDays(30);
        private Duration codeTtl = Duration.ofMinutes(10);
        private Duration sessionLimit = Duration.ofDays(7);
        private Duration clockSkew = Duration.ofSeconds(30);
        private Duration lockTimeout = Duration.ofSeconds(1);
        private boolean durableWrites;
        private String environment = "local";

        private Builder(Path dataFolder) {
            this.dataFolder = Objects.requireNonNull(dataFolder, "dataFolder").toAbsolutePath().normalize();
        }

        public Builder host(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("host is empty");
            }
            this.host = value.strip();
            return this;
        }

        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port " + value + " is outside 0..65535");
            }
            this.port = value;
            return this;
        }

        /** Trusts the keys of a JWKS file (besides the server's own); replaces any JWKS URL. */
        public Builder jwksFile(Path value) {
            this.jwksFile = value;
            this.jwksUrl = null;
            return this;
        }

        /** Trusts the keys of a JWKS URL, fetched and cached (besides the server's own); replaces any file. */
        public Builder jwksUrl(URI value) {
            if (value != null && !"http".equals(value.getScheme()) && !"https".equals(value.getScheme())) {
                throw new IllegalArgumentException("a JWKS URL must be http or https, not " + value);
            }
            this.jwksUrl = value;
            this.jwksFile = null;
            return this;
        }

        /** A JWKS source as text: an {@code http(s)://} URL or a file path; empty for none. */
        public Builder jwks(String value) {
            if (value == null || value.isBlank()) {
                this.jwksFile = null;
                this.jwksUrl = null;
                return this;
            }
            String v = value.strip();
            return v.startsWith("http://") || v.startsWith("https://") ? jwksUrl(URI.create(v)) : jwksFile(Path.of(v));
        }

        public Builder issuer(String value) {
            this.issuer = value;
            return this;
        }

        public Builder audience(String value) {
            this.audience = value;
            return this;
        }

        public Builder extensions(boolean value) {
            this.extensions = value;
            return this;
        }

        /** @param value the most configs a core-route listing of one type answers with; {@code 0} for no limit */
        public Builder coreListCap(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("listing cap " + value + " is negative");
            }
            this.coreListCap = value;
            return this;
        }

        /**
         * A token bucket per client (per customer when authenticated, else per IP address).
         *
         * @param burst     bucket size in requests; {@code 0} turns rate limiting off
         * @param perSecond refill in requests per second
         */
        public Builder rateLimit(int burst, double perSecond) {
            if (burst < 0) {
                throw new IllegalArgumentException("rate-limit burst " + burst + " is negative");
            }
            if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
                throw new IllegalArgumentException("rate-limit refill " + perSecond + " must be a positive number");
            }
            this.rateLimitBurst = burst;
            this.rateLimitPerSecond = perSecond;
            return this;
        }

        public Builder maxBodyBytes(int value) {
            if (value < 1024 || value > CORE_MAX_BODY_BYTES) {
                throw new IllegalArgumentException("body limit " + value + " is outside 1024.." + CORE_MAX_BODY_BYTES);
            }
            this.maxBodyBytes = value;
            return this;
        }

        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = positive("heartbeat interval", value);
            return this;
        }

        public Builder accessTokenTtl(Duration value) {
            this.accessTokenTtl = positive("access-token lifetime", value);
            return this;
        }

        public Builder refreshTokenTtl(Duration value) {
            this.refreshTokenTtl = positive("refresh-token lifetime", value);
            return this;
        }

        public Builder codeTtl(Duration value) {
            this.codeTtl = positive("sign-in code lifetime", value);
            return this;
        }

        public Builder sessionLimit(Duration value) {
            this.sessionLimit = positive("sign-in lifetime", value);
            return this;
        }

        public Builder clockSkew(Duration value) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException("clock skew must not be negative");
            }
            this.clockSkew = value;
            return this;
        }

        public Builder lockTimeout(Duration value) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException("lock timeout must not be negative");
            }
            this.lockTimeout = value;
            return this;
        }

        public Builder durableWrites(boolean value) {
            this.durableWrites = value;
            return this;
        }

        public Builder environment(String value) {
            this.environment = Objects.requireNonNull(value, "environment");
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(this);
        }

        private static Duration positive(String what, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return value;
        }
    }
}
