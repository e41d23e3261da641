package org.relais.blocks.faults;

import io.vertx.pgclient.PgException;
import java.sql.SQLException;
import java.util.Set;

/**
 * Tells a fault that passes (the database, Kafka or a dependency briefly unavailable, a pool exhausted,
 * a lock or statement timeout, a table briefly missing) from one that will come back every time (bad
 * data, a broken invariant). What retries forever and what may be set aside both depend on it, so it is
 * decided here, once, by walking the cause chain.
 */
public final class TransientFaults {

    /**
     * Beyond {@link org.relais.blocks.problem.DatabaseUnavailable} (down, out of connections, lock or
     * statement timeout): SQLSTATE classes and codes that pass for work that can simply be done again,
     * such as a consumer's effect.
     */
    private static final Set<String> TRANSIENT_SQLSTATE_CLASSES = Set.of(
            "08", // connection exception
            "53", // insufficient resources (too many connections, disk full, out of memory)
            "57", // operator intervention (admin shutdown, crash shutdown, cannot connect now, query canceled)
            "40", // transaction rollback (serialization failure, deadlock)
            "58" // system error (I/O)
            );

    private static final Set<String> TRANSIENT_SQLSTATES = Set.of(
            "55P03", // lock_not_available (lock_timeout)
            "55006", // object_in_use
            "42P01", // undefined_table: a table briefly missing (a migration or restore under way)
            "25006" // read_only_sql_transaction: a standby promoted late, a failover in progress
            );
    /** Exceptions known by name so that this class does not pull every client library in. */
    private static final Set<String> TRANSIENT_TYPES = Set.of(
            "java.net.ConnectException",
            "java.net.NoRouteToHostException",
            "java.net.UnknownHostException",
            "java.net.SocketException",
            "java.net.SocketTimeoutException",
            "java.net.http.HttpTimeoutException",
            "java.nio.channels.ClosedChannelException",
            "java.util.concurrent.TimeoutException",
            "java.util.concurrent.RejectedExecutionException",
            "io.netty.channel.ConnectTimeoutException",
            "io.netty.channel.StacklessClosedChannelException",
            "io.vertx.core.impl.NoStackTraceTimeoutException",
            "io.vertx.core.http.ConnectionPoolTooBusyException",
            "io.vertx.core.http.HttpClosedException", // a peer's connection closed under a request (REST client)
            "io.vertx.sqlclient.ClosedConnectionException",
            "io.smallrye.mutiny.TimeoutException",
            "org.apache.kafka.common.errors.RetriableException",
            "org.apache.kafka.common.errors.TimeoutException",
            "org.apache.kafka.common.errors.DisconnectException",
            "org.hibernate.exception.JDBCConnectionException",
            "org.hibernate.exception.LockTimeoutException",
            "org.hibernate.PessimisticLockException",
            "jakarta.persistence.LockTimeoutException",
            "jakarta.persistence.PessimisticLockException",
            "io.quarkus.rest.client.reactive.runtime.ClientConnectionException",
            "jakarta.ws.rs.ServiceUnavailableException",
            "org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException",
            "org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException",
            "org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException");

    private TransientFaults() {}

    /** Whether retrying the same work later can succeed without anyone changing code or data. */
    public static boolean isTransient(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (org.relais.blocks.problem.DatabaseUnavailable.is(t)) {
                return true; // the database cannot serve right now: what a request answers 503 for
            }
            if (t instanceof PgException pg && transientState(pg.getSqlState())) {
                return true;
            }
            if (t instanceof SQLException sql
                    && (transientState(sql.getSQLState())
                            || t instanceof java.sql.SQLTransientException
                            || t instanceof java.sql.SQLRecoverableException)) {
                return true;
            }
            if (t instanceof TransientFault) {
                return true;
            }
            for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                if (TRANSIENT_TYPES.contains(c.getName())) {
                    return true;
                }
            }
            if (t instanceof jakarta.ws.rs.WebApplicationException web && web.getResponse() != null) {
                int status = web.getResponse().getStatus();
                if (status == 502 || status == 503 || status == 504 || status == 429) {
                    return true;
                }
            }
            if (isConnectionMessage(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    static boolean transientState(String sqlState) {
        if (sqlState == null || sqlState.length() != 5) {
            return false;
        }
        return TRANSIENT_SQLSTATES.contains(sqlState) || TRANSIENT_SQLSTATE_CLASSES.contains(sqlState.substring(0, 2));
    }

    /** The reactive clients report a lost or refused connection with a bare message and a generic type. */
    private static boolean isConnectionMessage(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("connection refused")
                || m.contains("connection is closed")
                || m.contains("connection reset")
                || m.contains("failed to connect")
                || m.contains("timeout waiting for connection")
                || m.contains("timed out waiting for a connection")
                || m.contains("pool closed");
    }

    /** Thrown by code that knows its failure passes (a dependency answered "try later"). */
    public static class TransientFault extends RuntimeException {
        public TransientFault(String message) {
            super(message, null, false, false);
        }
    }
}
