package org.relais.notification.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.pg.PgListener;
import org.relais.blocks.security.Permission;
import org.relais.blocks.time.RelaisClock;
import org.relais.notification.PushGate;
import org.relais.notification.events.NotificationEvents;

/**
 * Delivers webhooks. Due deliveries are claimed under {@code FOR UPDATE SKIP LOCKED} and leased (so one
 * instance sends each), in turns between agencies and within each agency's in-flight room
 * ({@code relais.webhooks.in-flight-per-agency}, and {@code max-in-flight} in all), then sent concurrently,
 * each with its own timeout, so a slow or hanging receiver or an agency's backlog delays nobody else. Every
 * attempt is logged; a failure is retried per {@link RetrySchedule}. The target is resolved and checked at each
 * attempt and the connection made to that checked address. Each outcome given for good is published as a
 * {@link NotificationEvents} event.
 */
@ApplicationScoped
public class WebhookDispatcher {

    static final Duration LEASE = Duration.ofSeconds(60);
    static final int BATCH = 50;
    static final String WAKE_CHANNEL = "relais_webhook_deliveries";

    private final AgroalDataSource dataSource;
    private final FieldCipher cipher;
    private final AgencyDirectory directory;
    private final RetrySchedule schedule;
    private final TargetResolver resolver;
    private final PushGate gate;
    private final Outbox outbox;
    private final ObjectMapper mapper;
    private final RelaisClock clock;
    private final boolean allowLoopback;
    private final Duration timeout;
    private final HttpClient http;
    private final Vertx vertx;
    /** Wakes the dispatcher when deliveries are stored (see {@link #onStart}). */
    private final PgListener wake;

