package org.relais.notification.notices;

import com.fasterxml.jackson.databind.JsonNode;
import org.relais.blocks.events.CloudEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who is told of which event (CONTRACT section 6), and the coded facts the texts may use. */
public final class Recipients {

    public enum Audience { AGENCY, ROLE, USER }

    public record Recipient(String agencyId, Audience audience, String role, String username) {
    }

    private Recipients() {
    }

    public static List<Recipient> of(CloudEvent e) {
        JsonNode d = e.dataObject();
        String sender = text(d, "sendingAgencyId");
        String receiver = text(d, "receivingAgencyId");
        String origin = text(d, "originAgencyId");
        String owner = text(d, "owningAgencyId");
        List<Recipient> out = new ArrayList<>();
        switch (e.type()) {
            case "relais.referral.sent" -> agency(out, receiver);
            case "relais.referral.acknowledged", "relais.referral.accepted", "relais.referral.declined",
                 "relais.referral.redirected", "relais.referral.completed", "relais.referral.failed" -> {
                agency(out, sender);
                if (origin != null && !origin.equals(sender)) {
                    agency(out, origin);
                }
            }
            case "relais.referral.withdrawn", "relais.referral.consent-withdrawn" -> agency(out, receiver);
            case "relais.referral.overdue" -> {
                supervisors(out, sender);
                supervisors(out, receiver);
            }
            case "relais.case.high-risk" -> supervisors(out, owner);
            case "relais.case.opened" -> {
                String assignee = text(d, "assignee");
                if (owner != null && assignee != null) {
                    out.add(new Recipient(owner, Audience.USER, null, assignee));
                } else {
                    agency(out, owner);
                }
            }
            default -> { }
        }
        return out;
    }

    /** The parameters the texts may use: references, priorities, codes; never survivor data. */
    public static Map<String, String> params(CloudEvent e) {
        JsonNode d = e.dataObject();
        Map<String, String> p = new LinkedHashMap<>();
        for (String key : List.of("reference", "priority", "sendingAgencyId", "receivingAgencyId", "originAgencyId",
                "owningAgencyId", "deadline", "deadlineAt", "outcome", "reasonCode", "toAgencyId", "level", "status")) {
            String v = text(d, key);
            if (v != null) {
                p.put(key, v);
            }
        }
        return p;
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

    private static String text(JsonNode d, String field) {
        JsonNode n = d.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
