package org.relais.referral.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.problem.ProblemException;
import org.relais.referral.Priority;
import org.relais.referral.flow.ReferralAction.Caller;

/**
 * The referral aggregate's transitions, taken on the aggregate itself (no database): every (status, action, caller)
 * triple of {@link TransitionTableTest}'s table either moves the referral to the status written out below and says
 * which history entry and events follow, or refuses with the table's 403, 404 or 409 and leaves the referral as it
 * was; and the transitions that are not a party's request (consent ending, the case closing, a deadline passing).
 */
class ReferralTest {

    private static final Instant BEFORE = Instant.parse("2026-11-23T08:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-23T09:00:00.123456Z");
    private static final UUID ONWARD = UUID.fromString("0190f3a0-0000-7000-8000-000000000002");

    /** Where each legal action leads (API guide section 4), and the events it publishes. */
    private static final String MOVES = """
            acknowledge       ACKNOWLEDGED  relais.referral.acknowledged
            accept            ACCEPTED      relais.referral.accepted
            decline           DECLINED      relais.referral.declined
            redirect          REDIRECTED    relais.referral.redirected
            start             IN_PROGRESS   relais.referral.started
            hold              ON_HOLD       relais.referral.held
            complete          COMPLETED     relais.referral.completed
            fail              FAILED        relais.referral.failed
            withdraw          WITHDRAWN     relais.referral.withdrawn
            withdraw-consent  WITHDRAWN     relais.referral.consent-withdrawn,relais.referral.withdrawn
            """;

    @Test
    void everyTransitionMovesOrRefusesAsTheTableSays() {
        Map<String, Integer> expected = TransitionTableTest.expected();
        Map<String, String[]> moves = new HashMap<>();
        for (String line : MOVES.strip().split("\n")) {
            String[] c = line.trim().split("\\s+");
            moves.put(c[0], c);
        }
        for (ReferralStatus status : ReferralStatus.values()) {
            for (ReferralAction action : ReferralAction.values()) {
                for (Caller caller : Caller.values()) {
                    String key = status + " " + action.path() + " " + caller;
                    Referral r = referral(status);
                    int code = expected.get(key);
                    if (code != 200) {
                        ProblemException refused =
                                assertThrows(ProblemException.class, () -> take(r, action, caller), key);
                        assertEquals(code, refused.problem().status, key);
                        assertEquals(status, r.status, key);
                        assertEquals(BEFORE, r.updatedAt, key);
                        continue;
                    }
                    Transition t = take(r, action, caller);
                    String[] move = moves.get(action.path());
                    boolean ends = action == ReferralAction.WITHDRAW_CONSENT && status.terminal();
                    ReferralStatus to = ends ? status : ReferralStatus.valueOf(move[1]);
                    List<String> events =
                            ends ? List.of(ReferralEvents.CONSENT_WITHDRAWN) : List.of(move[2].split(","));
                    assertEquals(action.path(), t.action(), key);
                    assertEquals(status, t.from(), key);
                    assertEquals(to, t.to(), key);
                    assertEquals(to, r.status, key);
                    assertEquals(events, t.eventTypes(), key);
                    assertEquals(NOW, r.updatedAt, key);
                }
            }
        }
    }

    @Test
    void eachTransitionCarriesItsOwnFields() {
        Referral accepted = referral(ReferralStatus.ACKNOWLEDGED);
        Transition accept = accepted.accept(Caller.RECEIVER, "ngo-caseworker", NOW);
        assertEquals("ngo-caseworker", accepted.assignee);
        assertEquals(
                "ngo-caseworker", accept.events().get(0).data(state(accepted)).assignee());
        assertNull(accept.reasonCode());

        Referral declined = referral(ReferralStatus.SENT);
        Transition decline = declined.decline(Caller.RECEIVER, "NO_CAPACITY", NOW);
        assertEquals("NO_CAPACITY", decline.reasonCode());
        assertEquals(
                "NO_CAPACITY", decline.events().get(0).data(state(declined)).reasonCode());

        Referral redirected = referral(ReferralStatus.SENT);
        Transition redirect = redirected.redirectTo(Caller.RECEIVER, ONWARD, "shelter", NOW);
        assertEquals(ONWARD, redirected.redirectedToId);
        ReferralEvents.Data data = redirect.events().get(0).data(state(redirected));
        assertEquals(ONWARD, data.redirectedToId());
        assertEquals("shelter", data.toAgencyId());

        Referral completed = referral(ReferralStatus.IN_PROGRESS);
        Transition complete = completed.complete(Caller.RECEIVER, "SERVICES_DELIVERED", NOW);
        assertEquals("SERVICES_DELIVERED", completed.outcome);
        assertNull(complete.events().get(0).data(state(completed)).reasonCode());

        Referral failed = referral(ReferralStatus.ON_HOLD);
        Transition fail = failed.fail(Caller.RECEIVER, "NO_SHOW", NOW);
        assertEquals("NO_SHOW", failed.outcome);
        assertEquals("NO_SHOW", fail.reasonCode());
        assertEquals("NO_SHOW", fail.events().get(0).data(state(failed)).reasonCode());

        Referral held = referral(ReferralStatus.ACCEPTED);
        assertEquals(
                "WAITLIST",
                held.hold(Caller.RECEIVER, "WAITLIST", NOW)
                        .events()
                        .get(0)
                        .data(state(held))
                        .reasonCode());

        Referral withdrawn = referral(ReferralStatus.SENT);
        assertEquals(
                "ERROR",
                withdrawn
                        .withdraw(Caller.SENDER, "ERROR", NOW)
                        .events()
                        .get(0)
                        .data(state(withdrawn))
                        .reasonCode());
    }

