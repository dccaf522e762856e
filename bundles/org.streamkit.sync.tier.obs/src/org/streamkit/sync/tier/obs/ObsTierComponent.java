package org.streamkit.sync.tier.obs;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.eclipse.equinox.security.storage.SecurePreferencesFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ForwardingStorageTier;


/**
 * Registers OBS Studio (obs-websocket 5) as a remote {@link StorageTier} (ranking 200, debounce 2000 ms).
 * Installing the OBS feature turns it on: it connects to OBS on this machine ({@code 127.0.0.1:4455}) unless
 * configured otherwise (PID {@value #PID}), and keeps trying while OBS is not running. The OBS WebSocket
 * password is read from Eclipse Secure Storage ({@value #SECURE_NODE}, key {@value #SECURE_KEY}). Configured
 * with {@link StorageTier#ENABLED} false (the user turned OBS off), it never connects and the coordinator
 * leaves it out.
 */
@Component(service = StorageTier.class, configurationPid = ObsTierComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                StorageTier.RANKING + ":Integer=200",
                StorageTier.TIER_NAME + "=" + ObsTierComponent.NAME,
                StorageTier.TIER_KIND + "=" + StorageTier.KIND_REMOTE,
                StorageTier.DEBOUNCE_MS + ":Long=2000" })
@Designate(ocd = ObsTierComponent.Config.class)
public final class ObsTierComponent extends ForwardingStorageTier {

    static final String PID = "org.streamkit.sync.tier.obs";
    static final String NAME = "obs";
    /** The Eclipse Secure Storage node holding the OBS WebSocket password. */
    public static final String SECURE_NODE = "org.streamkit.sync/obs";
    /** The key of the password in {@link #SECURE_NODE}. */
    public static final String SECURE_KEY = "password";
    private static final Logger LOG = LoggerFactory.getLogger(ObsTierComponent.class);

    @ObjectClassDefinition(name = "Streamkit OBS tier", description = "OBS Studio's WebSocket server (obs-websocket 5).")
    public @interface Config {
        @AttributeDefinition(name = "Host")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Port")
        int port() default 4455;

        @AttributeDefinition(name = "Slot", description = "The persistent-data slot of Streamkit's index; the configs are in"
                + " the slots named after it with .0 to .15.")
        String slot() default ObsStore.DEFAULT_SLOT;

        @AttributeDefinition(name = "Request timeout (ms)")
        long timeoutMs() default 5000;

        @AttributeDefinition(name = "Longest wait between reconnects (ms)")
        long reconnectMaxMs() default 5000;

        @AttributeDefinition(name = "Import the web dock's configs once",
                description = "Copies the configs of the original web dock's slot (strixun_configs) once; that slot is never written.")
        boolean importLegacy() default false;
    }

    private final ObsConnection connection;
    private final ObsStore store;
    private final ObsLive live = new ObsLive(this::liveChanged);
    private final boolean importLegacy;
    private final boolean turnedOff;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin eventAdmin; // package-private: the tests post through one of their own

    @Activate
    public ObsTierComponent(Config config, Map<String, Object> properties) throws StorageException {
        URI uri = uri(config.host(), config.port());
        importLegacy = config.importLegacy();
        Duration timeout = Duration.ofMillis(Math.max(100, config.timeoutMs()));
        store = ObsStore.connecting(NAME, uri, ObsTierComponent::password, config.slot(), timeout, Duration.ofMillis(250),
                Duration.ofMillis(Math.max(250, config.reconnectMaxMs())), this::connected, this::changedElsewhere,
                live::event);
        connection = store.connection();
        turnedOff = StorageTier.turnedOff(properties);
        if (turnedOff) {
            // Turned off by the user: registered so the coordinator knows, but OBS is never contacted.
            LOG.info("OBS tier is turned off ({}:{})", uri.getHost(), uri.getPort());
            return;
        }
        connection.start();
        LOG.info("OBS tier set up for {}:{} (slot {})", uri.getHost(), uri.getPort(), config.slot());
    }

    /** @throws StorageException when host or port cannot make a WebSocket address */
    static URI uri(String host, int port) throws StorageException {
        if (port < 1 || port > 65535) {
            throw new StorageException("OBS port " + port + " is not a port number (1-65535)", false);
        }
        String h = host == null || host.isBlank() ? "127.0.0.1" : host.strip();
        try {
            return new URI("ws", null, h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h, port, "/", null, null);
        } catch (URISyntaxException e) {
            throw new StorageException("OBS host '" + h + "' is not a host name or address", false, e);
        }
    }

    /** The password from Eclipse Secure Storage, or {@code null} when none is saved. Never logged. */
    static String password() {
        try {
            ISecurePreferences node = SecurePreferencesFactory.getDefault().node(SECURE_NODE);
            return node.get(SECURE_KEY, null);
        } catch (org.eclipse.equinox.security.storage.StorageException | RuntimeException e) {
            LOG.warn("The OBS password could not be read from Eclipse Secure Storage ({})", e.getMessage());
            return null;
        }
    }

    /**
     * OBS is (again) reachable: what it is doing is read, the web dock's configs are imported if asked, and
     * the coordinator pulls.
     */
    private void connected() {
        try {
            live.refresh(connection.socket());
        } catch (StorageException e) {
            LOG.debug("OBS tier: the session closed before its state was read: {}", e.getMessage());
        }
        if (importLegacy) {
            try {
                store.importLegacy();
            } catch (StorageException e) {
                LOG.warn("OBS tier: importing the web dock's configs failed: {}", e.getMessage());
            }
        }
        changedElsewhere(); // pull what changed while away; pending writes go out
    }

    private void changedElsewhere() {
        EventAdmin admin = eventAdmin;
        if (admin != null) {
            admin.postEvent(new Event(SyncEvents.TOPIC_REMOTE_CHANGED, Map.of(SyncEvents.TIER, NAME)));
        }
    }

    /** OBS went on air or off air: the coordinator holds or applies what comes from elsewhere, and takes a checkpoint. */
    private void liveChanged(ObsLive.State state) {
        EventAdmin admin = eventAdmin;
        if (admin != null) {
            admin.postEvent(new Event(SyncEvents.TOPIC_LIVE, Map.of(SyncEvents.TIER, NAME, SyncEvents.LIVE, state.live(),
                    SyncEvents.MESSAGE, "OBS is " + state.describe())));
        }
    }

    @Deactivate
    void deactivate() {
        connection.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TierHealth health() {
        if (turnedOff) {
            return TierHealth.down("OBS is turned off in the Streamkit preferences");
        }
        TierHealth health = super.health();
        ObsLive.State state = live.state();
        return health.status() == TierHealth.Status.UP && state.live()
                ? new TierHealth(TierHealth.Status.UP, "On air: OBS is " + state.describe(), health.since())
                : health;
    }

    @Override
    protected StorageTier delegate() {
        return store;
    }
}
