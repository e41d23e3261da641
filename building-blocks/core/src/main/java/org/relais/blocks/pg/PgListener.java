package org.relais.blocks.pg;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A PostgreSQL connection of its own that LISTENs for {@code NOTIFY} signals. A signal only wakes: whoever is woken
 * reads what is new from its tables, so a signal lost while the connection was away costs a delay, never an item.
 * The connection is opened with the datasource's JDBC URL and credentials, outside the pool (a pooled connection goes
 * back to the pool, and its LISTEN with it), named by its application name in {@code pg_stat_activity}, with TCP
 * keep-alive so a silently dropped connection is noticed.
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li>{@link #follow}: a daemon thread keeps it connected and calls a wake-up once after each connection (for what
 *   was signalled while nobody listened) and after each signal; after a failure it connects again.</li>
 *   <li>By hand, from a loop of one's own that also uses the connection (the outbox relay holds its advisory lock on
 *   it): {@link #open}, {@link #connection}, {@link #listen}, {@link #await}, {@link #close}. Nothing reconnects
 *   behind the caller's back: once the connection is lost every call fails until {@link #open} is called again.</li>
 * </ul>
 */
public final class PgListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PgListener.class);
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]*");

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String applicationName;

    private volatile Connection connection;
    private volatile boolean following;
    private volatile Thread follower;

    /** Connects nothing yet; {@code applicationName} also names the {@link #follow} thread. */
    public PgListener(String jdbcUrl, String user, String password, String applicationName) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.applicationName = applicationName;
    }

    /** The open connection: the one there is, or a new one (which listens to nothing yet). */
    public synchronized Connection open() throws SQLException {
        Connection c = connection;
        if (c == null || c.isClosed()) {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            p.setProperty("ApplicationName", applicationName);
            p.setProperty("tcpKeepAlive", "true");
            c = DriverManager.getConnection(jdbcUrl, p);
            connection = c;
        }
        return c;
    }

    /** Whether a connection is open (as far as the driver knows: a dropped one shows at its next use). */
    public boolean connected() {
        Connection c = connection;
        try {
            return c != null && !c.isClosed();
        } catch (SQLException e) {
            return false;
        }
    }

    /** The connection {@link #open} made; an {@code SQLException} when there is none or it was closed. */
    public Connection connection() throws SQLException {
        Connection c = connection;
        if (c == null || c.isClosed()) {
            throw new SQLException(applicationName + ": not connected");
        }
        return c;
    }

    /** LISTENs on the channels, on the current connection (a new connection listens again). */
    public void listen(String... channels) throws SQLException {
        Connection c = connection();
        try (Statement s = c.createStatement()) {
            for (String channel : channels) {
                if (!CHANNEL.matcher(channel).matches()) {
                    throw new IllegalArgumentException("not a channel name: " + channel);
                }
                s.execute("LISTEN " + channel);
            }
        }
    }

    /**
     * Waits up to {@code timeout} for signals on the current connection and answers how many came (0 when the time
     * passed without one); an {@code SQLException} when the connection is lost.
     */
    public int await(Duration timeout) throws SQLException {
        PGNotification[] signals =
                connection().unwrap(PGConnection.class).getNotifications((int) Math.max(1, timeout.toMillis()));
        return signals == null ? 0 : signals.length;
    }

    /**
     * Listens on the channels on a daemon thread until {@link #close}: connects, LISTENs, calls {@code wakeUp} once,
     * then again whenever signals came within {@code wait}; when the connection fails it waits {@code wait} and
     * connects again. {@code wakeUp} runs on that thread, one call at a time.
     */
    public synchronized void follow(Duration wait, Runnable wakeUp, String... channels) {
        if (following) {
            throw new IllegalStateException(applicationName + " is already followed");
        }
        following = true;
        Thread t = new Thread(() -> run(wait, wakeUp, channels), applicationName);
        t.setDaemon(true);
        follower = t;
        t.start();
    }

    private void run(Duration wait, Runnable wakeUp, String[] channels) {
        try {
            while (following) {
                try {
                    open();
                    listen(channels);
                    wake(wakeUp);
                    while (following) {
                        if (await(wait) > 0) {
                            wake(wakeUp);
                        }
                    }
                } catch (SQLException e) {
                    closeConnection();
                    if (following) {
                        LOG.debugf(
                                "%s: LISTEN connection unavailable (%s); connecting again in %d ms",
                                applicationName, e.getMessage(), wait.toMillis());
                        TimeUnit.MILLISECONDS.sleep(wait.toMillis());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeConnection();
        }
    }

    private void wake(Runnable wakeUp) {
        try {
            wakeUp.run();
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: the wake-up failed; it runs again at the next signal", applicationName);
        }
    }

    /**
     * Stops: a {@link #follow} thread ends within one wait and closes its connection itself (never from under a read);
     * otherwise the connection closes now. {@link #open} may connect again after.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            following = false;
            t = follower;
            follower = null;
        }
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        } else {
            closeConnection();
        }
    }

    private void closeConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }
    }
}
