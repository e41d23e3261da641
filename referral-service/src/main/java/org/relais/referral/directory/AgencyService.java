package org.relais.referral.directory;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.relais.blocks.events.AgencyEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.Problem;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.problem.ProblemType;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Permission;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.Priority;

/**
 * The agency directory: reads, writes by the platform, capacity by the agency itself. Every write
 * publishes the full record on the compacted {@code relais.agencies} topic through the outbox, so every
 * component's directory (and so its permission checks) follows.
 */
@ApplicationScoped
public class AgencyService {

    static final String SOURCE = "/referral-service";

    private final AgencyRepository agencies;
    private final Outbox outbox;
    private final RelaisClock clock;

    public AgencyService(AgencyRepository agencies, Outbox outbox, RelaisClock clock) {
        this.agencies = agencies;
        this.outbox = outbox;
        this.clock = clock;
    }

    @WithSession
    public Uni<Page<AgencyView>> list(AgencyType type, ServiceType service, String region, PageRequest page) {
        return agencies.page(type, service, region, page)
                .map(rows -> Page.of(rows, page.limit(), a -> new Cursor(a.updatedAt, a.id), Agency::view));
    }

    @WithSession
    public Uni<Agency> get(String id) {
        return agencies.findById(id).onItem().ifNull().failWith(() -> ProblemException.notFound("Agency"));
    }

    /** Inside the caller's transaction. */
    public Uni<Agency> create(AgencyInput in, CallerContext caller) {
        List<FieldError> errors = validate(in);
        if (in.id() == null || in.id().isBlank()) {
            errors.add(0, new FieldError("/id", "must not be blank"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return agencies.findById(in.id()).chain(existing -> {
            if (existing != null) {
                throw new ProblemException(new Problem(ProblemType.CONFLICT, 409, "An agency with this id exists"));
            }
            Agency a = new Agency();
            a.id = in.id();
            a.createdAt = clock.now();
            a.apply(in, a.createdAt);
            return agencies.persistAndFlush(a)
                    .chain(() -> publish(a, AgencyEvents.REGISTERED, caller))
                    .replaceWith(a);
        });
    }

    @WithTransaction
    public Uni<Agency> update(String id, AgencyInput in, String ifMatch, CallerContext caller) {
        List<FieldError> errors = validate(in);
        if (in.id() != null && !in.id().equals(id)) {
            errors.add(0, new FieldError("/id", "must match the agency in the path"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return agencies.findById(id)
                .onItem()
                .ifNull()
                .failWith(() -> ProblemException.notFound("Agency"))
                .chain(a -> {
                    org.relais.blocks.http.Versions.checkIfMatch(ifMatch, a.version);
                    a.apply(in, clock.now());
                    return agencies.flush()
                            .chain(() -> publish(a, AgencyEvents.UPDATED, caller))
                            .replaceWith(a);
                });
    }

    /** An agency reports its own capacity. */
    @WithTransaction
    public Uni<Agency> updateCapacity(String id, CapacityInput in, String ifMatch, CallerContext caller) {
        return agencies.findById(id)
                .onItem()
                .ifNull()
                .failWith(() -> ProblemException.notFound("Agency"))
                .chain(a -> {
                    if (!id.equals(caller.agencyId())) {
                        throw ProblemException.forbidden("An agency reports only its own capacity");
                    }
                    org.relais.blocks.http.Versions.checkIfMatch(ifMatch, a.version);
                    a.updateCapacity(in.capacity(), in.note(), clock.now());
                    return agencies.flush()
                            .chain(() -> publish(a, AgencyEvents.UPDATED, caller))
                            .replaceWith(a);
                });
    }

    private Uni<Void> publish(Agency a, String type, CallerContext caller) {
        CloudEvent event = CloudEvent.of(SOURCE, type, a.id, caller.agencyId(), EventData.of(a.view()));
        return outbox.append(AgencyEvents.TOPIC, event, caller.username(), List.of());
    }

    private static List<FieldError> validate(AgencyInput in) {
        List<FieldError> errors = new ArrayList<>();
        try {
            ZoneId.of(in.timeZone());
        } catch (DateTimeException e) {
            errors.add(new FieldError("/timeZone", "must be an IANA time zone such as Africa/Casablanca"));
        }
        if (in.acknowledgeWithin() != null) {
            for (Map.Entry<Priority, String> e : in.acknowledgeWithin().entrySet()) {
                try {
                    Duration d = Duration.parse(e.getValue());
                    if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(30)) > 0) {
                        errors.add(new FieldError(
                                "/acknowledgeWithin/" + e.getKey(), "must be more than zero and at most 30 days"));
                    }
                } catch (DateTimeParseException ex) {
                    errors.add(new FieldError(
                            "/acknowledgeWithin/" + e.getKey(), "must be an ISO-8601 duration such as PT4H"));
                }
            }
        }
        if (in.permissions() != null) {
            for (int i = 0; i < in.permissions().size(); i++) {
                if (Permission.byCode(in.permissions().get(i)).isEmpty()) {
                    errors.add(new FieldError("/permissions/" + i, "is not a permission of the platform"));
                }
            }
        }
        return errors;
    }
}
