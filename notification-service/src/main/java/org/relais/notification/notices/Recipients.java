package org.relais.notification.notices;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.ReferralEvents;

/** Who is told of which event (API guide section 6.2), and the coded facts the texts may use. */
public final class Recipients {

    public enum Audience {
        AGENCY,
        ROLE,
        USER
    }

    public record Recipient(String agencyId, Audience audience, String role, String username) {}

    /**
     * What the notifications of one event need: who is told, the parameters the texts may use (references, priorities,
     * codes; never survivor data) and the records the event is about.
     */
    public record Notice(List<Recipient> recipients, Map<String, String> params, UUID referralId, UUID caseId) {

        public String priority() {
            return params.get("priority");
        }
    }

    private Recipients() {}

    /** Of a referral event: the receiver of what it is sent, the sender (and the origin of a redirect) of its outcome. */
    public static Notice of(String type, ReferralEvents.Data d) {
        String sender = d.sendingAgencyId();
        String receiver = d.receivingAgencyId();
        String origin = d.originAgencyId();
        List<Recipient> out = new ArrayList<>();
        switch (type) {
            case ReferralEvents.SENT, ReferralEvents.WITHDRAWN, ReferralEvents.CONSENT_WITHDRAWN ->
                agency(out, receiver);
            case ReferralEvents.ACKNOWLEDGED,
                    ReferralEvents.ACCEPTED,
                    ReferralEvents.DECLINED,
                    ReferralEvents.REDIRECTED,
                    ReferralEvents.COMPLETED,
                    ReferralEvents.FAILED -> {
                agency(out, sender);
                if (origin != null && !origin.equals(sender)) {
                    agency(out, origin);
                }
            }
            case ReferralEvents.OVERDUE -> {
                supervisors(out, sender);
                supervisors(out, receiver);
            }
            default -> {}
        }
        Map<String, String> params = new LinkedHashMap<>();
        put(params, "reference", d.reference());
        put(params, "priority", d.priority());
        put(params, "sendingAgencyId", sender);
        put(params, "receivingAgencyId", receiver);
        put(params, "originAgencyId", origin);
        put(params, "deadline", d.deadline());
        put(params, "deadlineAt", d.deadlineAt());
        put(params, "outcome", d.outcome());
        put(params, "reasonCode", d.reasonCode());
        put(params, "toAgencyId", d.toAgencyId());
        put(params, "status", d.status());
        return new Notice(out, params, d.referralId(), d.caseId());
    }

    /** Of a case event: the owning agency's supervisors of a high risk, the assignee (or the agency) of an opened case. */
    public static Notice of(String type, CaseEvents.Data d) {
        String owner = d.owningAgencyId();
        List<Recipient> out = new ArrayList<>();
        switch (type) {
            case CaseEvents.HIGH_RISK -> supervisors(out, owner);
            case CaseEvents.OPENED -> {
                if (owner != null && d.assignee() != null) {
                    out.add(new Recipient(owner, Audience.USER, null, d.assignee()));
                } else {
                    agency(out, owner);
                }
            }
            default -> {}
        }
        Map<String, String> params = new LinkedHashMap<>();
        put(params, "reference", d.reference());
        put(params, "priority", d.priority());
        put(params, "owningAgencyId", owner);
        put(params, "outcome", d.outcome());
        put(params, "level", d.level());
        put(params, "status", d.status());
        return new Notice(out, params, d.referralId(), d.caseId());
    }

    public static String templateKey(String eventType) {
        return eventType.substring("relais.".length());
    }

    private static void agency(List<Recipient> out, String agencyId) {
        if (agencyId != null) {
            out.add(new Recipient(agencyId, Audience.AGENCY, null, null));
        }
    }

    private static void supervisors(List<Recipient> out, String agencyId) {
        if (agencyId != null) {
            out.add(new Recipient(agencyId, Audience.ROLE, "supervisor", null));
        }
    }

    private static void put(Map<String, String> params, String key, Object value) {
        if (value != null) {
            params.put(key, value.toString());
        }
    }
}
