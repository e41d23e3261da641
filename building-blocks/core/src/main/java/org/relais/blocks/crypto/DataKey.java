package org.relais.blocks.crypto;

import com.google.crypto.tink.Aead;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The data key of one survivor record. Each field's ciphertext is bound to its table, row and field,
 * so a ciphertext copied into another place does not decrypt. A destroyed key (the record was erased)
 * decrypts nothing.
 */
public final class DataKey {

    static final String PREFIX = "v1:";

    private final UUID id;
    private final Aead aead;

    DataKey(UUID id, Aead aead) {
        this.id = id;
        this.aead = aead;
    }

    /** A new data key, wrapped by the active master key: what goes into {@code relais_data_keys}, and the key itself. */
    public record Generated(UUID id, String masterKeyId, byte[] wrappedKey, DataKey key) {}

    /** A fresh random data key under a new (time-ordered) id, wrapped by {@code masterKeys}' active key. */
    public static Generated generate(MasterKeys masterKeys) {
        UUID id = org.relais.blocks.events.Uuids.v7();
        byte[] key = Aes.newKey();
        byte[] wrapped = masterKeys.wrap(id.toString(), key);
        return new Generated(id, masterKeys.activeId(), wrapped, new DataKey(id, Aes.gcm(key)));
    }

    public UUID id() {
        return id;
    }

    public boolean destroyed() {
        return aead == null;
    }

    public String encrypt(String table, Object rowId, String field, String plaintext) {
        if (plaintext == null) {
            return null;
        }
        if (aead == null) {
            throw new IllegalStateException("the record's data key was destroyed; nothing can be written under it");
        }
        try {
            byte[] ct = aead.encrypt(plaintext.getBytes(StandardCharsets.UTF_8), aad(table, rowId, field));
            return PREFIX + Base64.getEncoder().encodeToString(ct);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /** The plaintext, or empty when the value is absent, erased, or not this place's ciphertext. */
    public Optional<String> decrypt(String table, Object rowId, String field, String ciphertext) {
        if (ciphertext == null || aead == null || !ciphertext.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            byte[] pt = aead.decrypt(
                    Base64.getDecoder().decode(ciphertext.substring(PREFIX.length())), aad(table, rowId, field));
            return Optional.of(new String(pt, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] aad(String table, Object rowId, String field) {
        return (table + "/" + rowId + "/" + field).getBytes(StandardCharsets.UTF_8);
    }
}
