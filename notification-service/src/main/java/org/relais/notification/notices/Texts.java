package org.relais.notification.notices;

import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;

/**
 * The notification texts in fr, ar and en (Qute templates over coded parameters): what happened, the
 * reference and priority, and what to do next. They never hold survivor data: the parameters are ids,
 * references, codes and deadlines.
 */
@ApplicationScoped
public class Texts {

    public record Rendered(String title, String body) {}

    private static final String[][] TEXTS = {
        // key, language, title, body
        {
            "referral.sent",
            "fr",
            "Nouvelle orientation {reference} ({priority})",
            "{sendingAgencyId} vous oriente une personne. Accusez réception puis acceptez, refusez ou réorientez avant l'échéance."
        },
        {
            "referral.sent",
            "en",
            "New referral {reference} ({priority})",
            "{sendingAgencyId} refers a survivor to you. Acknowledge it, then accept, decline or redirect it before the deadline."
        },
        {
            "referral.sent",
            "ar",
            "إحالة جديدة {reference} ({priority})",
            "تحيل إليكم {sendingAgencyId} حالة جديدة. يرجى تأكيد الاستلام ثم القبول أو الرفض أو إعادة التوجيه قبل الأجل."
        },
        {
            "referral.acknowledged",
            "fr",
            "Orientation {reference} reçue",
            "{receivingAgencyId} a accusé réception. Aucune action de votre part."
        },
        {
            "referral.acknowledged",
            "en",
            "Referral {reference} received",
            "{receivingAgencyId} acknowledged it. Nothing to do for now."
        },
        {
            "referral.acknowledged",
            "ar",
            "تم استلام الإحالة {reference}",
            "أكدت {receivingAgencyId} الاستلام. لا يلزمكم أي إجراء."
        },
        {
            "referral.accepted",
            "fr",
            "Orientation {reference} acceptée",
            "{receivingAgencyId} prend la personne en charge."
        },
        {
            "referral.accepted",
            "en",
            "Referral {reference} accepted",
            "{receivingAgencyId} is taking care of the survivor."
        },
        {"referral.accepted", "ar", "تم قبول الإحالة {reference}", "تتكفل {receivingAgencyId} بالحالة."},
        {
            "referral.declined",
            "fr",
            "Orientation {reference} refusée ({reasonCode})",
            "{receivingAgencyId} a refusé. Orientez la personne vers une autre structure."
        },
        {
            "referral.declined",
            "en",
            "Referral {reference} declined ({reasonCode})",
            "{receivingAgencyId} declined. Refer the survivor to another agency."
        },
        {
            "referral.declined",
            "ar",
            "تم رفض الإحالة {reference} ({reasonCode})",
            "رفضت {receivingAgencyId} الإحالة. يرجى توجيه الحالة إلى جهة أخرى."
        },
        {
            "referral.redirected",
            "fr",
            "Orientation {reference} réorientée",
            "{receivingAgencyId} a réorienté la personne vers {toAgencyId}. Vous serez informé de la suite."
        },
        {
            "referral.redirected",
            "en",
            "Referral {reference} redirected",
            "{receivingAgencyId} redirected the survivor to {toAgencyId}. You will hear the outcome."
        },
        {
            "referral.redirected",
            "ar",
            "تمت إعادة توجيه الإحالة {reference}",
            "أعادت {receivingAgencyId} توجيه الحالة إلى {toAgencyId}. ستُبلَّغون بالنتيجة."
        },
        {
            "referral.completed",
            "fr",
            "Orientation {reference} terminée ({outcome})",
            "La prise en charge par {receivingAgencyId} est terminée."
        },
        {
            "referral.completed",
            "en",
            "Referral {reference} completed ({outcome})",
            "{receivingAgencyId} has finished its work with the survivor."
        },
        {"referral.completed", "ar", "انتهت الإحالة {reference} ({outcome})", "أنهت {receivingAgencyId} التكفل بالحالة."
        },
        {
            "referral.failed",
            "fr",
            "Orientation {reference} en échec ({outcome})",
            "{receivingAgencyId} n'a pas pu aboutir. Voyez s'il faut orienter ailleurs."
        },
        {
            "referral.failed",
            "en",
            "Referral {reference} failed ({outcome})",
            "{receivingAgencyId} could not complete it. Consider another referral."
        },
        {
            "referral.failed",
            "ar",
            "تعذر إتمام الإحالة {reference} ({outcome})",
            "لم تتمكن {receivingAgencyId} من إتمامها. يرجى النظر في إحالة أخرى."
        },
        {
            "referral.withdrawn",
            "fr",
            "Orientation {reference} retirée",
            "{sendingAgencyId} a retiré l'orientation. Aucune suite à donner."
        },
        {
            "referral.withdrawn",
            "en",
            "Referral {reference} withdrawn",
            "{sendingAgencyId} withdrew it. No further action."
        },
        {"referral.withdrawn", "ar", "تم سحب الإحالة {reference}", "سحبت {sendingAgencyId} الإحالة. لا يلزم أي إجراء."},
        {
            "referral.consent-withdrawn",
            "fr",
            "Consentement retiré pour {reference}",
            "Les données de la personne ont été effacées. Ne conservez aucune copie."
        },
        {
            "referral.consent-withdrawn",
            "en",
            "Consent withdrawn for {reference}",
            "The survivor's data was erased. Keep no copy of it."
        },
        {
            "referral.consent-withdrawn",
            "ar",
            "سُحبت الموافقة على {reference}",
            "تم محو بيانات الحالة. لا تحتفظوا بأي نسخة منها."
        },
        {
            "referral.overdue",
            "fr",
            "Orientation {reference} en retard ({deadline})",
            "L'échéance {deadlineAt} est dépassée. Relancez ou agissez sans attendre."
        },
        {
            "referral.overdue",
            "en",
            "Referral {reference} overdue ({deadline})",
            "The deadline {deadlineAt} has passed. Follow up or act now."
        },
        {
            "referral.overdue",
            "ar",
            "تأخر في الإحالة {reference} ({deadline})",
            "تجاوزت الإحالة الأجل {deadlineAt}. يرجى المتابعة أو التصرف فورا."
        },
        {
            "case.high-risk",
            "fr",
            "Risque élevé : dossier {reference}",
            "L'évaluation classe le dossier en risque élevé. Priorité EMERGENCY : organisez la mise en sécurité."
        },
        {
            "case.high-risk",
            "en",
            "High risk: case {reference}",
            "The assessment rates the case HIGH. Priority is EMERGENCY: arrange safety planning now."
        },
        {
            "case.high-risk",
            "ar",
            "خطر مرتفع: الملف {reference}",
            "صنف التقييم الملف في خطر مرتفع. الأولوية قصوى: يرجى وضع خطة الحماية فورا."
        },
        {
            "case.opened",
            "fr",
            "Dossier {reference} ouvert",
            "Un dossier vous est confié ({priority}). Prenez contact selon les consignes de sécurité."
        },
        {
            "case.opened",
            "en",
            "Case {reference} opened",
            "A case is assigned to you ({priority}). Make contact following the safety instructions."
        },
        {
            "case.opened",
            "ar",
            "تم فتح الملف {reference}",
            "أسند إليكم ملف ({priority}). يرجى التواصل وفق تعليمات السلامة."
        },
    };

