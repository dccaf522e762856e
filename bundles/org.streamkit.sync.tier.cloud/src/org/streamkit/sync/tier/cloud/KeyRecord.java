package org.streamkit.sync.tier.cloud;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.AEADBadTagException;

import org.streamkit.sync.api.ConfigJson;
import org.streamkit.sync.api.StorageException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An account's end-to-end encryption key record, stored on the server as config {@value #ID} of type
 * {@value #TYPE} (which no listing of configs shows): what every device needs to derive the same key from
 * the passphrase, and a value sealed with that key so a wrong passphrase is told at once. It holds nothing
 * secret:
 *
 * <pre>
 * {"id": "e2e", "$streamkit": {"v": 1, "kid": "…", "kdf": {"alg": "argon2id", "m": 65536, "t": 3, "p": 1, "salt": "…"}, "check": "…"}}
 * </pre>
 *
 * @param id   the key's id; a new passphrase makes a new record with a new id
 * @param salt the Argon2id salt
 * @param kdf  the Argon2id settings
 * @param check {@value #CHECK} sealed with the key
 */
record KeyRecord(String id, byte[] salt, EncryptionKey.Kdf kdf, byte[] check) {

    static final String TYPE = "streamkit-keys";
    static final String ID = "e2e";
    private static final String CHECK = "streamkit end-to-end encryption";
    private static final String ALG = "argon2id";

    /** A key record and its key, made from a new passphrase. */
    record Made(KeyRecord record, EncryptionKey key) {
    }

    /** @return a new key record for a passphrase, with a new id and salt */
    static Made create(char[] passphrase, EncryptionKey.Kdf kdf) {
        if (passphrase.length < Encryption.MIN_PASSPHRASE) {
            throw new IllegalArgumentException("a passphrase for encryption is at least " + Encryption.MIN_PASSPHRASE + " characters");
        }
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(EncryptionKey.random(12));
        byte[] salt = EncryptionKey.random(EncryptionKey.SALT_BYTES);
        EncryptionKey key = EncryptionKey.derive(id, passphrase, salt, kdf);
        byte[] check = key.seal(CHECK.getBytes(StandardCharsets.UTF_8), EncryptionKey.associated(TYPE, ID, id));
        return new Made(new KeyRecord(id, salt, kdf, check), key);
    }

    /**
     * @return the key the passphrase gives
     * @throws Encryption.WrongPassphraseException when the passphrase is not the one this record was made with
     */
    EncryptionKey unlock(char[] passphrase) throws Encryption.WrongPassphraseException {
        EncryptionKey key = EncryptionKey.derive(id, passphrase, salt, kdf);
        try {
            byte[] opened = key.open(check, EncryptionKey.associated(TYPE, ID, id));
            if (!Arrays.equals(opened, CHECK.getBytes(StandardCharsets.UTF_8))) {
                throw new Encryption.WrongPassphraseException();
            }
            return key;
        } catch (AEADBadTagException e) {
            throw new Encryption.WrongPassphraseException();
        }
    }

    /** @return the record as it is stored on the server */
    ObjectNode toJson() {
        ObjectNode object = ConfigJson.newObject();
        object.put("id", ID);
        ObjectNode meta = object.putObject(WireFormat.META);
        meta.put("v", 1);
        meta.put("kid", id);
        meta.putObject("kdf").put("alg", ALG).put("m", kdf.memoryKiB()).put("t", kdf.iterations()).put("p", kdf.parallelism())
                .put("salt", Base64.getEncoder().encodeToString(salt));
        meta.put("check", Base64.getEncoder().encodeToString(check));
        return object;
    }

    /**
     * @return the record a stored object holds
     * @throws StorageException when it is not one this client can use
     */
    static KeyRecord parse(JsonNode object) throws StorageException {
        JsonNode meta = object.path(WireFormat.META);
        JsonNode kdf = meta.path("kdf");
        try {
            if (meta.path("v").asInt() != 1 || !ALG.equals(kdf.path("alg").asText()) || !meta.path("kid").isTextual()) {
                throw new IllegalArgumentException("unknown format");
            }
            EncryptionKey.Kdf settings = new EncryptionKey.Kdf(kdf.path("m").asInt(), kdf.path("t").asInt(), kdf.path("p").asInt());
            if (!settings.sane()) {
                throw new IllegalArgumentException("Argon2id settings out of bounds: " + settings);
            }
            byte[] salt = Base64.getDecoder().decode(kdf.path("salt").asText());
            byte[] check = Base64.getDecoder().decode(meta.path("check").asText());
            if (salt.length < 8) {
                throw new IllegalArgumentException("salt too short");
            }
            return new KeyRecord(meta.get("kid").asText(), salt, settings, check);
        } catch (IllegalArgumentException e) {
            throw new StorageException("The cloud's encryption key record cannot be used by this version (" + e.getMessage() + ")",
                    false, e);
        }
    }
}
