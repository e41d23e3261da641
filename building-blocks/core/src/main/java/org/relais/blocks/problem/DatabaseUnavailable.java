package org.relais.blocks.problem;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Whether a failure means the database cannot serve right now (down, restarting, out of connections,
 * a lock or statement that ran out of time) rather than a fault of the request or of the code: the
 * client should retry shortly (503 with Retry-After), and an alert on 500s should not fire for an
 * outage the 503 rate already shows. The cause chain is walked because the reactive stack wraps the
 * driver's failure (Hibernate Reactive turns a PgException into a JDBCException over a new
 * SQLException that keeps only the SQLSTATE; Mutiny and the session add CompletionExceptions).
 */
public final class DatabaseUnavailable {

    private DatabaseUnavailable() {}

    public static boolean is(Throwable failure) {
        return cause(failure) != null;
    }

    /** The failure's class and the one that tells the database is unavailable, with its SQLSTATE: never a message. */
    static String describe(Throwable failure) {
        Throwable cause = cause(failure);
        String state = cause == null ? null : sqlState(cause);
        return failure.getClass().getName()
                + (cause == null || cause == failure
                        ? ""
                        : " caused by " + cause.getClass().getName())
                + (state == null ? "" : " (SQLSTATE " + state + ")");
    }

    private static Throwable cause(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (matches(t)) {
                return t;
            }
        }
        return null;
    }

    private static boolean matches(Throwable t) {
        // connection refused or timed out (Netty's AnnotatedConnectException and ConnectTimeoutException are
        // ConnectExceptions)
        if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException) {
            return true;
        }
        String type = t.getClass().getName();
        if (type.equals("io.vertx.sqlclient.ClosedConnectionException")) {
            return true; // the server went away mid-query
        }
        // no pooled connection within the acquisition timeout (the pool's shared VertxException, or a timeout of
        // vert.x)
        String message = t.getMessage();
        if ((type.equals("io.vertx.core.VertxException")
                        || type.equals("io.vertx.core.impl.NoStackTraceTimeoutException"))
                && message != null
                && message.startsWith("Timeout")) {
            return true;
        }
        return unavailableState(sqlState(t));
    }

    private static String sqlState(Throwable t) {
        if (t instanceof SQLException sql) {
            return sql.getSQLState();
        }
        if (t instanceof io.vertx.sqlclient.DatabaseException db) {
            return db.getSqlState();
        }
        return null;
    }

    /**
     * Class 08 (connection exception), 57P01..57P03 (admin or crash shutdown, cannot connect now),
     * 53300 (too many connections), 55P03 (lock_not_available: lock_timeout) and 57014 (query_canceled:
     * statement_timeout).
     */
    static boolean unavailableState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08")
                || state.equals("57P01")
                || state.equals("57P02")
                || state.equals("57P03")
                || state.equals("53300")
                || state.equals("55P03")
                || state.equals("57014");
    }
}
