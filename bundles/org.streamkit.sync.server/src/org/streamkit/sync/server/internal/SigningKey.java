package org.streamkit.sync.server.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The server's own RSA key: generated on first start (2048 bits), kept as a PKCS#8 PEM file in the data
 * folder, readable by its owner only, and used to mint tokens. Its public half is the JWKS the server
 * publishes and always trusts; its key id is the RFC 7638 thumbprint.
 */
public final class SigningKey {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);
    private static final String FILE_NAME = "signing-key.pem";
    private static final Set<PosixFilePermission> OWNER_FILE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> OWNER_FOLDER = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private final RSAPrivateCrtKey privateKey;
    private final RSAPublicKey publicKey;
    private final String kid;

    private SigningKey(RSAPrivateCrtKey privateKey) throws GeneralSecurityException {
        this.privateKey = privateKey;
        this.publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
        ObjectNode thumbprintInput = Json.object();
        // RFC 7638: the required members in lexicographic order, no white space.
        thumbprintInput.put("e", Jwt.base64Url(publicKey.getPublicExponent()));
        thumbprintInput.put("kty", "RSA");
        thumbprintInput.put("n", Jwt.base64Url(publicKey.getModulus()));
        this.kid = Jwt.base64Url(MessageDigest.getInstance("SHA-256").digest(Json.bytes(thumbprintInput)));
    }

    /**
     * Reads the key from {@code folder}, generating and saving it on first use.
     *
     * @throws IOException when the key cannot be read or written, saying which file
     */
    public static SigningKey loadOrCreate(Path folder) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(folder)) {
            if (posix) {
                Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(OWNER_FOLDER));
            } else {
                Files.createDirectories(folder);
            }
        }
        Path file = folder.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                if (posix && !Files.getPosixFilePermissions(file).equals(OWNER_FILE)) {
                    LOG.warn("The signing key {} was readable by others; restricting it to its owner", file);
                    Files.setPosixFilePermissions(file, OWNER_FILE);
                }
                return new SigningKey(read(file));
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            write(folder, file, pair.getPrivate().getEncoded(), posix);
            LOG.info("Generated the server's signing key in {}", file);
            return new SigningKey((RSAPrivateCrtKey) pair.getPrivate());
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IOException("The signing key " + file + " is unreadable (" + e.getMessage()
                    + "). Delete it to have a new one generated; tokens minted with the old key stop working.", e);
        }
    }

    private static RSAPrivateCrtKey read(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        return (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** Writes a temporary file that only the owner can read, fsyncs it and renames it into place. */
    private static void write(Path folder, Path file, byte[] pkcs8, boolean posix) throws IOException {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
        Path temp = posix ? Files.createTempFile(folder, ".signing-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE))
                : Files.createTempFile(folder, ".signing-key", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(pem.getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public RSAPrivateCrtKey privateKey() {
        return privateKey;
    }

    public RSAPublicKey publicKey() {
        return publicKey;
    }

    /** @return the key id: the RFC 7638 thumbprint of the public key */
    public String kid() {
        return kid;
    }

    /** @return the public key as a JWK */
    public ObjectNode jwk() {
        ObjectNode jwk = Json.object();
        jwk.put("kty", "RSA");
        jwk.put("use", "sig");
        jwk.put("alg", Jwt.RS256);
        jwk.put("kid", kid);
        jwk.put("n", Jwt.base64Url(publicKey.getModulus()));
        jwk.put("e", Jwt.base64Url(publicKey.getPublicExponent()));
        return jwk;
    }
}
