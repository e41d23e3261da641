package org.relais.notification.notices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.notification.notices.Recipients.Audience;
import org.relais.notification.notices.Recipients.Recipient;

/** Who is told of an event, and the facts its texts show, read from the event as a producer wrote it. */
class RecipientsTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final UUID referralId = UUID.randomUUID();

    private Recipients.Notice referral(String type, String data) throws Exception {
        CloudEvent e = CloudEvent.of("/referral-service", type, referralId.toString(), "police", mapper.readTree(data));
        return Recipients.of(type, ReferralEvents.data(e));
    }

    @Test
    void anOverdueReferralTellsBothSupervisorsTheDeadlineAsItWasWritten() throws Exception {
        Recipients.Notice n = referral(
                ReferralEvents.OVERDUE,
                "{\"referralId\":\"" + referralId + "\",\"reference\":\"REF-1\","
                        + "\"priority\":\"URGENT\",\"status\":\"SENT\",\"sendingAgencyId\":\"police\",\"receivingAgencyId\":\"ngo\","
                        + "\"deadline\":\"ACKNOWLEDGE\",\"deadlineAt\":\"2026-11-23T09:00:00.123456Z\",\"subject\":{\"fullName\":\"X\"}}");
        assertEquals(
                List.of(
                        new Recipient("police", Audience.ROLE, "supervisor", null),
                        new Recipient("ngo", Audience.ROLE, "supervisor", null)),
                n.recipients());
        assertEquals(
                Map.of(
                        "reference",
                        "REF-1",
                        "priority",
                        "URGENT",
                        "sendingAgencyId",
                        "police",
                        "receivingAgencyId",
                        "ngo",
                        "deadline",
                        "ACKNOWLEDGE",
                        "deadlineAt",
                        "2026-11-23T09:00:00.123456Z",
                        "status",
                        "SENT"),
                n.params());
        assertEquals(referralId, n.referralId());
        assertEquals("URGENT", n.priority());
    }

    @Test
    void theOutcomeOfARedirectedReferralReachesItsSenderAndItsOrigin() throws Exception {
        Recipients.Notice n = referral(
                ReferralEvents.DECLINED,
                "{\"referralId\":\"" + referralId + "\",\"sendingAgencyId\":\"shelter\","
                        + "\"receivingAgencyId\":\"ngo\",\"originAgencyId\":\"police\",\"reasonCode\":\"NO_CAPACITY\"}");
        assertEquals(
                List.of(
                        new Recipient("shelter", Audience.AGENCY, null, null),
                        new Recipient("police", Audience.AGENCY, null, null)),
                n.recipients());
        assertEquals("NO_CAPACITY", n.params().get("reasonCode"));
    }

    @Test
    void anOpenedCaseReachesItsAssigneeOrElseTheAgency() throws Exception {
        UUID caseId = UUID.randomUUID();
        CloudEvent assigned = CloudEvent.of(
                "/case-service",
                CaseEvents.OPENED,
                caseId.toString(),
                "ngo",
                mapper.readTree("{\"caseId\":\"" + caseId
                        + "\",\"owningAgencyId\":\"ngo\",\"assignee\":\"ngo-caseworker\",\"priority\":\"ROUTINE\"}"));
        Recipients.Notice n = Recipients.of(CaseEvents.OPENED, CaseEvents.data(assigned));
        assertEquals(List.of(new Recipient("ngo", Audience.USER, null, "ngo-caseworker")), n.recipients());
        assertEquals(caseId, n.caseId());
        CloudEvent unassigned = CloudEvent.of(
                "/case-service",
                CaseEvents.OPENED,
                caseId.toString(),
                "ngo",
                mapper.readTree("{\"caseId\":\"" + caseId + "\",\"owningAgencyId\":\"ngo\"}"));
        assertEquals(
                List.of(new Recipient("ngo", Audience.AGENCY, null, null)),
                Recipients.of(CaseEvents.OPENED, CaseEvents.data(unassigned)).recipients());
    }
}
