package org.relais.cases.casefile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.ProblemException;
import org.relais.cases.risk.RiskLevel;
import org.relais.cases.risk.RiskScoring;

/**
 * The case's state machine: every (state, change) pair, its answer written out literally from API guide section 5
 * (200 done, 409 refused in this state, 422 refused because her consent no longer holds), not derived from
 * {@link CaseFile}. The service's own changes (details received, erasure) are refused the same way; the service
 * skips them before asking. Then what each change says happened, and the JSON of the events it publishes.
 */
class CaseTransitionsTest {

    private static final String TABLE = """
            # state                 open  receive-details  assign  assess  add-action  complete-action  close  erase
            OPEN_DETAILS_PENDING    409   200              200     200     200         200              200    200
            OPEN                    409   409              200     200     200         200              200    200
            OPEN_CONSENT_EXPIRED    409   409              200     200     422         200              200    200
            OPEN_ERASED             409   409              200     200     422         200              200    409
            CLOSED                  409   409              409     409     409         200              409    200
            CLOSED_ERASED           409   409              409     409     409         200              409    409
            """;

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant EARLIER = NOW.minusSeconds(3600);
    private static final UUID REFERRAL = UUID.fromString("0192f0c4-0000-7000-8000-000000000001");
    private static final UUID SURVIVOR = UUID.fromString("0192f0c4-0000-7000-8000-000000000002");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CaseFile fromReferral() {
        CaseFile c = new CaseFile();
        c.openFromReferral(
                REFERRAL,
                "ngo-casa-ecoute",
                SURVIVOR,
                Priority.URGENT,
                List.of("PSYCHOSOCIAL_SUPPORT"),
                "ngo-caseworker",
                EARLIER);
        c.reference = "CASE-2026-000001";
        return c;
    }

    private static CaseFile inState(String state) {
        CaseFile c;
        switch (state) {
            case "OPEN_DETAILS_PENDING" -> c = fromReferral();
            case "OPEN" -> {
                c = fromReferral();
                c.receiveDetails("{\"granted\":true}", null, true, EARLIER);
            }
            case "OPEN_CONSENT_EXPIRED" -> {
                c = new CaseFile();
                c.openWalkIn(
                        "ngo-casa-ecoute",
                        SURVIVOR,
                        Priority.ROUTINE,
                        List.of("SHELTER"),
                        "ngo-caseworker",
                        "{\"granted\":true}",
                        NOW.minusSeconds(1),
                        EARLIER);
                c.reference = "CASE-2026-000002";
            }
            case "OPEN_ERASED" -> {
                c = inState("OPEN");
                c.erase("consent-withdrawn", EARLIER);
            }
            case "CLOSED" -> {
                c = inState("OPEN");
                c.close("SERVICES_DELIVERED", EARLIER);
            }
            case "CLOSED_ERASED" -> {
                c = inState("CLOSED");
                c.erase("consent-withdrawn", EARLIER);
            }
            default -> throw new IllegalArgumentException(state);
        }
        return c;
    }

    private static CaseAction newAction() {
        CaseAction a = new CaseAction();
        a.id = Uuids.v7();
        a.type = "FOLLOW_UP_CALL";
        a.dueAt = Instant.parse("2026-12-01T09:00:00Z");
        a.createdBy = "ngo-caseworker";
        a.createdAt = NOW;
        return a;
    }

    private static CaseAction actionOf(CaseFile c) {
        CaseAction a = newAction();
        a.caseId = c.id;
        return a;
    }

    /** The answer to {@code change} on {@code c}: 200, or the problem's status. */
    private static int attempt(CaseFile c, String change) {
        try {
            switch (change) {
                case "open" ->
                    c.openWalkIn(
                            "ngo-casa-ecoute", SURVIVOR, Priority.ROUTINE, List.of("SHELTER"), null, "{}", null, NOW);
                case "receive-details" -> c.receiveDetails("{}", null, true, NOW);
                case "assign" -> c.assign("ngo-supervisor", NOW);
                case "assess" -> c.assess(Uuids.v7(), new RiskScoring.Result(3, RiskLevel.STANDARD), NOW);
                case "add-action" -> c.addAction(newAction(), NOW);
                case "complete-action" -> c.completeAction(actionOf(c), "ngo-caseworker", NOW);
                case "close" -> c.close("OTHER", NOW);
                case "erase" -> c.erase("consent-withdrawn", NOW);
                default -> throw new IllegalArgumentException(change);
            }
            return 200;
        } catch (ProblemException e) {
            return e.problem().status;
        }
    }

    /** What a refused change must leave as it was. */
    private static List<Object> state(CaseFile c) {
        return java.util.Arrays.asList(
                c.id,
                c.status,
                c.assignee,
                c.riskLevel,
                c.priority,
                c.outcome,
                c.closedAt,
                c.dataErasedAt,
                c.detailsPending,
                c.consent,
                c.updatedAt);
    }

