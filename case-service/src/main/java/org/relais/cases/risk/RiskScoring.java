package org.relais.cases.risk;

import java.util.Map;

/**
 * Scoring of CONTRACT section 5: the score counts the {@code true} answers; 0-9 STANDARD, 10-13 MEDIUM,
 * 14 and more HIGH. A professional judgement raises the level, never lowers it.
 */
public final class RiskScoring {

    public enum Level { STANDARD, MEDIUM, HIGH }

    public record Result(int score, Level level) {
    }

    private RiskScoring() {
    }

    public static Result score(Map<String, Boolean> answers, Level judgement) {
        int score = (int) answers.values().stream().filter(Boolean.TRUE::equals).count();
        Level computed = score >= 14 ? Level.HIGH : score >= 10 ? Level.MEDIUM : Level.STANDARD;
        Level level = judgement != null && judgement.compareTo(computed) > 0 ? judgement : computed;
        return new Result(score, level);
    }

    /** A case enters HIGH when this assessment is HIGH and none before it was: that alone raises the alarm. */
    public static boolean entersHigh(Level previous, Level current) {
        return current == Level.HIGH && previous != Level.HIGH;
    }
}