    private final Map<String, Template[]> templates = new HashMap<>();

    public Texts(Engine engine) {
        for (String[] t : TEXTS) {
            templates.put(t[0] + "/" + t[1], new Template[] {engine.parse(t[2]), engine.parse(t[3])});
        }
    }

    public Rendered render(String key, String language, Map<String, String> params) {
        Template[] t = templates.getOrDefault(key + "/" + language, templates.get(key + "/en"));
        if (t == null) {
            return new Rendered(key, "");
        }
        Map<String, Object> data = new HashMap<>(params);
        for (String name : new String[] {
            "reference",
            "priority",
            "sendingAgencyId",
            "receivingAgencyId",
            "toAgencyId",
            "reasonCode",
            "outcome",
            "deadline",
            "deadlineAt"
        }) {
            data.putIfAbsent(name, "-");
        }
        return new Rendered(t[0].data(data).render(), t[1].data(data).render());
    }

    public static String language(String acceptLanguage, String agencyLanguage) {
        if (acceptLanguage != null) {
            for (String part : acceptLanguage.split(",")) {
                String tag = part.trim().split(";")[0].trim().toLowerCase();
                String primary = tag.length() >= 2 ? tag.substring(0, 2) : tag;
                if (primary.equals("fr") || primary.equals("ar") || primary.equals("en")) {
                    return primary;
                }
            }
        }
        return agencyLanguage == null ? "fr" : agencyLanguage;
    }
}
