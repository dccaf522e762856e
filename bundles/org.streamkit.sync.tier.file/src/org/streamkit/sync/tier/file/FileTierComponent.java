package org.streamkit.sync.tier.file;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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

/**
 * Registers the file backup store as a local {@link StorageTier} (300). Its scanning thread starts with
 * the component and stops with it; the scan of the folder itself waits {@value #SCAN_DELAY_SECONDS} s (or
 * until something needs it), so a command that runs for a moment never reads the whole folder. A folder
 * that cannot be used leaves the tier registered but {@code DOWN}, with the reason.
 */
@Component(service = StorageTier.class, configurationPid = FileTierComponent.PID, property = {
        StorageTier.RANKING + ":Integer=300",
        StorageTier.TIER_NAME + "=" + FileTierComponent.NAME,
        StorageTier.TIER_KIND + "=" + StorageTier.KIND_LOCAL })
@Designate(ocd = FileTierComponent.Config.class)
public final class FileTierComponent extends ForwardingStorageTier {

    static final String PID = "org.streamkit.sync.tier.file";
    static final String NAME = "file";

    static final long SCAN_DELAY_SECONDS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(FileTierComponent.class);

    @ObjectClassDefinition(name = "Streamkit file backup tier", description = "One JSON file per config, as a backup.")
    public @interface Config {
        @AttributeDefinition(name = "Backup folder", description = "Where the JSON files live. Empty: "
                + "<workspace>/.metadata/.plugins/org.streamkit.sync.tier.file/backup", required = false)
        String directory() default "";

        @AttributeDefinition(name = "Durability", description = "What a save survives once it returned", options = {
                @Option(value = "PROCESS_CRASH", label = "A crash of the product (renamed into place; the system writes it out)"),
                @Option(value = "POWER_LOSS", label = "A power loss or OS crash (fsync on every save)") })
        String durability() default "PROCESS_CRASH";
    }

    private final ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "streamkit-file-tier-scan");
        t.setDaemon(true);
        return t;
    });
    private final Path root;
    private final FileStore store;
    private final TierHealth failure;

    @Activate
    public FileTierComponent(Config config, BundleContext context,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, target = "(type=osgi.instance.area)") Location instanceArea) {
        root = config.directory().isBlank() ? StateLocations.of(instanceArea, context, "backup") : Path.of(config.directory());
        FileStore opened = null;
        TierHealth failed = null;
        try {
            opened = FileStore.open(NAME, root, scanner, durability(config.durability()));
            FileStore scanned = opened;
            scanner.schedule(scanned::startScan, SCAN_DELAY_SECONDS, TimeUnit.SECONDS);
        } catch (StorageException e) {
            failed = TierHealth.down(e.getMessage());
            LOG.warn("File backup tier is down: {}", e.getMessage());
        }
        store = opened;
        failure = failed;
    }

    private static FileStore.Durability durability(String text) {
        try {
            return FileStore.Durability.valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            LOG.warn("Unknown file tier durability '{}'; using PROCESS_CRASH (choose PROCESS_CRASH or POWER_LOSS)", text);
            return FileStore.Durability.PROCESS_CRASH;
        }
    }

    @Deactivate
    void deactivate() {
        if (store != null) {
            store.close();
        }
        scanner.shutdownNow();
    }

    @Override
    protected FileStore delegate() throws StorageException {
        if (store == null) {
            throw new StorageException(failure.reason(), false);
        }
        return store;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** @return the backup folder */
    public Path root() {
        return root;
    }
}
