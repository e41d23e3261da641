package org.relais.referral.referral;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import jakarta.enterprise.context.ApplicationScoped;
import org.relais.blocks.security.CallerContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/** Maps referrals to their views and event data, and their JSON columns to values. */
@ApplicationScoped
public class ReferralCodec {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    String json(Object value) {
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

    static ReferralView.ConsentView consentOf(Referral r) {
        try {
            return JSON.readValue(r.consent, ReferralView.ConsentView.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ReferralView.ConsentView consent(Referral r) {
        return consentOf(r);
    }

    void markConsentWithdrawn(Referral r, Instant at, String by, String method) {
        ReferralView.ConsentView c = consentOf(r);
        r.consent = json(new ReferralView.ConsentView(false, c.scope(), c.method(), c.recordedAt(), c.recordedBy(),
                false, c.expiresAt(), at, by));
    }

    ReferralView view(Referral r, ReferralService.Survivor data, CallerContext caller) {
        boolean receiverSide = caller.isInternal() || r.callerOf(caller.agencyId()) == ReferralAction.Caller.RECEIVER;
        return new ReferralView(r.id, r.reference, r.status, r.survivorId, r.sendingAgencyId, r.receivingAgencyId,
                r.priority, r.serviceList(), read(r.incident, ReferralInput.Incident.class), consentOf(r), data.subject(),
                data.reason(), data.externalReference(), r.acknowledgeBy, r.decideBy, r.overdue, r.overdueAt,
                r.redirectedFromId, r.redirectedToId, r.originAgencyId, r.caseId, receiverSide ? r.receivingCaseId : null,
                r.assignee, r.outcome, r.dataErasedAt, r.createdAt, r.updatedAt, r.version);
    }

    /** The event's data: ids, parties, status, coded facts; never survivor data. */
    ObjectNode eventData(Referral r) {
        ObjectNode d = JSON.createObjectNode();
        d.put("referralId", r.id.toString());
        d.put("reference", r.reference);
        d.put("status", r.status.name());
        d.put("priority", r.priority.name());
        d.set("services", JSON.valueToTree(r.serviceList()));
        d.put("survivorId", r.survivorId.toString());
        d.put("sendingAgencyId", r.sendingAgencyId);
        d.put("receivingAgencyId", r.receivingAgencyId);
        if (r.originAgencyId != null) {
            d.put("originAgencyId", r.originAgencyId);
        }
        if (r.incident != null) {
            d.set("incident", JSON.valueToTree(read(r.incident, ReferralInput.Incident.class)));
        }
        if (r.redirectedFromId != null) {
            d.put("redirectedFromId", r.redirectedFromId.toString());
        }
        if (r.caseId != null) {
            d.put("caseId", r.caseId.toString());
        }
        if (r.receivingCaseId != null) {
            d.put("receivingCaseId", r.receivingCaseId.toString());
        }
        if (r.outcome != null) {
            d.put("outcome", r.outcome);
        }
        d.put("acknowledgeBy", r.acknowledgeBy.toString());
        d.put("decideBy", r.decideBy.toString());
        return d;
    }
}
