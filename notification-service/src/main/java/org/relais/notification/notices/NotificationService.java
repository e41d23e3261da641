package org.relais.notification.notices;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.KeysetQuery;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;

/** Turns events into notifications for their audiences, and serves each reader their notification list and stream. */
@ApplicationScoped
public class NotificationService {

    private final Texts texts;
    private final AgencyDirectory directory;
    private final ObjectMapper mapper;
    private final RelaisClock clock;

    public NotificationService(Texts texts, AgencyDirectory directory, ObjectMapper mapper, RelaisClock clock) {
        this.texts = texts;
        this.directory = directory;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** Inside the consumer's transaction: one notification per recipient of the event, and a duty e-mail for urgent ones. */
    public Uni<Void> ingest(CloudEvent e, Recipients.Notice notice) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        String paramsJson;
        try {
            paramsJson = mapper.writeValueAsString(notice.params());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        Instant now = clock.now();
        for (Recipients.Recipient r : notice.recipients()) {
            Notification n = new Notification();
            n.id = Uuids.v7();
            n.eventId = e.uuid();
            n.type = e.type();
            n.audience = r.audience().name();
            n.agencyId = r.agencyId();
            n.role = r.role();
            n.username = r.username();
            n.referralId = notice.referralId();
            n.caseId = notice.caseId();
            n.priority = notice.priority();
            n.templateKey = Recipients.templateKey(e.type());
            n.params = paramsJson;
            n.createdAt = now;
            // flushed at once: the e-mail row (a native insert) references it
            chain = chain.chain(() -> n.persistAndFlush()).chain(() -> email(n, now));
        }
        return chain;
    }

    private Uni<Void> email(Notification n, Instant now) {
        if (!"URGENT".equals(n.priority) && !"EMERGENCY".equals(n.priority)) {
            return Uni.createFrom().voidItem();
        }
        AgencyRecord agency = directory.find(n.agencyId).orElse(null);
        String to = agency == null ? null : agency.text("dutyEmail");
        if (to == null || to.isBlank()) {
            return Uni.createFrom().voidItem();
        }
        String language = agency.text("notificationLanguage");
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into email_deliveries (id, notification_id, to_address, language, status, next_attempt_at, created_at) "
                                        + "values (?1, ?2, ?3, ?4, 'PENDING', ?5, ?5)")
                        .setParameter(1, Uuids.v7())
                        .setParameter(2, n.id)
                        .setParameter(3, to)
                        .setParameter(4, language == null ? "fr" : language)
                        .setParameter(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                        .executeUpdate())
                .replaceWithVoid();
    }

    public Uni<Page<NotificationView>> list(
            CallerContext caller, boolean unreadOnly, PageRequest page, String acceptLanguage) {
        Map<String, Object> visible = new HashMap<>();
        KeysetQuery q = KeysetQuery.on("from Notification n where ", "n.createdAt", "n.id")
                .where(visibility(caller, visible), visible);
        if (unreadOnly) {
            q.where(
                    "not exists (select 1 from NotificationReadMark m where m.notificationId = n.id and m.username = :me)",
                    "me",
                    caller.username());
        }
        q.page(page);
        return Panache.withSession(() -> Notification.<Notification>find(q.query(), q.params())
                .range(0, q.lastRow())
                .list()
                .chain(rows -> views(Page.shown(rows, page.limit()), caller, acceptLanguage)
                        .map(views -> Page.withViews(rows, page.limit(), n -> new Cursor(n.createdAt, n.id), views))));
    }

    /** Notifications after {@code afterSeq} for this reader, in order (the live stream and its resumption). */
    public Uni<List<NotificationView>> after(CallerContext caller, long afterSeq, String acceptLanguage) {
        return after(caller, afterSeq, List.of(), acceptLanguage);
    }

