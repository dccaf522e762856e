package org.streamkit.sync.tier.cloud;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.eclipse.equinox.security.storage.ISecurePreferences;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamkit.sync.api.StorageException;
import org.streamkit.sync.api.StorageTier;

/**
 * End-to-end encryption of an account's configs, opt-in, as the command line and the preference page turn it
 * on. The passphrase never leaves the device and is never stored: the key derived from it (Argon2id, 64 MiB)
 * is kept in Eclipse Secure Storage, encrypted like the sign-in, and the server keeps only the key record
 * ({@link KeyRecord}: salt, settings, a check value) and ciphertext. Turning it on:
 * <ol>
 * <li>with no key record on the server, makes one from the passphrase (written only if there is still none);
 * with one, derives the key and checks the passphrase against it (a wrong one changes nothing);</li>
 * <li>saves the key in Secure Storage, so this device never asks again;</li>
 * <li>encrypts every config the server still holds unencrypted (or sealed with this device's key of an
 * earlier passphrase), with its own stamps, so other devices see the same versions.</li>
 * </ol>
 */
public final class Encryption implements AutoCloseable {

    /** The shortest passphrase a new key takes. */
    public static final int MIN_PASSPHRASE = 10;
    /** Where Secure Storage keeps the key: this key in the cloud tier's node ({@value SecureStorageTokens#NODE}). */
    static final String SECRET = "encryptionKey";
    private static final Logger LOG = LoggerFactory.getLogger(Encryption.class);

    private final CloudHttp http;
    private final boolean owned;
    private final CloudStore store;
    private final ISecurePreferences secure;

    /**
     * @param apiUrl  the Streamkit API (the same HTTPS rule as the cloud tier's)
     * @param authUrl the auth service, or blank for the default
     * @param secure  the Secure Storage root that holds the sign-in and gets the key
     */
    public Encryption(String apiUrl, String authUrl, ISecurePreferences secure) {
        this(CloudHttp.checkedBase(apiUrl), authUrl, secure);
    }

    private Encryption(URI base, String authUrl, ISecurePreferences secure) {
        this(new CloudHttp(base, CloudHttp.authBase(authUrl, base), new SecureStorageTokens(secure), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 64L << 20), true, secure);
    }

    /** @param owned whether {@link #close} closes the client */
    Encryption(CloudHttp http, boolean owned, ISecurePreferences secure) {
        this.http = http;
        this.owned = owned;
        this.secure = secure;
        this.store = new CloudStore(CloudTierComponent.NAME, http, Set.of());
        store.useKey(saved(secure).orElse(null));
    }

    /** What the account and this device have of encryption. */
    public record State(String accountKey, String deviceKey, String problem) {

        /** @return whether the account's configs are encrypted */
        public boolean on() {
            return accountKey != null;
        }
    }

    /** @return whether the account's configs are encrypted, this device's key, and what keeps it from syncing */
    public State state() throws StorageException {
        KeyRecord record = store.accountKey();
        return new State(record == null ? null : record.id(), saved(secure).map(EncryptionKey::id).orElse(null), store.locked());
    }

    /** @return whether the account has no key record yet (a passphrase given now makes it) */
    public boolean firstDevice() throws StorageException {
        return store.accountKey() == null;
    }

    /**
     * Turns encryption on for this device, as the class comment says.
     *
     * @return how many configs the server held unencrypted and holds encrypted now
     * @throws WrongPassphraseException when the account has a key and this is not its passphrase (nothing changes)
     * @throws IllegalArgumentException when a new passphrase is too short
     */
    public int turnOn(char[] passphrase) throws StorageException, WrongPassphraseException, IOException {
        KeyRecord record = store.accountKey();
        EncryptionKey key = null;
        if (record == null) {
            KeyRecord.Made made = KeyRecord.create(passphrase, EncryptionKey.Kdf.DEFAULT);
            if (store.createKeyRecord(made.record())) {
                LOG.info("Cloud: end-to-end encryption is set up for the account (key {})", made.key().id());
                key = made.key();
            } else {
                // Another device made one meanwhile: this passphrase must be its.
                record = store.accountKey();
                if (record == null) {
                    throw new StorageException("The cloud refused the account's new encryption key record and holds none;"
                            + " nothing was changed", true);
                }
            }
        }
        if (key == null) {
            key = record.unlock(passphrase);
        }
        String id = key.id();
        EncryptionKey previous = saved(secure).filter(k -> !k.id().equals(id)).orElse(null);
        save(secure, key);
        store.useKey(key);
        return store.sealPlain(previous);
    }

    /**
     * Tells the cloud tier running in this framework (if any) to take the key Secure Storage holds now, after
     * it was saved or forgotten here.
     */
    public static void keyChanged() {
        Bundle bundle = FrameworkUtil.getBundle(Encryption.class);
        BundleContext context = bundle == null ? null : bundle.getBundleContext();
        if (context == null) {
            return;
        }
        try {
            for (ServiceReference<StorageTier> ref : context.getServiceReferences(StorageTier.class,
                    "(" + StorageTier.TIER_NAME + "=" + CloudTierComponent.NAME + ")")) {
                StorageTier tier = context.getService(ref);
                try {
                    if (tier instanceof CloudTierComponent cloud) {
                        cloud.encryptionKeyChanged();
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Forgets this device's key: the device no longer syncs with an encrypted account until the passphrase is entered. */
    public static void forget(ISecurePreferences secure) throws org.eclipse.equinox.security.storage.StorageException, IOException {
        ISecurePreferences node = secure.node(SecureStorageTokens.NODE);
        node.remove(SECRET);
        node.flush();
    }

    static void save(ISecurePreferences secure, EncryptionKey key) throws IOException {
        ISecurePreferences node = secure.node(SecureStorageTokens.NODE);
        try {
            node.put(SECRET, key.encoded(), true);
        } catch (org.eclipse.equinox.security.storage.StorageException e) {
            throw new IOException("Eclipse Secure Storage could not keep the encryption key: " + e.getMessage(), e);
        }
        node.flush();
    }

    /** @return this device's encryption key from Secure Storage, if it has one */
    static Optional<EncryptionKey> saved(ISecurePreferences secure) {
        if (secure == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(EncryptionKey.decode(secure.node(SecureStorageTokens.NODE).get(SECRET, null)));
        } catch (org.eclipse.equinox.security.storage.StorageException e) {
            LOG.warn("Eclipse Secure Storage could not be read for the encryption key ({})", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (owned) {
            http.close();
        }
    }

    /** The passphrase is not the one the account's key was made with; nothing was changed. */
    public static final class WrongPassphraseException extends Exception {

        private static final long serialVersionUID = 1L;

        WrongPassphraseException() {
            super("That is not the passphrase of this account's encryption; nothing was changed");
        }
    }
}
