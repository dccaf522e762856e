package org.streamkit.sync.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.osgi.service.datalocation.Location;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.AuditReport;
import org.streamkit.sync.api.Checkpoint;
import org.streamkit.sync.api.CheckpointRestore;
import org.streamkit.sync.api.ConfigDocument;
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.Conflict;
import org.streamkit.sync.api.PendingWrite;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncCoordinator;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.SyncState;
import org.streamkit.sync.api.SyncStatus;
import org.streamkit.sync.api.support.StateLocations;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Registers the {@link SyncCoordinator}: follows every {@link StorageTier} service as it comes and goes
 * (greedy, dynamic), posts sync events through EventAdmin when one is running, and owns the threads and
 * the sync state store, which stop and close when the component deactivates.
 */
@Component(service = SyncCoordinator.class, configurationPid = SyncCoordinatorComponent.PID, immediate = true)
@Designate(ocd = SyncCoordinatorComponent.Config.class)
public final class SyncCoordinatorComponent implements SyncCoordinator {

    static final String PID = "org.streamkit.sync.coordinator";
    private static final Logger LOG = LoggerFactory.getLogger(SyncCoordinatorComponent.class);
    /** How long after it starts an instance compares its local tiers whole. */
    static final long VERIFY_AFTER_SECONDS = 60;

    @ObjectClassDefinition(name = "Streamkit sync coordinator", description = "How configs move between the tiers.")
    public @interface Config {
        @AttributeDefinition(name = "Conflict policy", options = {
                @Option(value = "automatic", label = "Resolve automatically (last write wins; the loser stays in history)"),
                @Option(value = "ask", label = "Ask: keep both versions until I choose") })
        String conflictPolicy() default "automatic";

        @AttributeDefinition(name = "History depth", description = "Earlier versions kept per config.")
        int historyDepth() default 20;

        @AttributeDefinition(name = "Periodic sync (minutes)", description = "0 turns periodic pulls off.")
        int periodicSyncMinutes() default 5;

        @AttributeDefinition(name = "Pull on start", description = "Pull from a remote tier as soon as it appears.")
        boolean pullOnStart() default true;

        @AttributeDefinition(name = "Hold changes while live", description = "While OBS streams or records, changes from other"
                + " devices wait before they reach OBS (edits on this machine go at once).")
        boolean holdWhileLive() default true;

        @AttributeDefinition(name = "Checkpoints kept", description = "The newest checkpoints kept (taken by hand, at go-live, before a restore).")
        int checkpointsKept() default Settings.CHECKPOINTS_KEPT;

