package org.streamkit.sync.api.support;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The rule for a cloud API URL, the same wherever one is set (the cloud tier, the command line): HTTPS, or
 * plain HTTP only to this machine, so a token never travels unencrypted.
 *
 * @since 0.2
 */
public final class CloudUrls {

    private CloudUrls() {
    }

    /**
     * @return the URL, checked
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static URI check(String url) {
        URI uri;
        try {
            uri = new URI(url == null ? "" : url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("The cloud API URL '" + url + "' is not a URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("The cloud API URL '" + url + "' must be https://host[:port][/path]");
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            throw new IllegalArgumentException("The cloud API URL '" + url + "' uses plain http to " + uri.getHost()
                    + ": tokens would travel unencrypted. Use https://, or http:// only to this machine (localhost).");
        }
        return uri;
    }

    /** @return whether a host is this machine: localhost, or a loopback address written as numbers (never a lookup) */
    public static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name other than localhost is never trusted to be local
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
