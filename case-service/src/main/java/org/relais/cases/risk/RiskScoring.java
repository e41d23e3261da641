package org.relais.cases.risk;

import java.util.Map;

/**
 * Scoring of API guide section 5.5: the score counts the {@code true} answers; 0-9 STANDARD, 10-13 MEDIUM,
 * 14 and more HIGH. A professional judgement raises the level, never lowers it.
 */
public final class RiskScoring {

    public record Result(int score, RiskLevel level) {}

    private RiskScoring() {}

    public static Result score(Map<String, Boolean> answers, RiskLevel judgement) {
        int score = (int) answers.values().stream().filter(Boolean.TRUE::equals).count();
        RiskLevel computed = score >= 14 ? RiskLevel.HIGH : score >= 10 ? RiskLevel.MEDIUM : RiskLevel.STANDARD;
        RiskLevel level = judgement != null && judgement.compareTo(computed) > 0 ? judgement : computed;
        return new Result(score, level);
    }

    /** A case enters HIGH when this assessment is HIGH and none before it was: that alone raises the alarm. */
    public static boolean entersHigh(RiskLevel previous, RiskLevel current) {
        return current == RiskLevel.HIGH && previous != RiskLevel.HIGH;
    }
}
