package org.relais.blocks.validation;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Instant;
import java.time.LocalDate;

/**
 * An instant or a date a person could mean in this domain: from 1900 to 2200. Anything else is a typing
 * error or a probe (year 0001, +10000), refused as a 422 naming the field rather than stored or turned into
 * {@code infinity} by the driver. (Query parameters are checked the same way by {@code PageRequest}.)
 */
@Documented
@Constraint(validatedBy = {SensibleTime.ForInstant.class, SensibleTime.ForDate.class})
@Target({
    ElementType.FIELD,
    ElementType.PARAMETER,
    ElementType.RECORD_COMPONENT,
    ElementType.TYPE_USE,
    ElementType.METHOD
})
@Retention(RetentionPolicy.RUNTIME)
public @interface SensibleTime {

    String message() default "must be between 1900 and 2200";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

    final class ForInstant implements ConstraintValidator<SensibleTime, Instant> {
        @Override
        public boolean isValid(Instant value, ConstraintValidatorContext context) {
            return value == null || (!value.isBefore(EARLIEST) && value.isBefore(LATEST));
        }
    }

    final class ForDate implements ConstraintValidator<SensibleTime, LocalDate> {
        @Override
        public boolean isValid(LocalDate value, ConstraintValidatorContext context) {
            return value == null || (value.getYear() >= 1900 && value.getYear() < 2200);
        }
    }
}
