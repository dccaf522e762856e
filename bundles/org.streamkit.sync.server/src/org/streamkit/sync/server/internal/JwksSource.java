package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where the trusted keys besides the server's own come from: a JWKS file or a JWKS URL. */
public interface JwksSource extends AutoCloseable {

    /** @return the keys, cached */
    TrustedKeys keys() throws KeysUnavailableException;

    /**
     * Reads the keys again if they may have changed (a token names a key id not seen yet); rate-limited,
     * so a flood of unknown key ids does not turn into a flood of reads.
     */
    TrustedKeys reload() throws KeysUnavailableException;

    @Override
    void close();

    /** A JWKS file, read at start and again when it changed on disk. */
    final class FromFile implements JwksSource {
        private final Path file;
        private volatile TrustedKeys keys;
        private volatile FileTime readModified;

        /** @throws IOException when the file cannot be read now: a start-up error, said at once */
        public FromFile(Path file) throws IOException {
            this.file = file;
            this.readModified = Files.getLastModifiedTime(file);
            this.keys = TrustedKeys.parse(Files.readAllBytes(file), file.toString());
        }

        @Override
        public TrustedKeys keys() {
            return keys;
        }

        @Override
        public synchronized TrustedKeys reload() throws KeysUnavailableException {
            try {
                FileTime modified = Files.getLastModifiedTime(file);
                if (!modified.equals(readModified)) {
                    keys = TrustedKeys.parse(Files.readAllBytes(file), file.toString());
                    readModified = modified;
                }
                return keys;
            } catch (IOException e) {
                throw new KeysUnavailableException("The JWKS file " + file + " could not be read again: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    /** A JWKS URL, fetched with the JDK's HTTP client on first use and cached. */
    final class FromUrl implements JwksSource {
        private static final Logger LOG = LoggerFactory.getLogger(FromUrl.class);
        private static final Duration TTL = Duration.ofMinutes(10);
        private static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(30);
        private static final int MAX_BYTES = 1024 * 1024;

        private final URI url;
        private final ExecutorService executor;
        private final HttpClient client;
        private TrustedKeys keys;
        private long fetchedAtNanos;
        private long lastAttemptNanos;

        public FromUrl(URI url, String threadNamePrefix) {
            this.url = url;
            AtomicInteger count = new AtomicInteger();
            this.executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, threadNamePrefix + "-jwks-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.client = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }

        @Override
        public synchronized TrustedKeys keys() throws KeysUnavailableException {
            if (keys == null || System.nanoTime() - fetchedAtNanos > TTL.toNanos()) {
                return fetch();
            }
            return keys;
        }

        @Override
        public synchronized TrustedKeys reload() throws KeysUnavailableException {
            if (keys != null && System.nanoTime() - lastAttemptNanos < MIN_RELOAD_INTERVAL.toNanos()) {
                return keys;
            }
            return fetch();
        }

        private TrustedKeys fetch() throws KeysUnavailableException {
            lastAttemptNanos = System.nanoTime();
            try {
                HttpResponse<InputStream> response = client.send(
                        HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(MAX_BYTES + 1);
                }
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode());
                }
                if (body.length > MAX_BYTES) {
                    throw new IOException("larger than " + MAX_BYTES + " bytes");
                }
                keys = TrustedKeys.parse(body, url.toString());
                fetchedAtNanos = System.nanoTime();
                return keys;
            } catch (IOException e) {
                return stale(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stale(e);
            }
        }

        private TrustedKeys stale(Exception e) throws KeysUnavailableException {
            if (keys != null) {
                LOG.warn("The JWKS at {} could not be fetched again ({}); keeping the keys read before", url, e.getMessage());
                return keys;
            }
            throw new KeysUnavailableException("The signing keys at " + url + " could not be fetched (" + e.getMessage()
                    + "); check that the URL is reachable from this server.", e);
        }

        @Override
        public void close() {
            client.shutdownNow();
            executor.shutdownNow();
            client.close();
        }
    }
}
