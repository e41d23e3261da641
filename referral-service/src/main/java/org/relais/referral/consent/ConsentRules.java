package org.relais.referral.consent;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.relais.blocks.problem.FieldError;
import org.relais.referral.flow.Referral;
import org.relais.referral.flow.ReferralCodec;
import org.relais.referral.flow.ReferralInput.Consent;
import org.relais.referral.flow.ReferralInput.ConsentScope;
import org.relais.referral.flow.ReferralInput.CreateReferral;
import org.relais.referral.flow.ReferralView;

/**
 * Survivor data is accepted only inside the consent's scope: a field outside it is refused with its
 * pointer (never silently dropped); without consent a referral is anonymous. IDENTITY covers
 * {@code subject.fullName}, {@code birthYear} and {@code languages}; CONTACT covers
 * {@code subject.safeContact}; NARRATIVE covers {@code reason} and notes. {@code externalReference}
 * needs consent of any scope.
 */
public final class ConsentRules {

    private ConsentRules() {}

    /** The new referral's consent and survivor data, judged at {@code now}: every field outside the rules, with its pointer. */
    public static List<FieldError> check(CreateReferral in, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        Consent c = in.consent();
        Set<ConsentScope> scope = c.scope() == null || c.scope().isEmpty()
                ? EnumSet.noneOf(ConsentScope.class)
                : EnumSet.copyOf(c.scope());
        if (Boolean.TRUE.equals(c.granted())) {
            if (scope.isEmpty()) {
                errors.add(new FieldError("/consent/scope", "must name at least one scope when consent is granted"));
            }
            if (c.method() == null) {
                errors.add(new FieldError("/consent/method", "must not be null when consent is granted"));
            }
            if (c.recordedAt() == null) {
                errors.add(new FieldError("/consent/recordedAt", "must not be null when consent is granted"));
            } else if (c.recordedAt().isAfter(now.plusSeconds(300))) {
                errors.add(new FieldError("/consent/recordedAt", "must not be in the future"));
            }
            if (c.recordedBy() == null || c.recordedBy().isBlank()) {
                errors.add(new FieldError("/consent/recordedBy", "must not be blank when consent is granted"));
            }
            if (c.expiresAt() != null && !c.expiresAt().isAfter(now)) {
                errors.add(new FieldError("/consent/expiresAt", "must be in the future"));
            }
        } else {
            if (!scope.isEmpty()) {
                errors.add(new FieldError("/consent/scope", "must be empty without consent"));
            }
            if (Boolean.TRUE.equals(c.allowOnwardReferral())) {
                errors.add(new FieldError("/consent/allowOnwardReferral", "needs the survivor's consent"));
            }
        }
        var s = in.subject();
        if (s != null) {
            if (!scope.contains(ConsentScope.IDENTITY)) {
                if (s.fullName() != null) {
                    errors.add(new FieldError("/subject/fullName", "is outside the consent scope (IDENTITY)"));
                }
                if (s.birthYear() != null) {
                    errors.add(new FieldError("/subject/birthYear", "is outside the consent scope (IDENTITY)"));
                }
                if (s.languages() != null && !s.languages().isEmpty()) {
                    errors.add(new FieldError("/subject/languages", "is outside the consent scope (IDENTITY)"));
                }
            }
            if (s.safeContact() != null && !scope.contains(ConsentScope.CONTACT)) {
                errors.add(new FieldError("/subject/safeContact", "is outside the consent scope (CONTACT)"));
            }
            if (!Boolean.TRUE.equals(c.granted())
                    && errors.stream().noneMatch(e -> e.field().startsWith("/subject"))) {
                errors.add(new FieldError("/subject", "must be absent without consent (anonymous referral)"));
            }
        }
        if (in.reason() != null && !scope.contains(ConsentScope.NARRATIVE)) {
            errors.add(new FieldError(
                    "/reason",
                    Boolean.TRUE.equals(c.granted())
                            ? "is outside the consent scope (NARRATIVE)"
                            : "must be absent without consent (anonymous referral)"));
        }
        if (in.externalReference() != null && !Boolean.TRUE.equals(c.granted())) {
            errors.add(new FieldError("/externalReference", "must be absent without consent"));
        }
        if (in.incident() != null
                && in.incident().occurredOn() != null
                && in.incident()
                        .occurredOn()
                        .isAfter(LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1))) {
            errors.add(new FieldError("/incident/occurredOn", "must not be in the future"));
        }
        return errors;
    }

    /** The consent as kept with the referral: coded facts, no survivor data. */
    public static ReferralView.ConsentView record(Consent c) {
        boolean granted = Boolean.TRUE.equals(c.granted());
        return new ReferralView.ConsentView(
                granted,
                granted && c.scope() != null ? List.copyOf(EnumSet.copyOf(c.scope())) : List.of(),
                c.method(),
                c.recordedAt(),
                c.recordedBy(),
                granted && Boolean.TRUE.equals(c.allowOnwardReferral()),
                c.expiresAt(),
                null,
                null);
    }

    /** The scopes her consent covers now: none once withdrawn or never granted. */
    public static Set<ConsentScope> scopes(Referral r) {
        ReferralView.ConsentView c = ReferralCodec.consentOf(r);
        return c.granted() && c.withdrawnAt() == null && !c.scope().isEmpty()
                ? EnumSet.copyOf(c.scope())
                : EnumSet.noneOf(ConsentScope.class);
    }
}
