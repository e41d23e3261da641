package org.relais.notification.webhook;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.events.SurvivorFields;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;

/** Webhooks of an agency: registration (secret shown once), changes, rotation, deliveries, fan-out of events. */
@ApplicationScoped
public class WebhookService {

    /** The events a webhook may subscribe to: every event of relais.referrals and relais.cases. */
    public static final Set<String> EVENT_TYPES = Stream.concat(
                    ReferralEvents.TYPES.stream(), CaseEvents.TYPES.stream())
            .collect(Collectors.toUnmodifiableSet());

    static final Duration ROTATION_OVERLAP = Duration.ofHours(24);

    private final FieldCipher cipher;
    private final AgencyDirectory directory;
    private final ObjectMapper mapper;
    private final boolean allowLoopback;
    private final TargetResolver resolver;
    private final int maxPerAgency;
    private final RelaisClock clock;

    public WebhookService(
            FieldCipher cipher,
            AgencyDirectory directory,
            ObjectMapper mapper,
            TargetResolver resolver,
            RelaisClock clock,
            @ConfigProperty(name = "relais.webhooks.allow-loopback", defaultValue = "false") boolean allowLoopback,
            @ConfigProperty(name = "relais.webhooks.max-per-agency", defaultValue = "20") int maxPerAgency) {
        this.cipher = cipher;
        this.directory = directory;
        this.mapper = mapper;
        this.allowLoopback = allowLoopback;
        this.resolver = resolver;
        this.maxPerAgency = maxPerAgency;
        this.clock = clock;
    }

    /** A secret shown once, and the record that lets a retry under the same Idempotency-Key show it again (null without a key). */
    public record Issued(WebhookViews.View view, UUID issueId) {}

    static final String ISSUES = "webhook_secret_issues";

    /** Registers a webhook; with {@code keep}, the secret is also kept encrypted for a retried request. */
    public Uni<Issued> register(WebhookViews.Create in, CallerContext caller, boolean keep) {
        Instant now = clock.now();
        String secret = WebhookSigner.newSecret();
        Webhook w = new Webhook();
        w.id = Uuids.v7();
        w.agencyId = caller.agencyId();
        w.url = in.url();
        w.eventTypes = json(new ArrayList<>(new LinkedHashSet<>(in.eventTypes())));
        w.description = in.description();
        w.createdAt = now;
        w.updatedAt = now;
        return withinQuota(caller.agencyId()).chain(() -> cipher.newDataKey()).chain(key -> {
            w.dataKeyId = key.id();
            w.secretCt = key.encrypt(Webhook.TABLE, w.id, "secret", secret);
            return w.persistAndFlush().chain(() -> issue(w, key, secret, keep));
        });
    }