    @Test
    void aReferralThatMovesOnIsNoLongerOverdue() {
        Referral r = referral(ReferralStatus.ACKNOWLEDGED);
        r.overdue = true;
        r.accept(Caller.RECEIVER, null, NOW);
        assertFalse(r.overdue);
    }

    @Test
    void sendingSetsTheReceiversDeadlines() {
        Referral r = new Referral();
        Transition sent = r.send(Duration.ofHours(4), NOW);
        assertEquals(ReferralStatus.SENT, r.status);
        assertEquals(NOW, r.createdAt);
        assertEquals(NOW.plus(Duration.ofHours(4)), r.acknowledgeBy);
        assertEquals(NOW.plus(Duration.ofHours(8)), r.decideBy);
        assertEquals(new Transition("send", null, ReferralStatus.SENT, null, sent.events()), sent);
        assertEquals(List.of(ReferralEvents.SENT), sent.eventTypes());
    }

    @Test
    void aRedirectMakesTheOnwardReferralFromTheReceiver() {
        Referral r = referral(ReferralStatus.ACKNOWLEDGED);
        Referral onward = r.onward(ONWARD, "shelter", "ngo-caseworker");
        assertEquals(ONWARD, onward.id);
        assertEquals("ngo", onward.sendingAgencyId);
        assertEquals("shelter", onward.receivingAgencyId);
        assertEquals("police", onward.originAgencyId);
        assertEquals(r.id, onward.redirectedFromId);
        assertEquals(r.survivorId, onward.survivorId);
        assertEquals(r.consent, onward.consent);
        assertNull(onward.subjectCt);

        r.originAgencyId = "first";
        assertEquals("first", r.onward(ONWARD, "shelter", "ngo-caseworker").originAgencyId);
    }

    @Test
    void onceTheCaseExistsOnlyItsClosureEndsTheReferral() {
        for (ReferralAction action : List.of(ReferralAction.COMPLETE, ReferralAction.FAIL)) {
            Referral r = referral(ReferralStatus.IN_PROGRESS);
            r.receivingCaseId = UUID.randomUUID();
            ProblemException refused = assertThrows(ProblemException.class, () -> take(r, action, Caller.RECEIVER));
            assertEquals(409, refused.problem().status);
            assertEquals(ReferralStatus.IN_PROGRESS, r.status);
        }

        Referral completed = referral(ReferralStatus.IN_PROGRESS);
        completed.overdue = true;
        Transition closed = completed.closeFromCase("SERVICES_DELIVERED", NOW);
        assertEquals(
                new Transition(
                        "case-closed",
                        ReferralStatus.IN_PROGRESS,
                        ReferralStatus.COMPLETED,
                        "SERVICES_DELIVERED",
                        closed.events()),
                closed);
        assertEquals(List.of(ReferralEvents.COMPLETED), closed.eventTypes());
        assertEquals(
                "SERVICES_DELIVERED",
                closed.events().get(0).data(state(completed)).outcome());
        assertFalse(completed.overdue);

        Referral failed = referral(ReferralStatus.ACCEPTED);
        Transition lost = failed.closeFromCase("LOST_CONTACT", NOW);
        assertEquals(ReferralStatus.FAILED, failed.status);
        assertEquals("LOST_CONTACT", failed.outcome);
        assertEquals(List.of(ReferralEvents.FAILED), lost.eventTypes());

        Referral withdrawn = referral(ReferralStatus.WITHDRAWN);
        Transition late = withdrawn.closeFromCase("SERVICES_DELIVERED", NOW);
        assertEquals(
                new Transition("case-closed", ReferralStatus.WITHDRAWN, ReferralStatus.WITHDRAWN, "NO_OP", List.of()),
                late);
        assertNull(withdrawn.outcome);
        assertEquals(BEFORE, withdrawn.updatedAt);
    }

