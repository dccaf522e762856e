package org.streamkit.sync.tier.cloud;

import org.streamkit.sync.api.StorageException;

/**
 * A config from the cloud that this device cannot take as it is: sealed with no key or another key than this
 * device has, changed since it was sealed, or stored unencrypted in an account whose configs are encrypted.
 * Nothing is stored from it: a pull that meets one stops before its cursor moves, so once the cause is
 * removed (the passphrase entered) the same changes are read again.
 */
final class EncryptionException extends StorageException {

    private static final long serialVersionUID = 1L;

    EncryptionException(String message, boolean retryable) {
        super(message, retryable);
    }
}
