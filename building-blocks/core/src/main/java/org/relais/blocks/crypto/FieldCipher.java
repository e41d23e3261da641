package org.relais.blocks.crypto;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
        DataKey.Generated generated = DataKey.generate(masterKeys);
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into relais_data_keys (id, master_key_id, wrapped_key) values (?1, ?2, ?3)")
                        .setParameter(1, generated.id())
                        .setParameter(2, generated.masterKeyId())
                        .setParameter(3, generated.wrappedKey())
                        .executeUpdate())
                .replaceWith(generated::key);
    }

    /** The record's data key; a destroyed (or unknown) key yields a key that decrypts nothing. */
    public Uni<DataKey> dataKey(UUID id) {
        if (id == null) {
            return Uni.createFrom().item(new DataKey(null, null));
        }
        return dataKeys(List.of(id)).map(keys -> keys.get(id));
    }

    /**
     * The data keys of a page of records in one query (a list shows many records: one round trip, not one
     * per record). Ids without a live key map to a key that decrypts nothing; absent ids are not in the map.
     */
    @SuppressWarnings("unchecked")
    public Uni<Map<UUID, DataKey>> dataKeys(Collection<UUID> ids) {
        Set<UUID> wanted = new LinkedHashSet<>();
        ids.stream().filter(Objects::nonNull).forEach(wanted::add);
        if (wanted.isEmpty()) {
            return Uni.createFrom().item(new HashMap<>());
        }
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "select id, master_key_id, wrapped_key from relais_data_keys where id in (:ids) and wrapped_key is not null",
                                Object[].class)
                        .setParameter("ids", List.copyOf(wanted))
                        .getResultList())
                .map(rows -> {
                    Map<UUID, DataKey> out = new HashMap<>();
                    for (UUID id : wanted) {
                        out.put(id, new DataKey(id, null));
                    }
                    for (Object[] row : (List<Object[]>) (List<?>) rows) {
                        UUID id = (UUID) row[0];
                        out.put(id, unwrap(id, (String) row[1], (byte[]) row[2]));
                    }
                    return out;
                });
    }

    /** The same, on a JDBC connection (jobs on worker threads). */
    public DataKey dataKey(java.sql.Connection connection, UUID id) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement(
                "select master_key_id, wrapped_key from relais_data_keys where id = ? and wrapped_key is not null")) {
            ps.setObject(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? unwrap(id, rs.getString(1), rs.getBytes(2)) : new DataKey(id, null);
            }
        }
    }

    /**
     * A data key read by the caller together with its record ({@code wrapped} null: destroyed, so it decrypts
     * nothing; {@code id} null: the record never had one).
     */
    public DataKey open(UUID id, String masterKeyId, byte[] wrapped) {
        if (id == null || wrapped == null || masterKeyId == null) {
            return new DataKey(id, null);
        }
        return unwrap(id, masterKeyId, wrapped);
    }

    /** The data key stored under {@code id}; one its master key cannot open decrypts nothing. */
    private DataKey unwrap(UUID id, String masterKeyId, byte[] wrapped) {
        try {
            return new DataKey(id, Aes.gcm(masterKeys.unwrap(masterKeyId, id.toString(), wrapped)));
        } catch (GeneralSecurityException e) {
            return new DataKey(id, null);
        }
    }

    /** Crypto-shredding: the wrapped key is deleted, so every field under it is unreadable for good. */
    public Uni<Void> destroy(UUID id) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
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
