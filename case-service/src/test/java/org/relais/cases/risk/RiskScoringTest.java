package org.relais.cases.risk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RiskScoringTest {

    private static Map<String, Boolean> answers(int yes, int unknown) {
        Map<String, Boolean> m = new HashMap<>();
        for (int i = 1; i <= 24; i++) {
            m.put("q" + i, i <= yes ? Boolean.TRUE : i <= yes + unknown ? null : Boolean.FALSE);
        }
        return m;
    }

    @Test
    void levelsChangeAtTheContractsBoundaries() {
        assertEquals(new RiskScoring.Result(0, RiskLevel.STANDARD), RiskScoring.score(answers(0, 0), null));
        assertEquals(new RiskScoring.Result(9, RiskLevel.STANDARD), RiskScoring.score(answers(9, 0), null));
        assertEquals(new RiskScoring.Result(10, RiskLevel.MEDIUM), RiskScoring.score(answers(10, 0), null));
        assertEquals(new RiskScoring.Result(13, RiskLevel.MEDIUM), RiskScoring.score(answers(13, 0), null));
        assertEquals(new RiskScoring.Result(14, RiskLevel.HIGH), RiskScoring.score(answers(14, 0), null));
        assertEquals(new RiskScoring.Result(24, RiskLevel.HIGH), RiskScoring.score(answers(24, 0), null));
    }

    @Test
    void unknownAnswersCountAsNothing() {
        assertEquals(new RiskScoring.Result(9, RiskLevel.STANDARD), RiskScoring.score(answers(9, 15), null));
    }

    @Test
    void judgementRaisesButNeverLowers() {
        assertEquals(
                RiskLevel.HIGH, RiskScoring.score(answers(3, 0), RiskLevel.HIGH).level());
        assertEquals(
                RiskLevel.MEDIUM,
                RiskScoring.score(answers(3, 0), RiskLevel.MEDIUM).level());
        assertEquals(
                RiskLevel.HIGH,
                RiskScoring.score(answers(15, 0), RiskLevel.STANDARD).level());
        assertEquals(
                RiskLevel.MEDIUM,
                RiskScoring.score(answers(11, 0), RiskLevel.STANDARD).level());
        assertEquals(3, RiskScoring.score(answers(3, 0), RiskLevel.HIGH).score(), "the score stays the count");
    }

    @Test
    void highRiskIsRaisedOnlyOnEnteringHigh() {
        assertTrue(RiskScoring.entersHigh(null, RiskLevel.HIGH));
        assertTrue(RiskScoring.entersHigh(RiskLevel.MEDIUM, RiskLevel.HIGH));
        assertFalse(RiskScoring.entersHigh(RiskLevel.HIGH, RiskLevel.HIGH));
        assertFalse(RiskScoring.entersHigh(RiskLevel.STANDARD, RiskLevel.MEDIUM));
    }

    @Test
    void thereAre24QuestionsInThreeLanguages() {
        assertEquals(24, RiskQuestions.ALL.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 24; i++) {
            RiskQuestions.Question q = RiskQuestions.ALL.get(i);
            assertEquals("q" + (i + 1), q.id());
            assertTrue(ids.add(q.id()));
            assertTrue(q.fr().endsWith("?") && q.en().endsWith("?") && q.ar().endsWith("؟"), q.id());
        }
    }
}
