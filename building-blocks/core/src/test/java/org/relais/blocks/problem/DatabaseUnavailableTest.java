package org.relais.blocks.problem;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.hibernate.exception.JDBCConnectionException;
import org.hibernate.exception.LockTimeoutException;
import org.junit.jupiter.api.Test;

class DatabaseUnavailableTest {

    private static PgException pg(String state) {
        return new PgException("message", "ERROR", state, "detail");
    }

    /** As Hibernate Reactive hands a driver failure on: a JDBCException over a new SQLException with the state. */
    private static Throwable hibernate(String state) {
        return new CompletionException(new JDBCConnectionException("x", new SQLException("m", state, 0)));
    }

    @Test
    void connectionLevelFailuresAreUnavailableWhereverTheyAreInTheChain() {
        assertTrue(DatabaseUnavailable.is(new ConnectException("Connection refused")));
        assertTrue(DatabaseUnavailable.is(
                new CompletionException(new IllegalStateException(new ConnectException("refused")))));
        // the pool's acquisition timeout
        assertTrue(DatabaseUnavailable.is(
                new CompletionException(new VertxException("Timeout waiting for connection", true))));
        assertTrue(DatabaseUnavailable.is(new io.vertx.core.impl.NoStackTraceTimeoutException("Timeout")));
        assertTrue(DatabaseUnavailable.is(io.vertx.sqlclient.ClosedConnectionException.INSTANCE));
        for (String state :
                new String[] {"08000", "08001", "08006", "57P01", "57P02", "57P03", "53300", "55P03", "57014"}) {
            assertTrue(DatabaseUnavailable.is(pg(state)), state);
            assertTrue(DatabaseUnavailable.is(hibernate(state)), state);
        }
        assertTrue(DatabaseUnavailable.is(new LockTimeoutException("x", new SQLException("m", "55P03"))));
    }

    @Test
    void faultsOfTheRequestOrTheCodeAreNot() {
        for (String state : new String[] {"23505", "23503", "40001", "40P01", "22008", "42P01", "53100", null}) {
            assertFalse(DatabaseUnavailable.is(pg(state)), state);
            assertFalse(DatabaseUnavailable.is(hibernate(state)), state);
        }
        assertFalse(DatabaseUnavailable.is(new IllegalStateException("Timeout")));
        assertFalse(DatabaseUnavailable.is(new VertxException("Something else")));
        assertFalse(DatabaseUnavailable.is(new NullPointerException()));
    }

    @Test
    void aCycleInTheCauseChainEnds() {
        IllegalStateException a = new IllegalStateException();
        RuntimeException b = new RuntimeException(a);
        a.initCause(b);
        assertFalse(DatabaseUnavailable.is(b));
    }
}