        @AttributeDefinition(name = "State folder", description = "Empty: <workspace>/.metadata/.plugins/org.streamkit.sync.coordinator/state", required = false)
        String directory() default "";
    }

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "streamkit-sync"));
    private final ExecutorService background = Executors.newFixedThreadPool(2, r -> thread(r, "streamkit-sync-background"));
    private final CoordinatorStore store;
    private final Coordinator coordinator;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;
    private final org.osgi.framework.ServiceRegistration<EventHandler> remoteChanges;

    @Activate
    public SyncCoordinatorComponent(Config config, BundleContext context,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, target = "(type=osgi.instance.area)") Location instanceArea)
            throws StorageException {
        Path directory = config.directory().isBlank() ? StateLocations.of(instanceArea, context, "state") : Path.of(config.directory());
        store = new CoordinatorStore(directory);
        Settings settings = new Settings("ask".equalsIgnoreCase(config.conflictPolicy()), Math.max(1, config.historyDepth()),
                Duration.ofMinutes(Math.max(0, config.periodicSyncMinutes())), config.pullOnStart(), Duration.ofSeconds(1),
                Duration.ofMinutes(5)).withCheckpointsKept(Math.max(1, config.checkpointsKept()))
                .withHoldWhileLive(config.holdWhileLive());
        coordinator = new Coordinator(store, new ExecutorTimer(scheduler), background, settings, new EventAdminSink());
        Hashtable<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, new String[] { SyncEvents.TOPIC_REMOTE_CHANGED, SyncEvents.TOPIC_LIVE });
        remoteChanges = context.registerService(EventHandler.class, event -> {
            String tier = String.valueOf(event.getProperty(SyncEvents.TIER));
            if (SyncEvents.TOPIC_LIVE.equals(event.getTopic())) {
                coordinator.onAir(tier, Boolean.TRUE.equals(event.getProperty(SyncEvents.LIVE)));
            } else {
                coordinator.pullSoon(tier);
            }
        }, topics);
        // A running instance compares its local tiers whole once, a while after it started (a one-off command
        // ends before): the start itself reads no tier whole.
        scheduler.schedule(() -> background.execute(coordinator::verifyLocalTiers), VERIFY_AFTER_SECONDS, TimeUnit.SECONDS);
        LOG.info("Sync coordinator started (state at {}, conflicts {})", directory, settings.askOnConflict() ? "ask" : "automatic");
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // Bind methods run after the constructor (DS constructs, then binds), so the coordinator exists here.
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTier(StorageTier tier, Map<String, Object> properties) {
        if (StorageTier.turnedOff(properties)) {
            coordinator.turnedOff(String.valueOf(properties.getOrDefault(StorageTier.TIER_NAME, tier.name())));
            return;
        }
        coordinator.addTier(describe(tier, properties));
    }

    void removeTier(StorageTier tier) {
        coordinator.removeTier(tier);
    }

    static Coordinator.Tier describe(StorageTier tier, Map<String, Object> properties) {
        int ranking = properties.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
        long id = properties.get(Constants.SERVICE_ID) instanceof Long l ? l : 0;
        String name = String.valueOf(properties.getOrDefault(StorageTier.TIER_NAME, tier.name()));
        boolean remote = StorageTier.KIND_REMOTE.equals(properties.get(StorageTier.TIER_KIND));
        Object debounce = properties.get(StorageTier.DEBOUNCE_MS);
        long ms = debounce instanceof Number n ? n.longValue() : debounce != null ? Long.parseLong(debounce.toString().trim()) : 1000;
        Set<String> types;
        try {
            types = remote ? StorageTier.syncTypes(properties) : Set.of();
        } catch (IllegalArgumentException e) {
            LOG.warn("Tier {}: {} is not a list of config types ({}); it syncs every type", name,
                    properties.get(StorageTier.SYNC_TYPES), e.getMessage());
            types = Set.of();
        }
        return new Coordinator.Tier(tier, name, ranking, id, remote, !remote && StorageTier.durable(properties),
                Duration.ofMillis(Math.max(0, ms)), types);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        remoteChanges.unregister();
        coordinator.close();
        scheduler.shutdownNow();
        background.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
        background.awaitTermination(10, TimeUnit.SECONDS);
        store.close();
        LOG.info("Sync coordinator stopped");
    }

    /** Posts coordinator events through EventAdmin, when it runs. */
    private final class EventAdminSink implements EventSink {
        @Override
        public void state(ConfigKey key, String tier, SyncState state, String message) {
            post(SyncEvents.TOPIC_STATE, key, Map.of(SyncEvents.TIER, tier, SyncEvents.STATE, state.name(),
                    SyncEvents.MESSAGE, message == null ? "" : message));
        }

        @Override
        public void changed(ConfigKey key, boolean deleted) {
            post(SyncEvents.TOPIC_CHANGED, key, Map.of(SyncEvents.DELETED, deleted));
        }

        private void post(String topic, ConfigKey key, Map<String, Object> more) {
            EventAdmin admin = eventAdmin;
            if (admin != null) {
                Hashtable<String, Object> properties = new Hashtable<>(more);
                properties.put(SyncEvents.TYPE, key.type());
                properties.put(SyncEvents.ID, key.id());
                admin.postEvent(new Event(topic, (java.util.Map<String, ?>) properties));
            }
        }
    }

    // ---- SyncCoordinator, delegated

    @Override
    public Optional<ConfigDocument> get(ConfigKey key) throws StorageException {
        return coordinator.get(key);
    }

    @Override
    public Optional<ConfigDocument> getIncludingDeleted(ConfigKey key) throws StorageException {
        return coordinator.getIncludingDeleted(key);
    }

    @Override
    public List<ConfigDocument> list(String type) throws StorageException {
        return coordinator.list(type);
    }

    @Override
    public Set<String> types() throws StorageException {
        return coordinator.types();
    }

    @Override
    public ConfigDocument put(ConfigKey key, ObjectNode body) throws StorageException {
        return coordinator.put(key, body);
    }

    @Override
    public ConfigDocument delete(ConfigKey key) throws StorageException {
        return coordinator.delete(key);
    }

    @Override
    public List<ConfigKey> importVersions(List<ConfigDocument> versions) throws StorageException {
        return coordinator.importVersions(versions);
    }

    @Override
    public boolean importVersion(ConfigDocument version) throws StorageException {
        return coordinator.importVersion(version);
    }

    @Override
    public void syncNow() {
        coordinator.syncNow();
    }

    @Override
    public SyncStatus status() {
        return coordinator.status();
    }

    @Override
    public SyncState state(ConfigKey key, String tier) {
        return coordinator.state(key, tier);
    }

    @Override
    public List<PendingWrite> outbox() {
        return coordinator.outbox();
    }

    @Override
    public void retry(ConfigKey key, String tier) {
        coordinator.retry(key, tier);
    }

    @Override
    public void discard(ConfigKey key, String tier) {
        coordinator.discard(key, tier);
    }

    @Override
    public void workOffline(boolean offline) {
        coordinator.workOffline(offline);
    }

    @Override
    public boolean workingOffline() {
        return coordinator.workingOffline();
    }

    @Override
    public List<Conflict> conflicts() {
        return coordinator.conflicts();
    }

    @Override
    public List<Conflict> conflictLog(ConfigKey key) {
        return coordinator.conflictLog(key);
    }

    @Override
    public ConfigDocument resolve(ConfigKey key, ObjectNode body, String resolution) throws StorageException {
        return coordinator.resolve(key, body, resolution);
    }

    @Override
    public List<ConfigDocument> history(ConfigKey key) {
        return coordinator.history(key);
    }

    @Override
    public ConfigDocument restore(ConfigKey key, Instant version) throws StorageException {
        return coordinator.restore(key, version);
    }

    @Override
    public AuditReport audit(boolean repair) {
        return coordinator.audit(repair);
    }

    @Override
    public void machineOnly(ConfigKey key, boolean only) throws StorageException {
        coordinator.machineOnly(key, only);
    }

    @Override
    public Set<ConfigKey> machineOnly() {
        return coordinator.machineOnly();
    }

    @Override
    public List<PendingWrite> heldWhileLive() {
        return coordinator.heldWhileLive();
    }

    @Override
    public int applyHeld(ConfigKey key) {
        return coordinator.applyHeld(key);
    }

    @Override
    public Checkpoint createCheckpoint(String reason) throws StorageException {
        return coordinator.createCheckpoint(reason);
    }

    @Override
    public List<Checkpoint> checkpoints() {
        return coordinator.checkpoints();
    }

    @Override
    public CheckpointRestore restoreCheckpoint(String name) throws StorageException {
        return coordinator.restoreCheckpoint(name);
    }
}