    @Test
    void everyChangeInEveryStateAnswersAsTheApiGuideSays() {
        String[] header = TABLE.strip().split("\n")[0].substring(1).trim().split("\\s+");
        Map<String, Integer> expected = new HashMap<>();
        List<String> states = new java.util.ArrayList<>();
        for (String line : TABLE.strip().split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] cells = line.trim().split("\\s+");
            states.add(cells[0]);
            for (int i = 1; i < header.length; i++) {
                expected.put(cells[0] + " " + header[i], Integer.parseInt(cells[i]));
            }
        }
        assertEquals(6 * 8, expected.size());
        for (String state : states) {
            for (int i = 1; i < header.length; i++) {
                CaseFile c = inState(state);
                List<Object> before = state(c);
                int answer = attempt(c, header[i]);
                String key = state + " " + header[i];
                assertEquals(expected.get(key), answer, key);
                if (answer != 200) {
                    assertEquals(before, state(c), key + ": a refused change changes nothing");
                }
            }
        }
    }

    @Test
    void openingFromAReferralWaitsForItsDetails() {
        CaseFile c = new CaseFile();
        CaseChange change = c.openFromReferral(
                REFERRAL, "ngo-casa-ecoute", SURVIVOR, Priority.URGENT, List.of("PSYCHOSOCIAL_SUPPORT"), null, NOW);
        assertNull(change.from());
        assertEquals(CaseStatus.OPEN, change.to());
        assertEquals(CaseEvents.OPENED, change.event());
        assertEquals("opened", change.timeline());
        assertEquals(Map.of("referralId", REFERRAL.toString()), change.changed());
        assertNotNull(c.id);
        assertTrue(c.detailsPending);
        assertEquals(List.of(c.id.toString(), REFERRAL.toString()), c.relatedIds());
        assertEquals(NOW, c.openedAt);

        CaseChange details = c.receiveDetails("{\"granted\":true}", NOW.plusSeconds(86400), false, NOW.plusSeconds(5));
        assertNull(details.event(), "details received publish nothing");
        assertEquals(Map.of("survivorData", false), details.changed());
        assertFalse(c.detailsPending);
        assertEquals(NOW.plusSeconds(86400), c.consentExpiresAt);
    }

    @Test
    void aWalkInHasNoReferralAndKeepsItsConsent() {
        CaseFile c = new CaseFile();
        CaseChange change = c.openWalkIn(
                "ngo-casa-ecoute",
                SURVIVOR,
                Priority.ROUTINE,
                List.of("SHELTER"),
                null,
                "{\"granted\":true}",
                NOW.plusSeconds(60),
                NOW);
        assertEquals(Map.of("walkIn", true), change.changed());
        assertFalse(c.detailsPending);
        assertEquals(List.of(c.id.toString()), c.relatedIds());
        assertFalse(c.consentLapsed(NOW));
        assertTrue(c.consentLapsed(NOW.plusSeconds(60)), "her consent ends at expiresAt");
    }

    @Test
    void enteringHighRiskRaisesThePriorityAndTheAlarmOnce() {
        CaseFile c = inState("OPEN");
        assertEquals(
                1,
                c.assess(Uuids.v7(), new RiskScoring.Result(9, RiskLevel.STANDARD), NOW)
                        .size());

        List<CaseChange> high = c.assess(Uuids.v7(), new RiskScoring.Result(14, RiskLevel.HIGH), NOW);
        assertEquals(
                List.of(CaseEvents.RISK_ASSESSED, CaseEvents.HIGH_RISK),
                high.stream().map(CaseChange::event).toList());
        assertEquals(
                Map.of("priority", "EMERGENCY", "from", "URGENT"), high.get(1).changed());
        assertEquals(Priority.EMERGENCY, c.priority);
        assertEquals(RiskLevel.HIGH, c.riskLevel);

        assertEquals(
                1,
                c.assess(Uuids.v7(), new RiskScoring.Result(14, RiskLevel.HIGH), NOW)
                        .size(),
                "still HIGH: no alarm");
        c.assess(Uuids.v7(), new RiskScoring.Result(10, RiskLevel.MEDIUM), NOW);
        assertEquals(Priority.EMERGENCY, c.priority, "never lowered automatically");
        assertEquals(
                1,
                c.assess(Uuids.v7(), new RiskScoring.Result(20, RiskLevel.HIGH), NOW)
                        .size(),
                "the alarm is raised once");
    }

    @Test
    void completingAnActionTwiceOrAnotherCasesIsRefused() {
        CaseFile c = inState("OPEN");
        CaseAction a = actionOf(c);
        CaseChange done = c.completeAction(a, "ngo-caseworker", NOW);
        assertEquals(Map.of("actionId", a.id.toString()), done.changed());
        assertEquals(NOW, a.completedAt);
        assertEquals("ngo-caseworker", a.completedBy);
        assertEquals(
                409,
                assertThrows(ProblemException.class, () -> c.completeAction(a, "x", NOW))
                        .problem()
                        .status);
        CaseAction elsewhere = newAction();
        elsewhere.caseId = Uuids.v7();
        assertEquals(
                404,
                assertThrows(ProblemException.class, () -> c.completeAction(elsewhere, "x", NOW))
                        .problem()
                        .status);
        assertEquals(
                404,
                assertThrows(ProblemException.class, () -> c.completeAction(null, "x", NOW))
                        .problem()
                        .status);
    }

    @Test
    void closingAndErasing() {
        CaseFile c = inState("OPEN");
        c.subjectCt = "v1:subject";
        CaseChange closed = c.close("LOST_CONTACT", NOW);
        assertEquals(CaseStatus.OPEN, closed.from());
        assertEquals(CaseStatus.CLOSED, closed.to());
        assertEquals(NOW, c.closedAt);
        c.summaryCt = "v1:summary";
        CaseChange erased = c.erase("consent-expired", NOW.plusSeconds(1));
        assertEquals(CaseStatus.CLOSED, erased.from());
        assertEquals(CaseStatus.CLOSED, erased.to());
        assertEquals(Map.of("reason", "consent-expired"), erased.changed());
        assertNull(c.subjectCt);
        assertNull(c.summaryCt);
        assertEquals(NOW.plusSeconds(1), c.dataErasedAt);
        assertTrue(c.consentLapsed(NOW));
    }

    @Test
    void theEventsKeepTheirJson() throws Exception {
        CaseFile c = inState("OPEN");
        String state = """
                "caseId": "%s", "reference": "CASE-2026-000001", "owningAgencyId": "ngo-casa-ecoute", "referralId": "%s",
                "survivorId": "%s", "services": ["PSYCHOSOCIAL_SUPPORT"]""".formatted(c.id, REFERRAL, SURVIVOR);
        assertEvent(
                "{" + state + ", \"status\": \"OPEN\", \"priority\": \"URGENT\", \"assignee\": \"ngo-supervisor\"}",
                c,
                c.assign("ngo-supervisor", NOW));
        UUID assessment = UUID.fromString("0192f0c4-0000-7000-8000-000000000003");
        List<CaseChange> high = c.assess(assessment, new RiskScoring.Result(15, RiskLevel.HIGH), NOW);
        // both events are written once the assessment is done: the risk-assessed one already shows the raised priority
        String assessed =
                state + ", \"status\": \"OPEN\", \"priority\": \"EMERGENCY\", \"assignee\": \"ngo-supervisor\","
                        + " \"riskLevel\": \"HIGH\"";
        assertEvent(
                "{" + assessed + ", \"score\": 15, \"level\": \"HIGH\", \"assessmentId\": \"" + assessment + "\"}",
                c,
                high.get(0));
        assertEvent("{" + assessed + ", \"level\": \"HIGH\"}", c, high.get(1));
        CaseAction a = newAction();
        assertEvent(
                "{" + assessed + ", \"actionId\": \"" + a.id
                        + "\", \"type\": \"FOLLOW_UP_CALL\", \"dueAt\": \"2026-12-01T09:00:00Z\"}",
                c,
                c.addAction(a, NOW));
        CaseAction b = newAction();
        assertEquals(
                Map.of("actionId", b.id.toString(), "type", "FOLLOW_UP_CALL", "dueAt", "2026-12-01T09:00:00Z"),
                c.addAction(b, NOW).changed());
        assertEvent(
                "{" + assessed + ", \"actionId\": \"" + a.id + "\"}", c, c.completeAction(a, "ngo-caseworker", NOW));
        String closed =
                state + ", \"status\": \"CLOSED\", \"priority\": \"EMERGENCY\", \"assignee\": \"ngo-supervisor\","
                        + " \"riskLevel\": \"HIGH\"";
        assertEvent("{" + closed + ", \"outcome\": \"TRANSFERRED\"}", c, c.close("TRANSFERRED", NOW));
        assertEvent("{" + closed + ", \"reason\": \"consent-withdrawn\"}", c, c.erase("consent-withdrawn", NOW));

        CaseFile walkIn = new CaseFile();
        CaseChange opened = walkIn.openWalkIn(
                "ngo-casa-ecoute", SURVIVOR, Priority.ROUTINE, List.of("SHELTER"), null, "{}", null, NOW);
        walkIn.reference = "CASE-2026-000009";
        assertEvent("""
                {"caseId": "%s", "reference": "CASE-2026-000009", "owningAgencyId": "ngo-casa-ecoute", "survivorId": "%s",
                 "status": "OPEN", "priority": "ROUTINE", "services": ["SHELTER"]}""".formatted(walkIn.id, SURVIVOR), walkIn, opened);
    }

    private static void assertEvent(String expectedJson, CaseFile c, CaseChange change) throws Exception {
        JsonNode expected = JSON.readTree(expectedJson);
        assertEquals(expected, EventData.of(change.eventData(c)), change.event());
    }
}