    /**
     * Inside the registration's transaction: the agency's registrations are serialized (an advisory lock
     * on the agency), so two concurrent ones cannot both take the last place.
     */
    private Uni<Void> withinQuota(String agencyId) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "select count(*) from (select pg_advisory_xact_lock(hashtext(?1))) lock", Long.class)
                        .setParameter(1, "webhooks:" + agencyId)
                        .getSingleResult()
                        .chain(() -> s.createNativeQuery(
                                        "select count(*) from webhooks where agency_id = ?1 and deleted_at is null",
                                        Long.class)
                                .setParameter(1, agencyId)
                                .getSingleResult()))
                .map(count -> {
                    if (count >= maxPerAgency) {
                        throw new ProblemException(new org.relais.blocks.problem.Problem(
                                        org.relais.blocks.problem.ProblemType.VALIDATION,
                                        422,
                                        "The agency has " + maxPerAgency
                                                + " webhooks, the most it may register; delete one first")
                                .with("limit", maxPerAgency)
                                .with(
                                        "errors",
                                        List.of(new FieldError(
                                                "",
                                                "the agency's limit of " + maxPerAgency + " webhooks is reached"))));
                    }
                    return null;
                });
    }

    public Uni<List<WebhookViews.View>> list(CallerContext caller) {
        return Webhook.<Webhook>list("agencyId = ?1 and deletedAt is null order by createdAt", caller.agencyId())
                .map(ws -> ws.stream().map(w -> view(w, null)).toList());
    }

    public Uni<Webhook> owned(UUID id, CallerContext caller) {
        return Webhook.<Webhook>findById(id).map(w -> {
            if (w == null || w.deletedAt != null || !w.agencyId.equals(caller.agencyId())) {
                throw ProblemException.notFound("Webhook");
            }
            return w;
        });
    }

    public Uni<WebhookViews.View> patch(UUID id, WebhookViews.Patch in, CallerContext caller) {
        List<FieldError> errors = new ArrayList<>();
        if (in.eventTypes() != null) {
            if (in.eventTypes().isEmpty()) {
                errors.add(new FieldError("/eventTypes", "must not be empty"));
            }
            checkTypes(in.eventTypes(), errors);
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return owned(id, caller).map(w -> {
            if (in.eventTypes() != null) {
                w.eventTypes = json(new ArrayList<>(new LinkedHashSet<>(in.eventTypes())));
            }
            if (in.description() != null) {
                w.description = in.description();
            }
            if (in.paused() != null) {
                w.paused = in.paused();
            }
            w.updatedAt = clock.now();
            return view(w, null);
        });
    }

    /** A new secret; the current one keeps signing for 24 hours. With {@code keep}, kept encrypted for a retried request. */
    public Uni<Issued> rotate(UUID id, CallerContext caller, boolean keep) {
        return owned(id, caller)
                .chain(w -> cipher.dataKey(w.dataKeyId).chain(key -> {
                    String secret = WebhookSigner.newSecret();
                    w.previousSecretCt = key.encrypt(
                            Webhook.TABLE,
                            w.id,
                            "previousSecret",
                            key.decrypt(Webhook.TABLE, w.id, "secret", w.secretCt)
                                    .orElseThrow());
                    w.previousSecretUntil = clock.now().plus(ROTATION_OVERLAP);
                    w.secretCt = key.encrypt(Webhook.TABLE, w.id, "secret", secret);
                    w.updatedAt = clock.now();
                    return Panache.getSession().chain(s -> s.flush()).chain(() -> issue(w, key, secret, keep));
                }));
    }

    private Uni<Issued> issue(Webhook w, org.relais.blocks.crypto.DataKey key, String secret, boolean keep) {
        if (!keep) {
            return Uni.createFrom().item(new Issued(view(w, secret), null));
        }
        UUID issueId = Uuids.v7();
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into webhook_secret_issues (id, webhook_id, secret_ct, created_at) values (?1, ?2, ?3, ?4)")
                        .setParameter(1, issueId)
                        .setParameter(2, w.id)
                        .setParameter(3, key.encrypt(ISSUES, issueId, "secret", secret))
                        .setParameter(4, OffsetDateTime.ofInstant(clock.now(), ZoneOffset.UTC))
                        .executeUpdate())
                .map(n -> new Issued(view(w, secret), issueId));
    }

    /** The answer to a retried registration or rotation: the webhook as it is now, with the secret that request issued. */
    @SuppressWarnings("unchecked")
    public Uni<WebhookViews.View> reissued(UUID issueId, CallerContext caller) {
        return Panache.withSession(() -> Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "select webhook_id, secret_ct from webhook_secret_issues where id = ?1", Object[].class)
                        .setParameter(1, issueId)
                        .getResultList())
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        throw ProblemException.notFound("Webhook");
                    }
                    Object[] row = ((List<Object[]>) (List<?>) rows).get(0);
                    return owned((UUID) row[0], caller)
                            .chain(w -> cipher.dataKey(w.dataKeyId)
                                    .map(key -> view(
                                            w,
                                            key.decrypt(ISSUES, issueId, "secret", (String) row[1])
                                                    .orElse(null))));
                }));
    }

    public Uni<Void> delete(UUID id, CallerContext caller) {
        return owned(id, caller)
                .invoke(w -> {
                    w.deletedAt = clock.now();
                    w.updatedAt = w.deletedAt;
                })
                .replaceWithVoid();
    }

    @SuppressWarnings("unchecked")
    public Uni<List<WebhookViews.Delivery>> deliveries(UUID id, CallerContext caller) {
        return owned(id, caller)
                .chain(w -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "select d.id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status_code, "
                                                + "d.created_at, d.delivered_at from webhook_deliveries d where d.webhook_id = ?1 order by d.created_at desc limit 200",
                                        Object[].class)
                                .setParameter(1, w.id)
                                .getResultList()
                                .chain(rows -> s.createNativeQuery(
                                                "select a.delivery_id, a.at, a.status_code, a.latency_ms, a.error from webhook_attempts a "
                                                        + "join webhook_deliveries d on d.id = a.delivery_id where d.webhook_id = ?1 order by a.at",
                                                Object[].class)
                                        .setParameter(1, w.id)
                                        .getResultList()
                                        .map(attempts -> {
                                            List<WebhookViews.Delivery> out = new ArrayList<>();
                                            for (Object[] r : (List<Object[]>) (List<?>) rows) {
                                                List<WebhookViews.Attempt> log = new ArrayList<>();
                                                for (Object[] a : (List<Object[]>) (List<?>) attempts) {
                                                    if (a[0].equals(r[0])) {
                                                        log.add(new WebhookViews.Attempt(
                                                                instant(a[1]), (Integer) a[2], (Integer) a[3], (String)
                                                                        a[4]));
                                                    }
                                                }
                                                out.add(new WebhookViews.Delivery(
                                                        (UUID) r[0],
                                                        w.id.toString(),
                                                        (UUID) r[1],
                                                        (String) r[2],
                                                        (String) r[3],
                                                        (Integer) r[4],
                                                        instant(r[5]),
                                                        (Integer) r[6],
                                                        instant(r[7]),
                                                        instant(r[8]),
                                                        log));
                                            }
                                            return out;
                                        }))));
    }

    /** Sends a delivery again now; one already DELIVERED is a 409 (its receiver has it). */
    @SuppressWarnings("unchecked")
    public Uni<Void> retry(UUID id, UUID deliveryId, CallerContext caller) {
        return owned(id, caller)
                .chain(w -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "select status from webhook_deliveries where id = ?1 and webhook_id = ?2 for update",
                                        String.class)
                                .setParameter(1, deliveryId)
                                .setParameter(2, w.id)
                                .getResultList()
                                .chain(status -> {
                                    if (status.isEmpty()) {
                                        throw ProblemException.notFound("Delivery");
                                    }
                                    if ("DELIVERED".equals(status.get(0))) {
                                        throw ProblemException.illegalTransition("retry", "DELIVERED");
                                    }
                                    return s.createNativeQuery(
                                                    "update webhook_deliveries set status = 'PENDING', next_attempt_at = now() where id = ?1")
                                            .setParameter(1, deliveryId)
                                            .executeUpdate();
                                })))
                .replaceWithVoid();
    }

    /**
     * Inside the consumer's transaction: a delivery per webhook subscribed to the event's type of each agency party to
     * it (sender, receiver and origin of a referral, owner of a case).
     */
    public Uni<Void> fanOut(CloudEvent e, Set<String> parties) {
        if (parties.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // the CloudEvent as a partner receives it; the envelope's own "subject" (the record id) stays,
        // survivor fields a producer put in data by mistake never leave
        ObjectNode envelope = (ObjectNode) readJson(e.toJson(mapper));
        Set<String> removed = SurvivorFields.strip(envelope.path("data"));
        if (!removed.isEmpty()) {
            Log.warnf(
                    "event %s (%s) carried survivor fields %s: removed before delivery to webhooks",
                    e.id(), e.type(), removed);
        }
        String body = envelope.toString();
        return Webhook.<Webhook>list("agencyId in ?1 and deletedAt is null", List.copyOf(parties))
                .chain(hooks -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Webhook w : hooks) {
                        if (!readTypes(w.eventTypes).contains(e.type())) {
                            continue;
                        }
                        chain = chain.chain(() -> Panache.getSession()
                                        .chain(s -> s.createNativeQuery(
                                                        "insert into webhook_deliveries (id, webhook_id, event_id, message_id, event_type, payload, status, "
                                                                + "next_attempt_at, created_at) values (?1, ?2, ?3, ?4, ?5, ?6, 'PENDING', ?7, ?7) "
                                                                + "on conflict (webhook_id, event_id) do nothing")
                                                .setParameter(1, Uuids.v7())
                                                .setParameter(2, w.id)
                                                .setParameter(3, e.uuid())
                                                .setParameter(4, "msg_" + e.id())
                                                .setParameter(5, e.type())
                                                .setParameter(6, body)
                                                .setParameter(7, OffsetDateTime.ofInstant(clock.now(), ZoneOffset.UTC))
                                                .executeUpdate()))
                                .replaceWithVoid();
                    }
                    return chain;
                });
    }

    private void checkTypes(List<String> types, List<FieldError> errors) {
        for (int i = 0; i < types.size(); i++) {
            if (!EVENT_TYPES.contains(types.get(i))) {
                errors.add(new FieldError("/eventTypes/" + i, "is not an event type of the platform"));
            }
        }
    }

    /**
     * Checks the event types and the target: the host is resolved off the event loop, within the
     * resolver's timeout, and every address it has must be allowed (see {@link TargetPolicy}).
     */
    public Uni<Void> validate(WebhookViews.Create in, CallerContext caller) {
        List<FieldError> errors = new ArrayList<>();
        checkTypes(in.eventTypes(), errors);
        URI uri;
        try {
            uri = URI.create(in.url());
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("/url", "is not a URL"));
            throw ProblemException.invalid(errors);
        }
        String bad = TargetPolicy.syntax(uri);
        if (bad != null) {
            errors.add(new FieldError("/url", bad));
            throw ProblemException.invalid(errors);
        }
        List<String> allowed = allowedHosts(caller.agencyId());
        return resolver.resolveHere(TargetPolicy.host(uri))
                .map(addresses -> TargetPolicy.decide(uri, addresses, allowed, allowLoopback)
                        .refusal())
                .onFailure(java.util.concurrent.TimeoutException.class)
                .recoverWithItem("host did not resolve in time")
                .onFailure()
                .recoverWithItem("host could not be resolved")
                .map(refusal -> {
                    if (refusal != null) {
                        errors.add(new FieldError("/url", refusal));
                    }
                    if (!errors.isEmpty()) {
                        throw ProblemException.invalid(errors);
                    }
                    return null;
                });
    }

    List<String> allowedHosts(String agencyId) {
        List<String> allowed = new ArrayList<>();
        directory
                .find(agencyId)
                .ifPresent(a -> a.record().path("webhookAllowedHosts").forEach(h -> allowed.add(h.asText())));
        return allowed;
    }

    WebhookViews.View view(Webhook w, String secret) {
        return new WebhookViews.View(
                w.id,
                w.agencyId,
                w.url,
                readTypes(w.eventTypes),
                w.description,
                w.paused,
                secret,
                w.previousSecretUntil != null && w.previousSecretUntil.isAfter(clock.now())
                        ? w.previousSecretUntil
                        : null,
                w.createdAt,
                w.updatedAt,
                w.version);
    }

    List<String> readTypes(String json) {
        try {
            return mapper.readValue(json, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (o instanceof java.time.LocalDateTime ldt) {
            return ldt.toInstant(ZoneOffset.UTC);
        }
        return (Instant) o;
    }

    private com.fasterxml.jackson.databind.JsonNode readJson(String json) {
        try {
            return mapper.readTree(json);
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
