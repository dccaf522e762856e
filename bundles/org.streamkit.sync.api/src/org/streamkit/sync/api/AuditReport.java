package org.streamkit.sync.api;

import java.util.List;

/**
 * What a consistency audit found: every config whose tiers disagree, the tiers that were behind the
 * last-write-wins winner, and whether they were repaired.
 *
 * @param checked     configs compared
 * @param differences one line per stale copy: {@code "<type>/<id> in <tier>: <what>"}
 * @param repaired    stale copies repaired (local tiers at once, remote tiers through the outbox)
 * @since 0.1
 */
public record AuditReport(int checked, List<String> differences, int repaired) {

    public AuditReport {
        differences = List.copyOf(differences);
    }
}
