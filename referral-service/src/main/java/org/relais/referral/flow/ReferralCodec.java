package org.relais.referral.flow;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.security.CallerContext;

/** Maps referrals to their views and event data, and their JSON columns to values. */
@ApplicationScoped
public class ReferralCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    String json(Object value) {
        return write(value);
    }

    private static String write(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> T read(String json, Class<T> type) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReferralView.ConsentView consentOf(Referral r) {
        return consentOf(r.consent);
    }

    private static ReferralView.ConsentView consentOf(String consentJson) {
        try {
            return JSON.readValue(consentJson, ReferralView.ConsentView.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ReferralView.ConsentView consent(Referral r) {
        return consentOf(r);
    }

    /** The consent record (JSON) once her consent ended: no longer granted, nor onward; when and by whom it ended. */
    static String withdrawn(String consentJson, Instant at, String by) {
        ReferralView.ConsentView c = consentOf(consentJson);
        return write(new ReferralView.ConsentView(
                false, c.scope(), c.method(), c.recordedAt(), c.recordedBy(), false, c.expiresAt(), at, by));
    }

    ReferralView view(Referral r, Survivor data, CallerContext caller) {
        boolean receiverSide = caller.isInternal() || r.callerOf(caller.agencyId()) == ReferralAction.Caller.RECEIVER;
        return new ReferralView(
                r.id,
                r.reference,
                r.status,
                r.survivorId,
                r.sendingAgencyId,
                r.receivingAgencyId,
                r.priority,
                r.serviceList(),
                read(r.incident, ReferralInput.Incident.class),
                consentOf(r),
                data.subject(),
                data.reason(),
                data.externalReference(),
                r.acknowledgeBy,
                r.decideBy,
                r.overdue,
                r.overdueAt,
                r.redirectedFromId,
                r.redirectedToId,
                r.originAgencyId,
                r.caseId,
                receiverSide ? r.receivingCaseId : null,
                r.assignee,
                r.outcome,
                r.dataErasedAt,
                r.createdAt,
                r.updatedAt,
                r.version);
    }

    /** The event's data: ids, parties, status, coded facts; never survivor data. Each type adds its own fields. */
    ReferralEvents.Data eventData(Referral r) {
        ReferralInput.Incident incident = read(r.incident, ReferralInput.Incident.class);
        return ReferralEvents.Data.of(
                r.id,
                r.reference,
                r.status.name(),
                r.priority.name(),
                names(r.serviceList()),
                r.survivorId,
                r.sendingAgencyId,
                r.receivingAgencyId,
                r.originAgencyId,
                incident == null
                        ? null
                        : new ReferralEvents.Incident(
                                names(incident.forms()),
                                incident.occurredOn(),
                                incident.ageBand(),
                                incident.childrenPresent(),
                                names(incident.needs())),
                r.redirectedFromId,
                r.caseId,
                r.receivingCaseId,
                r.outcome,
                r.acknowledgeBy,
                r.decideBy);
    }

    private static List<String> names(List<? extends Enum<?>> values) {
        return values == null ? null : values.stream().map(Enum::name).toList();
    }
}