    @Test
    void endingHerConsentErasesHerDataOnce() {
        UUID origin = UUID.randomUUID();
        Referral r = referral(ReferralStatus.ACCEPTED);
        Transition t = r.endConsent(Caller.SENDER, "CONSENT_EXPIRED", "relais-referral-service", origin, NOW)
                .orElseThrow();
        assertEquals("CONSENT_EXPIRED", t.reasonCode());
        assertEquals(List.of(ReferralEvents.CONSENT_WITHDRAWN, ReferralEvents.WITHDRAWN), t.eventTypes());
        ReferralEvents.Data ended = t.events().get(0).data(state(r));
        assertEquals("CONSENT_EXPIRED", ended.reasonCode());
        assertEquals(origin, ended.cascadedFromId());
        ReferralEvents.Data withdrawn = t.events().get(1).data(state(r));
        assertEquals("CONSENT_EXPIRED", withdrawn.reasonCode());
        assertNull(withdrawn.cascadedFromId());
        assertTrue(r.erased());
        assertEquals(NOW, r.dataErasedAt);
        assertNull(r.subjectCt);
        assertNull(r.reasonCt);
        assertNull(r.externalReferenceCt);
        ReferralView.ConsentView consent = ReferralCodec.consentOf(r);
        assertFalse(consent.granted());
        assertFalse(consent.allowOnwardReferral());
        assertEquals(NOW, consent.withdrawnAt());
        assertEquals("relais-referral-service", consent.withdrawnBy());
        assertEquals(BEFORE, consent.recordedAt());

        assertTrue(r.endConsent(Caller.SENDER, "CONSENT_WITHDRAWN", "police-caseworker", null, NOW.plusSeconds(1))
                .isEmpty());
        assertEquals(NOW, r.dataErasedAt);
    }

    @Test
    void markingOverdueTellsEachMissedDeadlineOnce() {
        Referral sent = referral(ReferralStatus.SENT);
        sent.acknowledgeBy = NOW;
        Transition.Event ack = sent.markOverdue(NOW).orElseThrow();
        assertEquals(ReferralEvents.OVERDUE, ack.type());
        ReferralEvents.Data data = ack.data(state(sent));
        assertEquals("ACKNOWLEDGE", data.deadline());
        assertEquals(NOW, data.deadlineAt());
        assertTrue(sent.overdue);
        assertEquals(NOW, sent.overdueAt);
        assertTrue(sent.markOverdue(NOW.plusSeconds(60)).isEmpty());

        Referral acknowledged = referral(ReferralStatus.ACKNOWLEDGED);
        acknowledged.decideBy = NOW.minusSeconds(1);
        assertEquals(
                "DECIDE",
                acknowledged
                        .markOverdue(NOW)
                        .orElseThrow()
                        .data(state(acknowledged))
                        .deadline());
        assertTrue(acknowledged.markOverdue(NOW).isEmpty());

        Referral early = referral(ReferralStatus.SENT);
        assertTrue(early.markOverdue(NOW).isEmpty());
        assertFalse(early.overdue);

        Referral accepted = referral(ReferralStatus.ACCEPTED);
        accepted.acknowledgeBy = BEFORE;
        accepted.decideBy = BEFORE;
        assertTrue(accepted.markOverdue(NOW).isEmpty());
    }

