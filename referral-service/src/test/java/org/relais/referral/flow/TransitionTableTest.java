package org.relais.referral.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every (status, action, caller) triple, its expected HTTP status written out literally from the API guide
 * section 4 — not derived from {@link ReferralAction}. Columns: the caller is the sender (S), the
 * receiver (R) or another agency (O).
 */
class TransitionTableTest {

    private static final String TABLE = """
            # status        action            S    R    O
            SENT            acknowledge       403  200  404
            SENT            accept            403  200  404
            SENT            decline           403  200  404
            SENT            redirect          403  200  404
            SENT            start             403  409  404
            SENT            hold              403  409  404
            SENT            complete          403  409  404
            SENT            fail              403  409  404
            SENT            withdraw          200  403  404
            SENT            withdraw-consent  200  200  404
            ACKNOWLEDGED    acknowledge       403  409  404
            ACKNOWLEDGED    accept            403  200  404
            ACKNOWLEDGED    decline           403  200  404
            ACKNOWLEDGED    redirect          403  200  404
            ACKNOWLEDGED    start             403  409  404
            ACKNOWLEDGED    hold              403  409  404
            ACKNOWLEDGED    complete          403  409  404
            ACKNOWLEDGED    fail              403  409  404
            ACKNOWLEDGED    withdraw          200  403  404
            ACKNOWLEDGED    withdraw-consent  200  200  404
            ACCEPTED        acknowledge       403  409  404
            ACCEPTED        accept            403  409  404
            ACCEPTED        decline           403  409  404
            ACCEPTED        redirect          403  409  404
            ACCEPTED        start             403  200  404
            ACCEPTED        hold              403  200  404
            ACCEPTED        complete          403  200  404
            ACCEPTED        fail              403  200  404
            ACCEPTED        withdraw          200  403  404
            ACCEPTED        withdraw-consent  200  200  404
            IN_PROGRESS     acknowledge       403  409  404
            IN_PROGRESS     accept            403  409  404
            IN_PROGRESS     decline           403  409  404
            IN_PROGRESS     redirect          403  409  404
            IN_PROGRESS     start             403  409  404
            IN_PROGRESS     hold              403  200  404
            IN_PROGRESS     complete          403  200  404
            IN_PROGRESS     fail              403  200  404
            IN_PROGRESS     withdraw          200  403  404
            IN_PROGRESS     withdraw-consent  200  200  404
            ON_HOLD         acknowledge       403  409  404
            ON_HOLD         accept            403  409  404
            ON_HOLD         decline           403  409  404
            ON_HOLD         redirect          403  409  404
            ON_HOLD         start             403  200  404
            ON_HOLD         hold              403  409  404
            ON_HOLD         complete          403  200  404
            ON_HOLD         fail              403  200  404
            ON_HOLD         withdraw          200  403  404
            ON_HOLD         withdraw-consent  200  200  404
            DECLINED        acknowledge       403  409  404
            DECLINED        accept            403  409  404
            DECLINED        decline           403  409  404
            DECLINED        redirect          403  409  404
            DECLINED        start             403  409  404
            DECLINED        hold              403  409  404
            DECLINED        complete          403  409  404
            DECLINED        fail              403  409  404
            DECLINED        withdraw          409  403  404
            DECLINED        withdraw-consent  200  200  404
            REDIRECTED      acknowledge       403  409  404
            REDIRECTED      accept            403  409  404
            REDIRECTED      decline           403  409  404
            REDIRECTED      redirect          403  409  404
            REDIRECTED      start             403  409  404
            REDIRECTED      hold              403  409  404
            REDIRECTED      complete          403  409  404
            REDIRECTED      fail              403  409  404
            REDIRECTED      withdraw          409  403  404
            REDIRECTED      withdraw-consent  200  200  404
            COMPLETED       acknowledge       403  409  404
            COMPLETED       accept            403  409  404
            COMPLETED       decline           403  409  404
            COMPLETED       redirect          403  409  404
            COMPLETED       start             403  409  404
            COMPLETED       hold              403  409  404
            COMPLETED       complete          403  409  404
            COMPLETED       fail              403  409  404
            COMPLETED       withdraw          409  403  404
            COMPLETED       withdraw-consent  200  200  404
            FAILED          acknowledge       403  409  404
            FAILED          accept            403  409  404
            FAILED          decline           403  409  404
            FAILED          redirect          403  409  404
            FAILED          start             403  409  404
            FAILED          hold              403  409  404
            FAILED          complete          403  409  404
            FAILED          fail              403  409  404
            FAILED          withdraw          409  403  404
            FAILED          withdraw-consent  200  200  404
            WITHDRAWN       acknowledge       403  409  404
            WITHDRAWN       accept            403  409  404
            WITHDRAWN       decline           403  409  404
            WITHDRAWN       redirect          403  409  404
            WITHDRAWN       start             403  409  404
            WITHDRAWN       hold              403  409  404
            WITHDRAWN       complete          403  409  404
            WITHDRAWN       fail              403  409  404
            WITHDRAWN       withdraw          409  403  404
            WITHDRAWN       withdraw-consent  200  200  404
            """;

    static Map<String, Integer> expected() {
        Map<String, Integer> m = new HashMap<>();
        List<ReferralAction.Caller> callers =
                List.of(ReferralAction.Caller.SENDER, ReferralAction.Caller.RECEIVER, ReferralAction.Caller.OTHER);
        for (String line : TABLE.strip().split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] c = line.trim().split("\\s+");
            for (int i = 0; i < 3; i++) {
                m.put(c[0] + " " + c[1] + " " + callers.get(i), Integer.parseInt(c[2 + i]));
            }
        }
        return m;
    }

    static int httpStatus(ReferralAction.Verdict v) {
        return switch (v) {
            case ALLOWED -> 200;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case ILLEGAL -> 409;
        };
    }

    @Test
    void everyTripleAnswersAsTheContractSays() {
        Map<String, Integer> expected = expected();
        assertEquals(ReferralStatus.values().length * ReferralAction.values().length * 3, expected.size());
        for (ReferralStatus status : ReferralStatus.values()) {
            for (ReferralAction action : ReferralAction.values()) {
                for (ReferralAction.Caller caller : ReferralAction.Caller.values()) {
                    String key = status + " " + action.path() + " " + caller;
                    assertEquals(expected.get(key), httpStatus(action.check(status, caller)), key);
                }
            }
        }
    }

    @Test
    void withdrawingConsentEndsOnlyALiveReferral() {
        assertEquals(ReferralStatus.WITHDRAWN, ReferralAction.WITHDRAW_CONSENT.target(ReferralStatus.ACCEPTED));
        assertEquals(ReferralStatus.COMPLETED, ReferralAction.WITHDRAW_CONSENT.target(ReferralStatus.COMPLETED));
        assertEquals(ReferralStatus.REDIRECTED, ReferralAction.REDIRECT.target(ReferralStatus.SENT));
    }

    @Test
    void theFhirTaskMappingIsKept() {
        assertEquals("requested", ReferralStatus.SENT.fhirTaskStatus());
        assertEquals("rejected", ReferralStatus.REDIRECTED.fhirTaskStatus());
        assertEquals("cancelled", ReferralStatus.WITHDRAWN.fhirTaskStatus());
    }
}
