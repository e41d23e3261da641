package org.relais.blocks.crypto;

import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * After a master-key rotation, rewraps every data key still wrapped by an older master key with the
 * active one, in small batches and without locking readers out: rows stay readable throughout because
 * each row names the master key that wraps it.
 */
@ApplicationScoped
public class ReencryptionJob {

    private final AgroalDataSource dataSource;
    private final MasterKeys masterKeys;
    private final CryptoConfig config;

    public ReencryptionJob(AgroalDataSource dataSource, MasterKeys masterKeys, CryptoConfig config) {
        this.dataSource = dataSource;
        this.masterKeys = masterKeys;
        this.config = config;
    }

    @Scheduled(
            every = "${relais.crypto.rewrap-every:10m}",
            delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            int n = rewrapAll();
            if (n > 0) {
                Log.infof("rewrapped %d data keys with master key %s", n, masterKeys.activeId());
            }
        } catch (SQLException e) {
            Log.warnf("data key rewrap postponed: %s", e.getMessage());
        }
    }

    /** Rewraps until no data key is left under an older master key; returns how many were rewrapped. */
    public int rewrapAll() throws SQLException {
        int total = 0;
        int n;
        do {
            n = rewrapBatch();
            total += n;
        } while (n > 0);
        return total;
    }

    private int rewrapBatch() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            int done = 0;
            try (PreparedStatement select = c.prepareStatement(
                            "select id, master_key_id, wrapped_key from relais_data_keys "
                                    + "where master_key_id <> ? and wrapped_key is not null limit ? for update skip locked");
                    PreparedStatement update = c.prepareStatement(
                            "update relais_data_keys set master_key_id = ?, wrapped_key = ?, rewrapped_at = now() where id = ?")) {
                select.setString(1, masterKeys.activeId());
                select.setInt(2, config.rewrapBatchSize());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        byte[] key;
                        try {
                            key = masterKeys.unwrap(rs.getString(2), id.toString(), rs.getBytes(3));
                        } catch (GeneralSecurityException e) {
                            Log.errorf(
                                    "data key %s cannot be unwrapped by master key %s; left as it is",
                                    id, rs.getString(2));
                            continue;
                        }
                        update.setString(1, masterKeys.activeId());
                        update.setBytes(2, masterKeys.wrap(id.toString(), key));
                        update.setObject(3, id);
                        update.addBatch();
                        done++;
                    }
                }
                if (done > 0) {
                    update.executeBatch();
                }
                c.commit();
                return done;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