    private final ReentrantLock dispatching = new ReentrantLock();
    private final AtomicBoolean again = new AtomicBoolean();
    private final ConcurrentHashMap<String, AtomicInteger> inFlightByAgency = new ConcurrentHashMap<>();
    private final AtomicInteger totalInFlight = new AtomicInteger();
    private final AtomicBoolean kicked = new AtomicBoolean();
    private final ExecutorService kicker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "webhook-dispatch");
        t.setDaemon(true);
        return t;
    });
    private final int perAgency;
    private final int maxInFlight;
    private final ExecutorService recorder = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "webhook-recorder");
        t.setDaemon(true);
        return t;
    });

    public WebhookDispatcher(
            AgroalDataSource dataSource,
            FieldCipher cipher,
            AgencyDirectory directory,
            RetrySchedule schedule,
            TargetResolver resolver,
            PushGate gate,
            Outbox outbox,
            ObjectMapper mapper,
            RelaisClock clock,
            Vertx vertx,
            @ConfigProperty(name = "relais.webhooks.allow-loopback", defaultValue = "false") boolean allowLoopback,
            @ConfigProperty(name = "relais.webhooks.timeout", defaultValue = "10s") Duration timeout,
            @ConfigProperty(name = "relais.webhooks.in-flight-per-agency", defaultValue = "10") int perAgency,
            @ConfigProperty(name = "relais.webhooks.max-in-flight", defaultValue = "200") int maxInFlight,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "postgres") String username,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.wake = new PgListener(jdbcUrl, username, password, "webhook-wake");
        this.dataSource = dataSource;
        this.cipher = cipher;
        this.directory = directory;
        this.schedule = schedule;
        this.resolver = resolver;
        this.gate = gate;
        this.perAgency = perAgency;
        this.maxInFlight = maxInFlight;
        this.outbox = outbox;
        this.mapper = mapper;
        this.clock = clock;
        this.allowLoopback = allowLoopback;
        this.timeout = timeout;
        this.vertx = vertx;
        if (timeout.plus(resolver.timeout()).compareTo(LEASE) >= 0) {
            throw new IllegalStateException(
                    "relais.webhooks.timeout plus resolve-timeout must stay under the delivery lease of " + LEASE);
        }
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) Math.min(timeout.toMillis(), 5000))
                .setMaxPoolSize(50)
                .setKeepAlive(false));
    }

    private record Due(
            UUID id,
            String messageId,
            String payload,
            int attempts,
            String url,
            String agencyId,
            String secret,
            String previousSecret,
            UUID webhookId) {}

    /**
     * Wakes the dispatcher when deliveries are stored: a trigger on {@code webhook_deliveries} fires
     * {@code NOTIFY relais_webhook_deliveries} at commit, which a thread of its own LISTENs to on a connection of
     * its own, so a new delivery goes out at once rather than at the next tick. The tick stays, for the
     * retries that fall due and as the fallback while the signal's connection is away.
     */
    void onStart(@Observes StartupEvent event) {
        wake.follow(Duration.ofSeconds(1), this::dispatch, WAKE_CHANNEL);
    }

    void onStop(@Observes ShutdownEvent event) {
        wake.close();
    }

    /**
     * Claims and sends what is due, one dispatch at a time: a call while another runs makes that one go
     * round again instead of waiting, so no signal is lost and no two dispatches of this instance overlap.
     */
    @Scheduled(
            every = "${relais.webhooks.dispatch-every:250ms}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void dispatch() {
        again.set(true);
        while (again.get() && dispatching.tryLock()) {
            try {
                again.set(false);
                dispatchRounds();
            } finally {
                dispatching.unlock();
            }
        }
    }

    /** Secrets kept for retried requests are forgotten when their Idempotency-Keys expire (24 hours). */
    @Scheduled(every = "1h", delayed = "1m", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void forgetIssuedSecrets() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "delete from webhook_secret_issues where created_at < now() - interval '24 hours'")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            Log.warnf("issued webhook secrets not purged yet: %s", e.getMessage());
        }
    }

    private void dispatchRounds() {
        try {
            // claim again at once while there is work and room, instead of waiting for the next tick
            List<Due> due;
            int rounds = 0;
            do {
                due = claim();
                for (Due d : due) {
                    send(d);
                }
            } while (!due.isEmpty() && ++rounds < 20);
        } catch (SQLException e) {
            Log.warnf("webhook dispatch postponed: %s", e.getMessage());
        }
    }

    /**
     * Due deliveries taken in turns between agencies: each agency's first due delivery, then each one's
     * second, and so on, and never more of an agency than its room (the in-flight limit per agency, less
     * what this instance has in flight for it). An agency's backlog or its hanging receivers thus fill
     * its own room only, and another agency's delivery is claimed at the next dispatch. Candidates are
     * read per webhook through the partial index (webhook_id, next_attempt_at), so a backlog is not scanned.
     */
    private List<Due> claim() throws SQLException {
        int free = maxInFlight - totalInFlight.get();
        if (free <= 0) {
            return List.of();
        }
        List<String> agencies = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (AgencyRecord a : directory.all()) {
            int room = perAgency - inFlight(a.id()).get();
            if (room > 0 && mayReceive(a)) {
                agencies.add(a.id());
                slots.add(room);
            }
        }
        if (agencies.isEmpty()) {
            return List.of();
        }
        List<Due> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("with room (agency_id, slots) as (select * from unnest(?::text[], ?::int[])), "
                            + "candidates as (select x.id, w.agency_id, x.next_attempt_at, r.slots from room r "
                            + "join webhooks w on w.agency_id = r.agency_id and not w.paused and w.deleted_at is null "
                            + "cross join lateral (select d.id, d.next_attempt_at from webhook_deliveries d where d.webhook_id = w.id "
                            + "and d.status = 'PENDING' and d.next_attempt_at <= now() order by d.next_attempt_at limit r.slots) x), "
                            + "turns as (select id, slots, row_number() over (partition by agency_id order by next_attempt_at, id) as turn "
                            + "from candidates) "
                            + "select d.id, d.message_id, d.payload, d.attempts, w.url, w.agency_id, "
                            + "w.id, w.data_key_id, w.secret_ct, w.previous_secret_ct, w.previous_secret_until from turns t "
                            + "join webhook_deliveries d on d.id = t.id join webhooks w on w.id = d.webhook_id "
                            + "where t.turn <= t.slots and d.status = 'PENDING' and d.next_attempt_at <= now() "
                            + "order by t.turn, d.next_attempt_at limit ? for update of d skip locked")) {
                ps.setArray(1, c.createArrayOf("text", agencies.toArray()));
                ps.setArray(2, c.createArrayOf("integer", slots.toArray()));
                ps.setInt(3, Math.min(BATCH, free));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID webhookId = rs.getObject(7, UUID.class);
                        DataKey key = cipher.dataKey(c, rs.getObject(8, UUID.class));
                        String secret = key.decrypt(Webhook.TABLE, webhookId, "secret", rs.getString(9))
                                .orElse(null);
                        Timestamp until = rs.getTimestamp(11);
                        String previous = until != null && until.toInstant().isAfter(clock.now())
                                ? key.decrypt(Webhook.TABLE, webhookId, "previousSecret", rs.getString(10))
                                        .orElse(null)
                                : null;
                        due.add(new Due(
                                rs.getObject(1, UUID.class),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getInt(4),
                                rs.getString(5),
                                rs.getString(6),
                                secret,
                                previous,
                                webhookId));
                    }
                }
            }
            try (PreparedStatement lease =
                    c.prepareStatement("update webhook_deliveries set next_attempt_at = now() + interval '"
                            + LEASE.getSeconds() + " seconds' where id = ?")) {
                for (Due d : due) {
                    lease.setObject(1, d.id());
                    lease.addBatch();
                }
                lease.executeBatch();
            }
            c.commit();
        }
        for (Due d : due) {
            inFlight(d.agencyId()).incrementAndGet();
            totalInFlight.incrementAndGet();
        }
        return due;
    }

    /** Whether the directory lets the agency's deliveries go out now. */
    private boolean mayReceive(AgencyRecord agency) {
        return PushGate.open(agency, Permission.WEBHOOK_MANAGE);
    }

    /**
     * The agency was suspended or lost webhook:manage since the claim: the delivery is handed back as
     * it was (due, no attempt counted), and the claim passes over it until the directory allows it again.
     */
    private void hold(Due d) {
        recorder.execute(() -> {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "update webhook_deliveries set next_attempt_at = now() where id = ? and status = 'PENDING'")) {
                ps.setObject(1, d.id());
                ps.executeUpdate();
            } catch (SQLException e) {
                Log.warnf(
                        "held webhook delivery %s not handed back (%s); it is claimed again after its lease",
                        d.id(), e.getMessage());
            } finally {
                settled(d);
            }
        });
    }

    private AtomicInteger inFlight(String agencyId) {
        return inFlightByAgency.computeIfAbsent(agencyId, k -> new AtomicInteger());
    }

    /** A claimed delivery is settled: its room is free again, so what waited for it is claimed now. */
    private void settled(Due d) {
        inFlight(d.agencyId()).decrementAndGet();
        totalInFlight.decrementAndGet();
        if (kicked.compareAndSet(false, true)) {
            kicker.execute(() -> {
                kicked.set(false);
                dispatch();
            });
        }
    }

    /**
     * Resolves the target on the resolver's pool and sends once it is known: nothing here waits, so a
     * target whose DNS is slow holds up neither the dispatcher nor the other deliveries.
     */
    private void send(Due d) {
        if (!gate.open(d.agencyId(), Permission.WEBHOOK_MANAGE)) {
            hold(d);
            return;
        }
        long started = System.nanoTime();
        URI uri = URI.create(d.url());
        if (d.secret() == null) {
            record(d, null, started, "secret unavailable");
            return;
        }
        List<String> allowed = new ArrayList<>();
        directory
                .find(d.agencyId())
                .ifPresent(a -> a.record().path("webhookAllowedHosts").forEach(h -> allowed.add(h.asText())));
        resolver.resolve(TargetPolicy.host(uri)).whenComplete((addresses, failure) -> {
            if (failure != null) {
                record(
                        d,
                        null,
                        started,
                        failure instanceof TimeoutException
                                ? "target did not resolve in time"
                                : "target could not be resolved");
                return;
            }
            TargetPolicy.Decision decision = TargetPolicy.decide(uri, addresses, allowed, allowLoopback);
            if (!decision.allowed()) {
                record(d, null, started, "target refused: " + decision.refusal());
                return;
            }
            post(d, uri, decision.address(), started);
        });
    }

    private void post(Due d, URI uri, InetAddress address, long started) {
        if (!gate.open(d.agencyId(), Permission.WEBHOOK_MANAGE)) {
            hold(d); // the directory changed while the target was resolved
            return;
        }
        long timestamp = clock.now().getEpochSecond();
        int port = uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setHost(uri.getHost())
                .setPort(port)
                .setSsl(uri.getScheme().equals("https"))
                .setURI(
                        uri.getRawPath() == null || uri.getRawPath().isEmpty()
                                ? "/"
                                : uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                .setIdleTimeout(timeout.toMillis())
                .putHeader("Content-Type", "application/cloudevents+json; charset=UTF-8")
                .putHeader("webhook-id", d.messageId())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader(
                        "webhook-signature",
                        WebhookSigner.header(d.messageId(), timestamp, d.payload(), d.secret(), d.previousSecret()));
        // the idle timeout alone lets a receiver that trickles bytes hold the attempt (and outlive its
        // lease, then be sent twice): the whole exchange, from asking for a connection to the last byte
        // of the answer, gets relais.webhooks.timeout, after which the request is reset and the attempt failed
        AtomicBoolean over = new AtomicBoolean();
        AtomicReference<HttpClientRequest> inFlightRequest = new AtomicReference<>();
        long deadline = vertx.setTimer(timeout.toMillis(), t -> {
            if (over.compareAndSet(false, true)) {
                HttpClientRequest req = inFlightRequest.get();
                if (req != null) {
                    req.reset();
                }
                record(d, null, started, "TimeoutException");
            }
        });
        http.request(options)
                .compose(req -> {
                    inFlightRequest.set(req);
                    if (over.get()) {
                        req.reset();
                    }
                    return req.send(d.payload());
                })
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(ar -> {
                    if (!over.compareAndSet(false, true)) {
                        return; // the deadline came first and recorded the attempt
                    }
                    vertx.cancelTimer(deadline);
                    if (ar.succeeded()) {
                        record(
                                d,
                                ar.result(),
                                started,
                                ar.result() >= 200 && ar.result() < 300 ? null : "HTTP " + ar.result());
                    } else {
                        record(d, null, started, ar.cause().getClass().getSimpleName());
                    }
                });
    }

    /**
     * {@link NotificationEvents#DELIVERED} or {@link NotificationEvents#FAILED} for a webhook, in the transaction that
     * records the outcome, under the subject of the event delivered (the referral or case), so the
     * audit trail of that record shows which partner system was told and when.
     */
    private void outcome(Connection c, Due d, int attempts, Integer status, String error) throws SQLException {
        JsonNode delivered;
        try {
            delivered = mapper.readTree(d.payload());
        } catch (IOException e) {
            throw new SQLException("unreadable delivery payload", e);
        }
        var data = EventData.of(NotificationEvents.Data.webhook(
                d.agencyId(),
                d.id(),
                d.webhookId(),
                d.messageId(),
                delivered.path("id").asText(),
                delivered.path("type").asText(),
                attempts,
                status,
                error));
        String subject = delivered.path("subject").asText(d.id().toString());
        outbox.append(
                c,
                NotificationEvents.TOPIC,
                CloudEvent.of(
                        NotificationEvents.SOURCE,
                        error == null ? NotificationEvents.DELIVERED : NotificationEvents.FAILED,
                        subject,
                        d.agencyId(),
                        data),
                "relais-notification-service",
                List.of(d.webhookId().toString()));
    }

    private void record(Due d, Integer status, long started, String error) {
        int latency = (int) Duration.ofNanos(System.nanoTime() - started).toMillis();
        recorder.execute(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into webhook_attempts (id, delivery_id, at, status_code, latency_ms, error) values (?, ?, now(), ?, ?, ?)")) {
                    ps.setObject(1, Uuids.v7());
                    ps.setObject(2, d.id());
                    ps.setObject(3, status);
                    ps.setInt(4, latency);
                    ps.setString(5, error);
                    ps.executeUpdate();
                }
                int attempts = d.attempts() + 1;
                String sql;
                if (error == null) {
                    sql =
                            "update webhook_deliveries set status = 'DELIVERED', attempts = ?, last_status_code = ?, delivered_at = now() where id = ?";
                } else if (attempts >= schedule.maxAttempts()) {
                    sql =
                            "update webhook_deliveries set status = 'FAILED', attempts = ?, last_status_code = ? where id = ?";
                } else {
                    sql =
                            "update webhook_deliveries set attempts = ?, last_status_code = ?, next_attempt_at = now() + interval '"
                                    + schedule.delayAfter(attempts).toMillis() + " milliseconds' where id = ?";
                }
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setInt(1, attempts);
                    ps.setObject(2, status);
                    ps.setObject(3, d.id());
                    ps.executeUpdate();
                }
                if (error == null || attempts >= schedule.maxAttempts()) {
                    outcome(c, d, attempts, status, error);
                }
                c.commit();
            } catch (SQLException e) {
                Log.warnf(
                        "webhook delivery %s outcome not recorded (%s); it will be sent again after its lease",
                        d.id(), e.getMessage());
            } finally {
                settled(d);
            }
        });
    }
}
