package org.relais.blocks.crypto;

import com.google.crypto.tink.Aead;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Wraps and unwraps data keys with the configured master keys; the data key's id is bound as associated data. */
@ApplicationScoped
public class MasterKeys {

    private final Map<String, Aead> keys = new HashMap<>();
    private final String activeId;

    @Inject
    public MasterKeys(CryptoConfig config) {
        this(config.masterKeys(), config.activeMasterKey());
    }

    public MasterKeys(Map<String, String> base64Keys, String activeId) {
        base64Keys.forEach((id, value) -> {
            byte[] raw = Base64.getDecoder().decode(value.trim());
            if (raw.length != Aes.KEY_BYTES) {
                throw new IllegalArgumentException("master key " + id + " must be 32 bytes of base64");
            }
            keys.put(id, Aes.gcm(raw));
        });
        if (!keys.containsKey(activeId)) {
            throw new IllegalArgumentException("the active master key " + activeId + " is not configured");
        }
        this.activeId = activeId;
    }

    public String activeId() {
        return activeId;
    }

    public byte[] wrap(String dataKeyId, byte[] dataKey) {
        try {
            return keys.get(activeId).encrypt(dataKey, aad(dataKeyId));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("data key cannot be wrapped", e);
        }
    }

    public byte[] unwrap(String masterKeyId, String dataKeyId, byte[] wrapped) throws GeneralSecurityException {
        Aead master = keys.get(masterKeyId);
        if (master == null) {
            throw new GeneralSecurityException("master key " + masterKeyId + " is not configured");
        }
        return master.decrypt(wrapped, aad(dataKeyId));
    }

    private static byte[] aad(String dataKeyId) {
        return ("relais/data-key/" + dataKeyId).getBytes(StandardCharsets.UTF_8);
    }
}