    @Test
    void everyEventCarriesTheReferralsStateAndItsOwnFieldsAsText() throws Exception {
        Referral r = referral(ReferralStatus.ACKNOWLEDGED);
        r.incident = """
                {"forms":["PHYSICAL"],"occurredOn":"2026-11-20","ageBand":"25-34","childrenPresent":null,"needs":null}""";
        r.caseId = UUID.fromString("0190f3a0-0000-7000-8000-0000000000cc");
        String state = """
                "referralId": "0190f3a0-0000-7000-8000-000000000001", "reference": "REF-2026-000001",
                "priority": "URGENT", "services": ["PSYCHOSOCIAL_SUPPORT"], "survivorId": "0190f3a0-0000-7000-8000-0000000000aa",
                "sendingAgencyId": "police", "receivingAgencyId": "ngo",
                "incident": {"forms": ["PHYSICAL"], "occurredOn": "2026-11-20", "ageBand": "25-34"},
                "caseId": "0190f3a0-0000-7000-8000-0000000000cc",
                "acknowledgeBy": "2026-11-23T10:00:00.123456Z", "decideBy": "2026-11-23T11:00:00.123456Z\"""";
        Transition.Event overdue = referral(ReferralStatus.ACKNOWLEDGED)
                .markOverdue(NOW.plusSeconds(7200))
                .orElseThrow();
        assertEquals(
                json("{" + state + ", \"status\": \"ACKNOWLEDGED\", \"deadline\": \"DECIDE\", "
                        + "\"deadlineAt\": \"2026-11-23T11:00:00.123456Z\"}"),
                eventJson(r, overdue));

        Transition redirect = r.redirectTo(Caller.RECEIVER, ONWARD, "shelter", NOW);
        assertEquals(
                json("{" + state + ", \"status\": \"REDIRECTED\", \"redirectedToId\": \"" + ONWARD
                        + "\", \"toAgencyId\": \"shelter\"}"),
                eventJson(r, redirect.events().get(0)));

        UUID origin = UUID.fromString("0190f3a0-0000-7000-8000-0000000000dd");
        Transition ended = r.endConsent(Caller.SENDER, "CONSENT_WITHDRAWN", "police-caseworker", origin, NOW)
                .orElseThrow();
        assertEquals(
                json("{" + state + ", \"status\": \"REDIRECTED\", \"reasonCode\": \"CONSENT_WITHDRAWN\", "
                        + "\"cascadedFromId\": \"" + origin + "\"}"),
                eventJson(r, ended.events().get(0)));
    }

    private static Transition take(Referral r, ReferralAction action, Caller by) {
        return switch (action) {
            case ACKNOWLEDGE -> r.acknowledge(by, NOW);
            case ACCEPT -> r.accept(by, "ngo-caseworker", NOW);
            case DECLINE -> r.decline(by, "NO_CAPACITY", NOW);
            case REDIRECT -> r.redirectTo(by, ONWARD, "shelter", NOW);
            case START -> r.start(by, NOW);
            case HOLD -> r.hold(by, "WAITLIST", NOW);
            case COMPLETE -> r.complete(by, "SERVICES_DELIVERED", NOW);
            case FAIL -> r.fail(by, "NO_SHOW", NOW);
            case WITHDRAW -> r.withdraw(by, "ERROR", NOW);
            case WITHDRAW_CONSENT ->
                r.endConsent(by, "CONSENT_WITHDRAWN", "police-caseworker", null, NOW)
                        .orElseThrow();
        };
    }

    /** A referral from the police to the NGO, in {@code status}, last changed {@link #BEFORE}. */
    private static Referral referral(ReferralStatus status) {
        Referral r = new Referral();
        r.id = UUID.fromString("0190f3a0-0000-7000-8000-000000000001");
        r.reference = "REF-2026-000001";
        r.status = status;
        r.survivorId = UUID.fromString("0190f3a0-0000-7000-8000-0000000000aa");
        r.sendingAgencyId = "police";
        r.receivingAgencyId = "ngo";
        r.priority = Priority.URGENT;
        r.services = ",PSYCHOSOCIAL_SUPPORT,";
        r.consent = """
                {"granted":true,"scope":["IDENTITY"],"method":"VERBAL","recordedAt":"2026-11-23T08:00:00Z",\
                "recordedBy":"police-caseworker","allowOnwardReferral":true}""";
        r.dataKeyId = UUID.randomUUID();
        r.subjectCt = "ct-subject";
        r.reasonCt = "ct-reason";
        r.externalReferenceCt = "ct-ref";
        r.acknowledgeBy = NOW.plusSeconds(3600);
        r.decideBy = NOW.plusSeconds(7200);
        r.createdAt = BEFORE;
        r.updatedAt = BEFORE;
        return r;
    }

    private static JsonNode eventJson(Referral r, Transition.Event event) {
        return EventData.of(event.data(new ReferralCodec().eventData(r)));
    }

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }

    /** The referral's state as an event carries it (the fields each type adds come on top). */
    private static ReferralEvents.Data state(Referral r) {
        return ReferralEvents.Data.of(
                r.id,
                r.reference,
                r.status.name(),
                r.priority.name(),
                List.of("PSYCHOSOCIAL_SUPPORT"),
                r.survivorId,
                r.sendingAgencyId,
                r.receivingAgencyId,
                r.originAgencyId,
                null,
                r.redirectedFromId,
                r.caseId,
                r.receivingCaseId,
                r.outcome,
                r.acknowledgeBy,
                r.decideBy);
    }
}
