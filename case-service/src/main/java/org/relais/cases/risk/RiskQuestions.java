package org.relais.cases.risk;

import java.util.List;

/**
 * The 24 questions of the risk assessment, in the project's own words, covering the risk factors of the
 * DASH checklist (injury, fear, isolation, separation, escalation, strangulation, threats, weapons,
 * stalking, pregnancy, children, the abuser's history...). Answers: true, false, or null for unknown.
 */
public final class RiskQuestions {

    public record Question(String id, String fr, String ar, String en) {}

    public static final List<Question> ALL = List.of(
            new Question(
                    "q1",
                    "Est-elle blessée à la suite de cet incident ?",
                    "هل أصيبت بجروح نتيجة هذا الحادث؟",
                    "Is she injured as a result of this incident?"),
            new Question(
                    "q2",
                    "Dit-elle avoir très peur ?",
                    "هل تقول إنها خائفة جدا؟",
                    "Does she say she is very frightened?"),
            new Question(
                    "q3",
                    "Craint-elle que l'auteur ne la tue ou ne tue quelqu'un d'autre ?",
                    "هل تخشى أن يقتلها المعتدي أو يقتل شخصا آخر؟",
                    "Does she fear the abuser may kill her or someone else?"),
            new Question(
                    "q4",
                    "Est-elle coupée de sa famille ou de ses proches ?",
                    "هل هي معزولة عن عائلتها أو أصدقائها؟",
                    "Is she cut off from family or friends?"),
            new Question(
                    "q5",
                    "Se sent-elle déprimée ou a-t-elle des idées suicidaires ?",
                    "هل تشعر بالاكتئاب أو تراودها أفكار انتحارية؟",
                    "Does she feel depressed or have thoughts of suicide?"),
            new Question(
                    "q6",
                    "S'est-elle séparée de l'auteur récemment, ou essaie-t-elle de le faire ?",
                    "هل انفصلت عن المعتدي مؤخرا أو تحاول ذلك؟",
                    "Has she recently separated from the abuser, or is she trying to?"),
            new Question(
                    "q7",
                    "Y a-t-il un conflit au sujet de la garde ou des visites des enfants ?",
                    "هل هناك نزاع حول حضانة الأطفال أو زيارتهم؟",
                    "Is there conflict over custody of or contact with the children?"),
            new Question(
                    "q8",
                    "L'auteur la suit-il, la harcèle-t-il par téléphone ou messages ?",
                    "هل يلاحقها المعتدي أو يضايقها بالاتصالات أو الرسائل؟",
                    "Does the abuser follow her, or harass her by calls or messages?"),
            new Question(
                    "q9",
                    "Est-elle enceinte ou a-t-elle accouché au cours de l'année ?",
                    "هل هي حامل أو أنجبت خلال السنة الماضية؟",
                    "Is she pregnant, or has she had a baby in the last year?"),
            new Question(
                    "q10",
                    "Les violences sont-elles de plus en plus fréquentes ?",
                    "هل أصبح العنف أكثر تكرارا؟",
                    "Is the abuse happening more often?"),
            new Question(
                    "q11",
                    "Les violences sont-elles de plus en plus graves ?",
                    "هل أصبح العنف أشد خطورة؟",
                    "Is the abuse getting worse?"),
            new Question(
                    "q12",
                    "L'auteur contrôle-t-il ses faits et gestes, est-il d'une jalousie excessive ?",
                    "هل يتحكم المعتدي في تصرفاتها أو يغار بشكل مفرط؟",
                    "Does the abuser control what she does, or show excessive jealousy?"),
            new Question(
                    "q13",
                    "L'auteur a-t-il utilisé une arme ou un objet pour la blesser ?",
                    "هل استعمل المعتدي سلاحا أو أداة لإيذائها؟",
                    "Has the abuser used a weapon or object to hurt her?"),
            new Question(
                    "q14",
                    "L'auteur a-t-il menacé de la tuer, elle ou quelqu'un d'autre ?",
                    "هل هددها المعتدي بالقتل أو هدد شخصا آخر؟",
                    "Has the abuser threatened to kill her or someone else?"),
            new Question(
                    "q15",
                    "L'auteur a-t-il tenté de l'étrangler, de l'étouffer ou de la noyer ?",
                    "هل حاول المعتدي خنقها أو كتم أنفاسها أو إغراقها؟",
                    "Has the abuser tried to strangle, choke, suffocate or drown her?"),
            new Question(
                    "q16",
                    "L'auteur lui a-t-il imposé des actes sexuels ?",
                    "هل أجبرها المعتدي على أفعال جنسية؟",
                    "Has the abuser forced sexual acts on her?"),
            new Question(
                    "q17",
                    "Une autre personne l'a-t-elle menacée ou s'en est-elle prise à elle ?",
                    "هل هددها شخص آخر أو اعتدى عليها؟",
                    "Has another person threatened or attacked her?"),
            new Question(
                    "q18",
                    "L'auteur a-t-il fait du mal à d'autres personnes, enfants compris ?",
                    "هل آذى المعتدي أشخاصا آخرين، بمن فيهم الأطفال؟",
                    "Has the abuser hurt anyone else, children included?"),
            new Question(
                    "q19",
                    "L'auteur a-t-il maltraité un animal ?",
                    "هل أساء المعتدي معاملة حيوان؟",
                    "Has the abuser mistreated an animal?"),
            new Question(
                    "q20",
                    "Y a-t-il des difficultés financières, ou l'auteur est-il sans emploi ?",
                    "هل توجد صعوبات مالية أو هل المعتدي عاطل عن العمل؟",
                    "Are there money problems, or is the abuser out of work?"),
            new Question(
                    "q21",
                    "L'auteur a-t-il un problème d'alcool, de drogue ou de médicaments ?",
                    "هل يعاني المعتدي من مشكلة مع الكحول أو المخدرات أو الأدوية؟",
                    "Does the abuser have problems with alcohol, drugs or medication?"),
            new Question(
                    "q22",
                    "L'auteur a-t-il menacé de se suicider ou tenté de le faire ?",
                    "هل هدد المعتدي بالانتحار أو حاول ذلك؟",
                    "Has the abuser threatened or attempted suicide?"),
            new Question(
                    "q23",
                    "L'auteur a-t-il enfreint une mesure de protection ou une décision de justice ?",
                    "هل خالف المعتدي أمر حماية أو قرارا قضائيا؟",
                    "Has the abuser breached a protection order or a court decision?"),
            new Question(
                    "q24",
                    "L'auteur est-il connu des services de police ou a-t-il des antécédents judiciaires ?",
                    "هل المعتدي معروف لدى الشرطة أو له سوابق قضائية؟",
                    "Is the abuser known to the police, or does he have a criminal record?"));

    private RiskQuestions() {}
}
