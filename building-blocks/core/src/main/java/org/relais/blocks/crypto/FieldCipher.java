package org.relais.blocks.crypto;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.relais.blocks.events.Uuids;

import java.security.GeneralSecurityException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Envelope encryption of survivor data: a data key per survivor record, wrapped by the active master
 * key and stored in {@code relais_data_keys} (with the master key's id); erasure destroys the data key
 * (crypto-shredding). Call inside the reactive transaction that writes the record.
 */
@ApplicationScoped
public class FieldCipher {

    private final MasterKeys masterKeys;

    public FieldCipher(MasterKeys masterKeys) {
        this.masterKeys = masterKeys;
    }

    public Uni<DataKey> newDataKey() {
        UUID id = Uuids.v7();
        byte[] key = Aes.newKey();
        byte[] wrapped = masterKeys.wrap(id.toString(), key);
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "insert into relais_data_keys (id, master_key_id, wrapped_key) values (?1, ?2, ?3)")
                .setParameter(1, id)
                .setParameter(2, masterKeys.activeId())
                .setParameter(3, wrapped)
                .executeUpdate())
                .replaceWith(() -> new DataKey(id, Aes.gcm(key)));
    }

    /** The record's data key; a destroyed (or unknown) key yields a key that decrypts nothing. */
    @SuppressWarnings("unchecked")
    public Uni<DataKey> dataKey(UUID id) {
        if (id == null) {
            return Uni.createFrom().item(new DataKey(null, null));
        }
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "select master_key_id, wrapped_key from relais_data_keys where id = ?1 and wrapped_key is not null",
                        Object[].class)
                .setParameter(1, id)
                .getResultList())
                .map(rows -> {
                    List<Object[]> list = (List<Object[]>) (List<?>) rows;
                    if (list.isEmpty()) {
                        return new DataKey(id, null);
                    }
                    try {
                        byte[] key = masterKeys.unwrap((String) list.get(0)[0], id.toString(), (byte[]) list.get(0)[1]);
                        return new DataKey(id, Aes.gcm(key));
                    } catch (GeneralSecurityException e) {
                        return new DataKey(id, null);
                    }
                });
    }

    /** The same, on a JDBC connection (jobs on worker threads). */
    public DataKey dataKey(java.sql.Connection connection, UUID id) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement(
                "select master_key_id, wrapped_key from relais_data_keys where id = ? and wrapped_key is not null")) {
            ps.setObject(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new DataKey(id, null);
                }
                try {
                    return new DataKey(id, Aes.gcm(masterKeys.unwrap(rs.getString(1), id.toString(), rs.getBytes(2))));
                } catch (GeneralSecurityException e) {
                    return new DataKey(id, null);
                }
            }
        }
    }

    /** Crypto-shredding: the wrapped key is deleted, so every field under it is unreadable for good. */
    public Uni<Void> destroy(UUID id) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "update relais_data_keys set wrapped_key = null, destroyed_at = ?2 where id = ?1 and wrapped_key is not null")
                .setParameter(1, id)
                .setParameter(2, OffsetDateTime.now())
                .executeUpdate())
                .replaceWithVoid();
    }

    public MasterKeys masterKeys() {
        return masterKeys;
    }
}
