package org.streamkit.sync.coordinator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageException;

/**
 * Compares every config's copies in the local tiers, reports the stale and missing ones and, when asked,
 * writes the newest copy into them; a local tier that (re)joins is backfilled this way.
 */
final class Audit {

    private static final Logger LOG = LoggerFactory.getLogger(Audit.class);

    private final SyncContext sync;

    Audit(SyncContext sync) {
        this.sync = sync;
    }

    /**
     * Brings local tiers up to date from the other local tiers: one that (re)joined, and with it, when
     * asked, the other durable ones (after a run that did not stop cleanly, any of them may lack the last
     * write of that run).
     *
     * @param joined the tier that joined
     * @param also   other tiers to repair too (empty for none)
     * @return whether every config was compared (the coordinator did not stop, no tier failed to list)
     */
    boolean backfill(Coordinator.Tier joined, Set<String> also) {
        Set<String> filled = new TreeSet<>(also);
        filled.add(joined.name());
        try {
            Outcome outcome = check(true, filled);
            if (outcome.report().repaired() > 0) {
                LOG.info("Tier {} backfilled: {} copies written into {}", joined.name(), outcome.report().repaired(), filled);
            }
            return outcome.complete();
        } catch (RuntimeException e) {
            LOG.warn("Backfill of tier {} failed: {}", joined.name(), e.toString(), e);
            return false;
        }
    }

    /** @param only the tiers to check and repair, or null for every local tier */
    AuditReport run(boolean repair, Set<String> only) {
        return check(repair, only).report();
    }

    /** An audit's report, and whether it compared every config. */
    private record Outcome(AuditReport report, boolean complete) {
    }

    private Outcome check(boolean repair, Set<String> only) {
        boolean complete = true;
        List<Coordinator.Tier> local = sync.tiers.availableLocals();
        Set<ConfigKey> keys = new TreeSet<>();
        for (Coordinator.Tier t : local) {
            try {
                for (String type : t.tier().listTypes()) {
                    keys.addAll(t.tier().listKeys(type));
                }
            } catch (StorageException e) {
                complete = false;
                LOG.warn("Audit could not list tier {}: {}", t.name(), e.getMessage());
            }
        }
        List<String> differences = new ArrayList<>();
        int repaired = 0;
        for (ConfigKey key : keys) {
            if (sync.closed) {
                complete = false;
                break; // stopped: a repair under way ends, it does not go on writing into the tiers
            }
            synchronized (sync.lockOf(key)) {
                Map<Coordinator.Tier, ConfigDocument> copies = new HashMap<>();
                ConfigDocument winner = null;
                for (Coordinator.Tier t : local) {
                    try {
                        ConfigDocument d = t.tier().get(key).orElse(null);
                        copies.put(t, d);
                        winner = Lww.winner(winner, d);
                    } catch (StorageException e) {
                        complete = false;
                        differences.add(key + " in " + t.name() + ": unreadable (" + e.getMessage() + ")");
                    }
                }
                for (Map.Entry<Coordinator.Tier, ConfigDocument> copy : copies.entrySet()) {
                    Coordinator.Tier t = copy.getKey();
                    if (only != null && !only.contains(t.name()) || Lww.same(copy.getValue(), winner)) {
                        continue;
                    }
                    differences.add(key + " in " + t.name() + ": "
                            + (copy.getValue() == null ? "missing" : "stale (" + copy.getValue().updatedAt() + ")"));
                    if (repair) {
                        try {
                            t.tier().put(winner);
                            repaired++;
                        } catch (StorageException e) {
                            complete = false;
                            LOG.warn("Audit could not repair {} in {}: {}", key, t.name(), e.getMessage());
                        }
                    }
                }
            }
        }
        if (!differences.isEmpty()) {
            LOG.info("Audit: {} configs checked, {} differences, {} repaired", keys.size(), differences.size(), repaired);
        }
        return new Outcome(new AuditReport(keys.size(), differences, repaired), complete && !sync.closed);
    }
}
