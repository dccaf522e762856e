package org.streamkit.sync.tier.cloud;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The key of an account's end-to-end encryption: 256 bits derived from the passphrase with Argon2id, and
 * the id ({@code kid}) its key record gives it. Bodies are sealed with AES-GCM, a fresh 96-bit nonce for
 * every sealing, and associated data that binds the ciphertext to the config's type, id and stamps, so a
 * server can neither read a body nor move one to another config or another version.
 */
public final class EncryptionKey {

    /** The settings of Argon2id for a key: memory in KiB, passes and lanes. */
    record Kdf(int memoryKiB, int iterations, int parallelism) {

        /** For a new key: 64 MiB, 3 passes, 1 lane (RFC 9106's recommendation for memory-constrained use). */
        static final Kdf DEFAULT = new Kdf(64 * 1024, 3, 1);

        /** @return whether a device may derive with these (a key record asking for more is refused) */
        boolean sane() {
            return memoryKiB >= 8 * 1024 && memoryKiB <= 1024 * 1024 && iterations >= 1 && iterations <= 20
                    && parallelism >= 1 && parallelism <= 16;
        }
    }

    static final int KEY_BYTES = 32;
    static final int SALT_BYTES = 16;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CIPHER = "AES/GCM/NoPadding";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final SecretKeySpec key;

    private EncryptionKey(String id, byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an encryption key is " + KEY_BYTES + " bytes");
        }
        this.id = id;
        this.key = new SecretKeySpec(key, "AES");
    }

    /** @return the key derived from a passphrase with the key record's salt and settings */
    static EncryptionKey derive(String id, char[] passphrase, byte[] salt, Kdf kdf) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withSalt(salt).withMemoryAsKB(kdf.memoryKiB())
                .withIterations(kdf.iterations()).withParallelism(kdf.parallelism()).build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[KEY_BYTES];
        generator.generateBytes(passphrase, out);
        try {
            return new EncryptionKey(id, out);
        } finally {
            Arrays.fill(out, (byte) 0);
        }
    }

    /** @return {@code n} random bytes */
    static byte[] random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** @return the id of the key record this key belongs to */
    public String id() {
        return id;
    }

    /** @return nonce and ciphertext (with its tag) of {@code plaintext} */
    byte[] seal(byte[] plaintext, byte[] associated) {
        byte[] nonce = random(NONCE_BYTES);
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated);
            byte[] sealed = cipher.doFinal(plaintext);
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this Java", e);
        }
    }

    /**
     * @return the plaintext of what {@link #seal} made with the same associated data
     * @throws AEADBadTagException when it was not sealed by this key with that data, or was changed since
     */
    byte[] open(byte[] sealed, byte[] associated) throws AEADBadTagException {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new AEADBadTagException("too short to be sealed");
        }
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(associated);
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this Java", e);
        }
    }

    /** @return the key as Secure Storage keeps it: {@code <kid>:<key, base64>} */
    String encoded() {
        return id + ":" + Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** @return the key {@link #encoded} made, or null when the text is not one */
    static EncryptionKey decode(String encoded) {
        int colon = encoded == null ? -1 : encoded.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            byte[] key = Base64.getDecoder().decode(encoded.substring(colon + 1));
            return key.length == KEY_BYTES ? new EncryptionKey(encoded.substring(0, colon), key) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return UTF-8 bytes of the parts, each followed by NUL (the parts never hold NUL) */
    static byte[] associated(String... parts) {
        StringBuilder s = new StringBuilder();
        for (String part : parts) {
            s.append(part).append('\0');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EncryptionKey[" + id + "]"; // never the key itself
    }
}
