package org.relais.notification.notices;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.relais.blocks.events.Topics;
import org.relais.blocks.inbox.EventConsumers;

import java.util.List;
import java.util.Set;

/** Consumes the referral and case events that someone must be told of. */
@ApplicationScoped
public class NotificationJobs {

    static final Set<String> TYPES = Set.of("relais.referral.sent", "relais.referral.acknowledged", "relais.referral.accepted",
            "relais.referral.declined", "relais.referral.redirected", "relais.referral.completed", "relais.referral.failed",
            "relais.referral.withdrawn", "relais.referral.consent-withdrawn", "relais.referral.overdue", "relais.case.high-risk",
            "relais.case.opened");

    void start(@Observes StartupEvent event, EventConsumers consumers, NotificationService notifications) {
        consumers.start("notify", List.of(Topics.REFERRALS, Topics.CASES), TYPES, notifications::ingest);
    }
}
