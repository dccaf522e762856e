package org.streamkit.sync.server.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The conditional-write headers of one request: {@code If-Match} (strong comparison, RFC 9110 13.1.1)
 * and {@code If-None-Match: *}. Evaluated inside the write's transaction, against what is stored, a
 * tombstone included: a client that read a delete writes over it only by naming it.
 */
public final class Precondition {

    /** No precondition: every write goes ahead (core mode, or no headers). */
    public static final Precondition NONE = new Precondition(null, false);

    private final List<String> ifMatch;
    private final boolean ifNoneMatchAny;

    private Precondition(List<String> ifMatch, boolean ifNoneMatchAny) {
        this.ifMatch = ifMatch;
        this.ifNoneMatchAny = ifNoneMatchAny;
    }

    /**
     * @param ifMatch     the {@code If-Match} header values, or {@code null} when absent
     * @param ifNoneMatch the {@code If-None-Match} header values, or {@code null} when absent
     * @throws IllegalArgumentException when a header is not a list of entity tags
     */
    public static Precondition of(List<String> ifMatch, List<String> ifNoneMatch) {
        List<String> match = ifMatch == null || ifMatch.isEmpty() ? null : parse(String.join(",", ifMatch), "If-Match");
        boolean noneMatchAny = false;
        if (ifNoneMatch != null && !ifNoneMatch.isEmpty()) {
            List<String> tags = parse(String.join(",", ifNoneMatch), "If-None-Match");
            if (!tags.equals(List.of("*"))) {
                throw new IllegalArgumentException("If-None-Match is supported on writes only as '*' (create only if absent)");
            }
            noneMatchAny = true;
        }
        return match == null && !noneMatchAny ? NONE : new Precondition(match, noneMatchAny);
    }

    /**
     * @param current what is stored for the config: the live config, its tombstone (which has an entity tag
     *                of its own and counts as existing), or {@code null}
     * @return whether the request may change it
     */
    public boolean test(ConfigStore.Entry current) {
        if (ifNoneMatchAny && current != null) {
            return false;
        }
        if (ifMatch != null) {
            if (current == null) {
                return false;
            }
            return ifMatch.contains("*") ? !current.deleted() : ifMatch.contains(current.etag());
        }
        return true;
    }

    /** @return whether an {@code If-None-Match} list (for a GET) names the given entity tag, weakly compared */
    public static boolean noneMatchHits(List<String> ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isEmpty()) {
            return false;
        }
        for (String tag : parse(String.join(",", ifNoneMatch), "If-None-Match")) {
            if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    /** Splits an entity-tag list; weak tags keep their {@code W/} so that they never match strongly. */
    static List<String> parse(String header, String name) {
        List<String> tags = new ArrayList<>();
        int i = 0;
        int n = header.length();
        while (i < n) {
            char c = header.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            if (c == '*') {
                tags.add("*");
                i++;
                continue;
            }
            int start = i;
            if (header.startsWith("W/", i)) {
                i += 2;
            }
            if (i >= n || header.charAt(i) != '"') {
                throw new IllegalArgumentException(name + " must list quoted entity tags, such as \"2026-01-01T00:00:00.000Z\"");
            }
            int close = header.indexOf('"', i + 1);
            if (close < 0) {
                throw new IllegalArgumentException(name + " has an unterminated entity tag");
            }
            tags.add(header.substring(start, close + 1));
            i = close + 1;
        }
        if (tags.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        return tags;
    }
}
