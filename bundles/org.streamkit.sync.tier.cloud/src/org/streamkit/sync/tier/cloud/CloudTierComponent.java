package org.streamkit.sync.tier.cloud;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

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
import org.streamkit.sync.api.ConfigKey;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.api.SyncEvents;
import org.streamkit.sync.api.TierHealth;
import org.streamkit.sync.api.support.ForwardingStorageTier;

/**
 * Registers the Streamkit API as a remote {@link StorageTier} (ranking 100, debounce 1000 ms). It exists
 * only once a cloud URL is configured (PID {@value #PID}): on embedded defaults there is no cloud tier and
 * nothing waits for one. The sign-in tokens come from Eclipse Secure Storage. Configured with
 * {@link StorageTier#ENABLED} false (the user turned the cloud off), it never calls the API and the
 * coordinator leaves it out. With end-to-end encryption on ({@link Encryption}), the key comes from Secure
 * Storage too.
 */
@Component(service = StorageTier.class, configurationPid = CloudTierComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {
                StorageTier.RANKING + ":Integer=100",
                StorageTier.TIER_NAME + "=" + CloudTierComponent.NAME,
                StorageTier.TIER_KIND + "=" + StorageTier.KIND_REMOTE,
                StorageTier.DEBOUNCE_MS + ":Long=1000" })
@Designate(ocd = CloudTierComponent.Config.class)
public final class CloudTierComponent extends ForwardingStorageTier {

    static final String PID = "org.streamkit.sync.tier.cloud";
    static final String NAME = "cloud";
    private static final Logger LOG = LoggerFactory.getLogger(CloudTierComponent.class);

    @ObjectClassDefinition(name = "Streamkit cloud tier", description = "The Streamkit API (deployed, or a local server).")
    public @interface Config {
        @AttributeDefinition(name = "Cloud API URL", description = "https://…; plain http:// only to this machine.")
        String url();

        @AttributeDefinition(name = "Sign-in service URL", description = "Where the sign-in is refreshed (POST /auth/refresh):"
                + " empty for the API's own host when it is on this machine, else https://auth.idling.app.")
        String authUrl() default "";

        @AttributeDefinition(name = "Config types", description = "The types to sync (the API cannot list them).")
        String[] types() default { "text-cyclers", "swaps", "layouts", "notes" };

        @AttributeDefinition(name = "Connect timeout (ms)")
        long connectTimeoutMs() default 5000;

        @AttributeDefinition(name = "Response timeout (ms)")
        long responseTimeoutMs() default 15000;

        @AttributeDefinition(name = "Largest response (bytes)")
        long maxResponseBytes() default 64L * 1024 * 1024;
    }

    private final CloudHttp http;
    private final CloudStore store;
    private final CloudEvents events;
    private final boolean turnedOff;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;

    @Activate
    public CloudTierComponent(Config config, Map<String, Object> properties) {
        URI base = CloudHttp.checkedBase(config.url());
        http = new CloudHttp(base, CloudHttp.authBase(config.authUrl(), base), new SecureStorageTokens(SecurePreferencesFactory.getDefault()),
                Duration.ofMillis(config.connectTimeoutMs()), Duration.ofMillis(config.responseTimeoutMs()),
                config.maxResponseBytes());
        store = new CloudStore(NAME, http, Set.of(config.types()));
        encryptionKeyChanged();
        events = new CloudEvents(http, this::changedElsewhere);
        turnedOff = StorageTier.turnedOff(properties);
        if (turnedOff) {
            // Turned off by the user: registered so the coordinator knows, but the API is never called.
            LOG.info("Cloud tier is turned off ({})", base);
            return;
        }
        events.start();
        LOG.info("Cloud tier set up for {}", base);
    }

    /** Tells the coordinator (through EventAdmin) that the cloud has a change made elsewhere. */
    private void changedElsewhere(ConfigKey key) {
        EventAdmin admin = eventAdmin;
        if (admin != null) {
            admin.postEvent(new Event(SyncEvents.TOPIC_REMOTE_CHANGED, Map.of(SyncEvents.TIER, NAME,
                    SyncEvents.TYPE, key.type(), SyncEvents.ID, key.id())));
        }
    }

    /**
     * Takes this device's encryption key from Secure Storage (again, after {@link Encryption} saved or forgot
     * it in this process); the account's key record is read again before the next request.
     */
    public void encryptionKeyChanged() {
        store.useKey(Encryption.saved(SecurePreferencesFactory.getDefault()).orElse(null));
    }

    @Deactivate
    void deactivate() {
        events.close();
        http.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TierHealth health() {
        return turnedOff ? TierHealth.down("The cloud is turned off in the Streamkit preferences") : super.health();
    }

    @Override
    protected StorageTier delegate() {
        return store;
    }
}
