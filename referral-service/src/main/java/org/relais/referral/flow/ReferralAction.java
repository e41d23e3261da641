package org.relais.referral.flow;

import static org.relais.referral.flow.ReferralStatus.ACCEPTED;
import static org.relais.referral.flow.ReferralStatus.ACKNOWLEDGED;
import static org.relais.referral.flow.ReferralStatus.IN_PROGRESS;
import static org.relais.referral.flow.ReferralStatus.ON_HOLD;
import static org.relais.referral.flow.ReferralStatus.SENT;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.security.Permission;

/** The transitions of a referral (API guide section 4): who may take each, from which statuses, to which status. */
public enum ReferralAction {
    ACKNOWLEDGE("acknowledge", Party.RECEIVER, EnumSet.of(SENT), ReferralStatus.ACKNOWLEDGED),
    ACCEPT("accept", Party.RECEIVER, EnumSet.of(SENT, ACKNOWLEDGED), ReferralStatus.ACCEPTED),
    DECLINE("decline", Party.RECEIVER, EnumSet.of(SENT, ACKNOWLEDGED), ReferralStatus.DECLINED),
    REDIRECT("redirect", Party.RECEIVER, EnumSet.of(SENT, ACKNOWLEDGED), ReferralStatus.REDIRECTED),
    START("start", Party.RECEIVER, EnumSet.of(ACCEPTED, ON_HOLD), ReferralStatus.IN_PROGRESS),
    HOLD("hold", Party.RECEIVER, EnumSet.of(ACCEPTED, IN_PROGRESS), ReferralStatus.ON_HOLD),
    COMPLETE("complete", Party.RECEIVER, EnumSet.of(ACCEPTED, IN_PROGRESS, ON_HOLD), ReferralStatus.COMPLETED),
    FAIL("fail", Party.RECEIVER, EnumSet.of(ACCEPTED, IN_PROGRESS, ON_HOLD), ReferralStatus.FAILED),
    WITHDRAW("withdraw", Party.SENDER, nonTerminal(), ReferralStatus.WITHDRAWN),
    /** Allowed from any status; it ends the referral only if it is not terminal yet. */
    WITHDRAW_CONSENT("withdraw-consent", Party.EITHER, EnumSet.allOf(ReferralStatus.class), ReferralStatus.WITHDRAWN);

    public enum Party {
        SENDER,
        RECEIVER,
        EITHER
    }

    /** How the caller stands to the referral. */
    public enum Caller {
        SENDER,
        RECEIVER,
        OTHER
    }

    /** The outcome for a caller: taken, not theirs to take (403), not visible (404), or illegal now (409). */
    public enum Verdict {
        ALLOWED,
        FORBIDDEN,
        NOT_FOUND,
        ILLEGAL
    }

    private final String path;
    private final Party party;
    private final Set<ReferralStatus> from;
    private final ReferralStatus to;

    ReferralAction(String path, Party party, Set<ReferralStatus> from, ReferralStatus to) {
        this.path = path;
        this.party = party;
        this.from = from;
        this.to = to;
    }

    public String path() {
        return path;
    }

    /** The permission the caller's role must hold to take it (its agency's party role is checked after). */
    public Permission permission() {
        return switch (this) {
            case WITHDRAW -> Permission.REFERRAL_CREATE;
            case WITHDRAW_CONSENT -> Permission.REFERRAL_READ;
            default -> Permission.REFERRAL_RESPOND;
        };
    }

    public static Optional<ReferralAction> byPath(String path) {
        for (ReferralAction a : values()) {
            if (a.path.equals(path)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Checks in the API guide's order: visibility (404), the party's role (403), then the transition (409). */
    public Verdict check(ReferralStatus status, Caller caller) {
        if (caller == Caller.OTHER) {
            return Verdict.NOT_FOUND;
        }
        boolean party = switch (this.party) {
            case SENDER -> caller == Caller.SENDER;
            case RECEIVER -> caller == Caller.RECEIVER;
            case EITHER -> true;
        };
        if (!party) {
            return Verdict.FORBIDDEN;
        }
        return from.contains(status) ? Verdict.ALLOWED : Verdict.ILLEGAL;
    }

    /** The status after the action: withdrawing consent leaves a terminal referral as it is. */
    public ReferralStatus target(ReferralStatus status) {
        return this == WITHDRAW_CONSENT && status.terminal() ? status : to;
    }

    public String eventType() {
        return switch (this) {
            case ACKNOWLEDGE -> ReferralEvents.ACKNOWLEDGED;
            case ACCEPT -> ReferralEvents.ACCEPTED;
            case DECLINE -> ReferralEvents.DECLINED;
            case REDIRECT -> ReferralEvents.REDIRECTED;
            case START -> ReferralEvents.STARTED;
            case HOLD -> ReferralEvents.HELD;
            case COMPLETE -> ReferralEvents.COMPLETED;
            case FAIL -> ReferralEvents.FAILED;
            case WITHDRAW -> ReferralEvents.WITHDRAWN;
            case WITHDRAW_CONSENT -> ReferralEvents.CONSENT_WITHDRAWN;
        };
    }

    private static Set<ReferralStatus> nonTerminal() {
        Set<ReferralStatus> s = EnumSet.noneOf(ReferralStatus.class);
        for (ReferralStatus st : ReferralStatus.values()) {
            if (!st.terminal()) {
                s.add(st);
            }
        }
        return s;
    }
}
