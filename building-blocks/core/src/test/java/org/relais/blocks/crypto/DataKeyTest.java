package org.relais.blocks.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DataKeyTest {

    private static final String K1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String K2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    private final UUID row = UUID.randomUUID();
    private final DataKey key = new DataKey(UUID.randomUUID(), Aes.gcm(Aes.newKey()));

    @Test
    void equalPlaintextsGiveDifferentCiphertexts() {
        String a = key.encrypt("referrals", row, "reason", "same words");
        String b = key.encrypt("referrals", row, "reason", "same words");
        assertNotEquals(a, b);
        assertFalse(a.contains("same words"));
        assertEquals(Optional.of("same words"), key.decrypt("referrals", row, "reason", a));
        assertEquals(Optional.of("same words"), key.decrypt("referrals", row, "reason", b));
    }

    @Test
    void aFlippedByteFailsToDecrypt() {
        String ct = key.encrypt("referrals", row, "reason", "text");
        byte[] raw = Base64.getDecoder().decode(ct.substring(DataKey.PREFIX.length()));
        raw[raw.length / 2] ^= 0x01;
        String tampered = DataKey.PREFIX + Base64.getEncoder().encodeToString(raw);
        assertEquals(Optional.empty(), key.decrypt("referrals", row, "reason", tampered));
    }

    @Test
    void aCiphertextCopiedToAnotherRowOrFieldFails() {
        String ct = key.encrypt("referrals", row, "subject.fullName", "Name");
        assertEquals(Optional.empty(), key.decrypt("referrals", UUID.randomUUID(), "subject.fullName", ct));
        assertEquals(Optional.empty(), key.decrypt("referrals", row, "reason", ct));
        assertEquals(Optional.empty(), key.decrypt("cases", row, "subject.fullName", ct));
    }

    @Test
    void anotherRecordsKeyCannotDecrypt() {
        DataKey other = new DataKey(UUID.randomUUID(), Aes.gcm(Aes.newKey()));
        String ct = key.encrypt("referrals", row, "reason", "text");
        assertEquals(Optional.empty(), other.decrypt("referrals", row, "reason", ct));
    }

    @Test
    void aDestroyedKeyDecryptsNothingAndWritesNothing() {
        DataKey destroyed = new DataKey(key.id(), null);
        String ct = key.encrypt("referrals", row, "reason", "text");
        assertTrue(destroyed.destroyed());
        assertEquals(Optional.empty(), destroyed.decrypt("referrals", row, "reason", ct));
        assertThrows(IllegalStateException.class, () -> destroyed.encrypt("referrals", row, "reason", "x"));
    }

    @Test
    void masterKeysWrapWithTheActiveKeyAndUnwrapWithTheNamedOne() throws Exception {
        MasterKeys before = new MasterKeys(Map.of("k1", K1), "k1");
        MasterKeys after = new MasterKeys(Map.of("k1", K1, "k2", K2), "k2");
        byte[] dataKey = Aes.newKey();
        byte[] wrappedByK1 = before.wrap("dk-1", dataKey);
        assertEquals(
                Base64.getEncoder().encodeToString(dataKey),
                Base64.getEncoder().encodeToString(after.unwrap("k1", "dk-1", wrappedByK1)));
        assertThrows(java.security.GeneralSecurityException.class, () -> after.unwrap("k2", "dk-1", wrappedByK1));
        assertThrows(java.security.GeneralSecurityException.class, () -> after.unwrap("k1", "dk-2", wrappedByK1));
        assertEquals("k2", after.activeId());
    }

    @Test
    void aMisconfiguredMasterKeyIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new MasterKeys(Map.of("k1", "c2hvcnQ="), "k1"));
        assertThrows(IllegalArgumentException.class, () -> new MasterKeys(Map.of("k1", K1), "k9"));
    }
}
