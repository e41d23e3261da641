package org.relais.referral.flow;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;

/**
 * Survivor data of referrals in and out of ciphertext: each referral's fields (and its history's notes) under a data
 * key of its own, so that erasing her data is destroying that key.
 */
@ApplicationScoped
public class SurvivorCipher {

    private final FieldCipher cipher;
    private final ReferralCodec codec;

    public SurvivorCipher(FieldCipher cipher, ReferralCodec codec) {
        this.cipher = cipher;
        this.codec = codec;
    }

    /** Encrypts the survivor data under a new data key of the referral (none for an anonymous referral). */
    Uni<DataKey> seal(Referral r, Survivor data) {
        if (!data.present()) {
            return cipher.dataKey(null);
        }
        return cipher.newDataKey().invoke(key -> {
            r.dataKeyId = key.id();
            r.subjectCt = key.encrypt(Referral.TABLE, r.id, "subject", codec.json(data.subject()));
            r.reasonCt = key.encrypt(Referral.TABLE, r.id, "reason", data.reason());
            r.externalReferenceCt = key.encrypt(Referral.TABLE, r.id, "externalReference", data.externalReference());
        });
    }

    /** The referral's survivor data in the clear; none once erased. */
    Survivor open(Referral r, DataKey key) {
        if (r.erased() || key.destroyed()) {
            return Survivor.NONE;
        }
        return new Survivor(
                key.decrypt(Referral.TABLE, r.id, "subject", r.subjectCt)
                        .map(s -> codec.read(s, ReferralInput.Subject.class))
                        .orElse(null),
                key.decrypt(Referral.TABLE, r.id, "reason", r.reasonCt).orElse(null),
                key.decrypt(Referral.TABLE, r.id, "externalReference", r.externalReferenceCt)
                        .orElse(null));
    }

    /** The key a history note is encrypted under: the referral's own, or a new one for a referral that had none. */
    Uni<DataKey> noteKey(Referral r, String note) {
        if (note == null || note.isBlank()) {
            return cipher.dataKey(null);
        }
        if (r.dataKeyId != null && !r.erased()) {
            return cipher.dataKey(r.dataKeyId);
        }
        return cipher.newDataKey().invoke(key -> r.dataKeyId = key.id());
    }
}