    /** The caller's notifications numbered above {@code afterSeq}, and those among {@code gaps} (a stream's skipped numbers). */
    public Uni<List<NotificationView>> after(
            CallerContext caller, long afterSeq, List<Long> gaps, String acceptLanguage) {
        Map<String, Object> params = new HashMap<>();
        String where = visibility(caller, params);
        params.put("seq", afterSeq);
        String which = "n.seq > :seq";
        if (!gaps.isEmpty()) {
            params.put("gaps", gaps);
            which = "(n.seq > :seq or n.seq in :gaps)";
        }
        String query = "from Notification n where " + where + " and " + which + " order by n.seq";
        return Panache.withSession(() -> Notification.<Notification>find(query, params)
                .range(0, 199)
                .list()
                .chain(rows -> views(rows, caller, acceptLanguage)));
    }

    /** The newest sequence number the caller may see (a new stream starts after it). */
    public Uni<Long> latestSeq(CallerContext caller) {
        Map<String, Object> params = new HashMap<>();
        String where = visibility(caller, params);
        return Panache.withSession(() -> Notification.<Notification>find(
                        "from Notification n where " + where + " order by n.seq desc", params)
                .firstResult()
                .map(n -> n == null ? 0L : n.seq));
    }

    public Uni<Void> markRead(UUID id, CallerContext caller) {
        Map<String, Object> params = new HashMap<>();
        String where = visibility(caller, params);
        params.put("id", id);
        return Panache.withTransaction(() -> Notification.<Notification>find(
                        "from Notification n where " + where + " and n.id = :id", params)
                .firstResult()
                .chain(n -> {
                    if (n == null) {
                        throw ProblemException.notFound("Notification");
                    }
                    return Panache.getSession()
                            .chain(s -> s.createNativeQuery(
                                            "insert into notification_reads (notification_id, username, read_at) "
                                                    + "values (?1, ?2, ?3) on conflict do nothing")
                                    .setParameter(1, id)
                                    .setParameter(2, caller.username())
                                    .setParameter(3, OffsetDateTime.ofInstant(clock.now(), ZoneOffset.UTC))
                                    .executeUpdate())
                            .replaceWithVoid();
                }));
    }

    /** Only the agency's own notifications, and of those the ones for the caller's roles or name. */
    static String visibility(CallerContext caller, Map<String, Object> params) {
        params.put("agency", caller.agencyId());
        params.put("roles", caller.roles().isEmpty() ? List.of("-") : List.copyOf(caller.roles()));
        params.put("user", caller.username());
        return "n.agencyId = :agency and (n.audience = 'AGENCY' or (n.audience = 'ROLE' and n.role in :roles) "
                + "or (n.audience = 'USER' and n.username = :user))";
    }

    private Uni<List<NotificationView>> views(List<Notification> rows, CallerContext caller, String acceptLanguage) {
        if (rows.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String language = Texts.language(
                acceptLanguage,
                directory
                        .find(caller.agencyId())
                        .map(a -> a.text("notificationLanguage"))
                        .orElse(null));
        List<UUID> ids = rows.stream().map(n -> n.id).toList();
        return NotificationReadMark.<NotificationReadMark>list(
                        "notificationId in ?1 and username = ?2", ids, caller.username())
                .map(marks -> {
                    Map<UUID, Instant> read = new HashMap<>();
                    marks.forEach(m -> read.put(m.notificationId, m.readAt));
                    List<NotificationView> out = new ArrayList<>();
                    for (Notification n : rows) {
                        Texts.Rendered t = texts.render(n.templateKey, language, readParams(n.params));
                        out.add(new NotificationView(
                                n.id,
                                n.seq,
                                n.type,
                                n.audience,
                                n.agencyId,
                                n.referralId,
                                n.caseId,
                                n.priority,
                                t.title(),
                                t.body(),
                                n.createdAt,
                                read.get(n.id)));
                    }
                    return out;
                });
    }

    Map<String, String> readParams(String json) {
        try {
            return mapper.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
