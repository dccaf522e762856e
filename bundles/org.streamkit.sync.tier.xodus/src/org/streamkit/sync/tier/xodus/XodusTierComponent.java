package org.streamkit.sync.tier.xodus;

import java.nio.file.Path;

import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ForwardingStorageTier;
import org.streamkit.sync.api.support.StateLocations;
import org.streamkit.sync.tier.xodus.XodusStore.Durability;

/**
 * Registers the Xodus store as the primary local {@link StorageTier} (400, local). The store opens when
 * the component activates and closes (releasing its lock) when it deactivates, so stopping the bundle
 * frees the folder for another process. A store locked by another process leaves the tier registered but
 * {@code DOWN}, with a reason that says what to do; the tier tries to open it again at most every
 * {@value #REOPEN_INTERVAL_MS} ms when asked. A damaged store is moved aside (kept next to its folder) and a
 * new one opens in its place: the tier is {@code DEGRADED}, says so, and the coordinator refills it.
 */
@Component(service = StorageTier.class, configurationPid = XodusTierComponent.PID, property = {
        StorageTier.RANKING + ":Integer=400",
        StorageTier.TIER_NAME + "=" + XodusTierComponent.NAME,
        StorageTier.TIER_KIND + "=" + StorageTier.KIND_LOCAL })
@Designate(ocd = XodusTierComponent.Config.class)
public final class XodusTierComponent extends ForwardingStorageTier {

    static final String PID = "org.streamkit.sync.tier.xodus";
    static final String NAME = "xodus";
    static final long REOPEN_INTERVAL_MS = 5000;

    private static final Logger LOG = LoggerFactory.getLogger(XodusTierComponent.class);

    @ObjectClassDefinition(name = "Streamkit Xodus tier", description = "The primary local store of Streamkit configs.")
    public @interface Config {
        @AttributeDefinition(name = "Store folder", description = "Where the Xodus files live. Empty: "
                + "<workspace>/.metadata/.plugins/org.streamkit.sync.tier.xodus/store", required = false)
        String directory() default "";

        @AttributeDefinition(name = "Durability", description = "What a saved config survives.", options = {
                @Option(value = "PROCESS_CRASH", label = "A crash of Streamkit (kill -9); fastest"),
                @Option(value = "POWER_LOSS", label = "A power loss or OS crash (fsync on every save)") })
        String durability() default "PROCESS_CRASH";

        @AttributeDefinition(name = "Lock timeout (ms)", description = "How long to wait for another process to release the store.")
        long lockTimeoutMs() default 1000;
    }

    private final Path directory;
    private final Durability durability;
    private final long lockTimeoutMs;
    private volatile XodusStore store;
    private volatile TierHealth failure;
    /** Set when a damaged store was moved aside at open: the tier works and says what happened. */
    private volatile TierHealth setAside;
    private long lastAttempt;
    private boolean stopped;

    @Activate
    public XodusTierComponent(Config config, BundleContext context,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, target = "(type=osgi.instance.area)") Location instanceArea) {
        this.directory = config.directory().isBlank() ? StateLocations.of(instanceArea, context, "store")
                : Path.of(config.directory());
        this.durability = parseDurability(config.durability());
        this.lockTimeoutMs = Math.max(0, config.lockTimeoutMs());
        open();
    }

    private static Durability parseDurability(String text) {
        try {
            return Durability.valueOf(text.trim());
        } catch (IllegalArgumentException e) {
            LOG.warn("Unknown Xodus durability '{}'; using PROCESS_CRASH (choose PROCESS_CRASH or POWER_LOSS)", text);
            return Durability.PROCESS_CRASH;
        }
    }

    private synchronized XodusStore open() {
        if (store != null) {
            return store;
        }
        lastAttempt = System.currentTimeMillis();
        try {
            XodusStore.Opened opened = XodusStore.openOrSetAside(NAME, directory, durability, lockTimeoutMs);
            store = opened.store();
            failure = null;
            setAside = opened.note() == null ? null : TierHealth.degraded(opened.note());
            if (opened.note() != null) {
                LOG.warn("Xodus tier: {}", opened.note());
            }
            LOG.info("Xodus tier open at {} (durability {})", directory, durability);
        } catch (StorageException e) {
            failure = TierHealth.down(e.getMessage());
            LOG.warn("Xodus tier is down: {}", e.getMessage());
        }
        return store;
    }

    @Override
    protected XodusStore delegate() throws StorageException {
        XodusStore s = store;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            // Once deactivated, never again: a caller still holding this object (a read under way when the
            // bundle stopped) would otherwise reopen the store, and nothing would ever close it or free its lock.
            if (store == null && !stopped && System.currentTimeMillis() - lastAttempt >= REOPEN_INTERVAL_MS) {
                open();
            }
            if (store == null) {
                TierHealth f = failure;
                throw new StorageException(f == null ? "The Xodus tier is closed" : f.reason(), true);
            }
            return store;
        }
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        XodusStore s = store;
        store = null;
        failure = TierHealth.down("The Xodus tier is stopped");
        if (s != null) {
            s.close();
            LOG.info("Xodus tier closed at {}", directory);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TierHealth health() {
        XodusStore s = store;
        if (s != null) {
            TierHealth h = s.health();
            TierHealth note = setAside;
            return note != null && h.available() ? note : h;
        }
        TierHealth f = failure;
        return f != null ? f : TierHealth.down("The Xodus tier is not open");
    }

    /** @return the folder of the store */
    public Path directory() {
        return directory;
    }
}
