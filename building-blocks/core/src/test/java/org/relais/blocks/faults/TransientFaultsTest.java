package org.relais.blocks.faults;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class TransientFaultsTest {

    private static PgException pg(String state) {
        return new PgException("m", "ERROR", state, null);
    }

    @Test
    void faultsOfTheServerOrTheConnectionPass() {
        for (String state :
                new String[] {"08006", "08001", "57P01", "57P03", "57014", "53300", "40001", "40P01", "55P03", "42P01"
                }) {
            assertTrue(TransientFaults.isTransient(new CompletionException(new RuntimeException(pg(state)))), state);
        }
        assertTrue(TransientFaults.isTransient(
                new org.hibernate.HibernateException("x", new ConnectException("Connection refused"))));
        assertTrue(TransientFaults.isTransient(new IllegalStateException("Connection is closed")));
        assertTrue(TransientFaults.isTransient(new java.util.concurrent.TimeoutException()));
        assertTrue(TransientFaults.isTransient(new org.apache.kafka.common.errors.NotLeaderOrFollowerException("x")));
        assertTrue(TransientFaults.isTransient(new SQLException("x", "08003")));
        assertTrue(TransientFaults.isTransient(new jakarta.ws.rs.WebApplicationException(503)));
        // what a REST client call between services meets when its peer goes away or its declared limits trip
        assertTrue(TransientFaults.isTransient(new jakarta.ws.rs.ProcessingException(
                io.vertx.core.http.HttpClosedException.class.getName(),
                new io.vertx.core.http.HttpClosedException("Connection was closed"))));
        assertTrue(TransientFaults.isTransient(
                new org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException("x")));
        assertTrue(TransientFaults.isTransient(
                new org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException("x")));
    }

    @Test
    void faultsOfTheDataDoNot() {
        for (String state : new String[] {"23505", "23502", "22001", "22P02", "42703", "P0001"}) {
            assertFalse(TransientFaults.isTransient(new RuntimeException(pg(state))), state);
        }
        assertFalse(TransientFaults.isTransient(new IllegalStateException("this event cannot be applied")));
        assertFalse(TransientFaults.isTransient(new NullPointerException()));
        assertFalse(TransientFaults.isTransient(new jakarta.ws.rs.WebApplicationException(404)));
        assertFalse(TransientFaults.isTransient(null));
    }
}
