import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.crypto.MasterKeys;
import org.relais.blocks.events.Uuids;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Grows the referral-service's and the notification-service's tables to a given number of referrals for
 * the growth figures (BENCHMARKS.md item 5), the way the services store them: each referral gets its own
 * data key, generated and wrapped with the project's crypto ({@link DataKey#generate}), and its survivor
 * fields encrypted under it, bound to table, row and field exactly as the service binds them, so the
 * service reads (and decrypts, and audits) them like any other. Rows go in with COPY.
 *
 * <p>The non-survivor columns (consent, services, incident) are those of a template referral made through
 * the API; the queried agency receives a fifth of all referrals (the seeded rows make up for what it
 * already held); statuses are spread as a busy network has
 * them; updated times over the past year; past deadlines are already announced (as the deadline job would
 * have done), so seeding does not start a storm of overdue events. Each referral also leaves the receiving
 * agency one inbox notification (a copy of the template referral's), so the queried agency holds a fifth of
 * the notifications. The notification insert trigger (the live stream's signal) is skipped for the seeding
 * session only.
 *
 * <pre>
 * java -cp "referral-service/target/quarkus-app/lib/main/*" bench/tools/Seeder.java \
 *     &lt;referral-jdbc-url&gt; &lt;notification-jdbc-url&gt; &lt;template-referral-id&gt; &lt;queried-agency&gt; &lt;total-referrals&gt;
 * </pre>
 * The master key comes from RELAIS_MASTER_KEY (the demo key when unset, as the launcher runs).
 */
public class Seeder {

    private static final String DEMO_MASTER_KEY = "ZGVtby1tYXN0ZXIta2V5LW5vdC1mb3ItcHJvZHVjdCE=";
    private static final String[] STATUSES = {"SENT", "ACKNOWLEDGED", "ACCEPTED", "IN_PROGRESS", "COMPLETED",
            "COMPLETED", "COMPLETED", "DECLINED", "WITHDRAWN", "FAILED"};
    private static final String[] PRIORITIES = {"ROUTINE", "ROUTINE", "URGENT", "EMERGENCY"};
    private static final String[] NAMES = {"Amina", "Fatima", "Khadija", "Naima", "Salma", "Yasmine", "Leila", "Imane"};
    private static final int BATCH = 20_000;

    public static void main(String[] args) throws Exception {
        String referralUrl = args[0];
        String notificationUrl = args[1];
        UUID templateId = UUID.fromString(args[2]);
        String queried = args[3];
        long total = Long.parseLong(args[4]);
        String key = System.getenv().getOrDefault("RELAIS_MASTER_KEY", DEMO_MASTER_KEY);
        MasterKeys masterKeys = new MasterKeys(Map.of("primary", key), "primary");

        try (Connection ref = DriverManager.getConnection(referralUrl, "postgres", "postgres");
             Connection note = DriverManager.getConnection(notificationUrl, "postgres", "postgres")) {
            Template t = template(ref, note, new FieldCipher(masterKeys), templateId);
            List<String> agencies = agencies(ref, queried);
            long existing = count(ref, "select count(*) from referrals");
            long seeded = count(ref, "select count(*) from referrals where reference like 'SEED-%'");
            long toAdd = total - existing;
            // the queried agency ends up receiving a fifth of all referrals, whatever it held before
            long forQueried = Math.max(0, Math.min(toAdd, total / 5 - count(ref,
                    "select count(*) from referrals where receiving_agency_id = '" + queried.replace("'", "") + "'")));
            if (toAdd <= 0) {
                System.out.printf("referrals: %d already (asked for %d)%n", existing, total);
                return;
            }
            ref.setAutoCommit(false);
            note.setAutoCommit(false);
            try (Statement s = note.createStatement()) {
                s.execute("set session_replication_role = replica");
            }
            SplittableRandom random = new SplittableRandom(seeded * 31 + 7);
            Instant now = Instant.now().minus(Duration.ofHours(1));
            long yearSeconds = Duration.ofDays(365).toSeconds();
            long started = System.nanoTime();
            for (long done = 0; done < toAdd; ) {
                int n = (int) Math.min(BATCH, toAdd - done);
                StringBuilder keys = new StringBuilder(n * 160);
                StringBuilder referrals = new StringBuilder(n * 900);
                StringBuilder notifications = new StringBuilder(n * 400);
                for (int i = 0; i < n; i++) {
                    long number = seeded + done + i;
                    DataKey.Generated dk = DataKey.generate(masterKeys);
                    UUID id = Uuids.v7();
                    long k = done + i;
                    boolean toQueried = (k + 1) * forQueried / toAdd > k * forQueried / toAdd;
                    String receiver = toQueried ? queried : agencies.get(random.nextInt(agencies.size()));
                    String sender;
                    do {
                        sender = agencies.get(random.nextInt(agencies.size()));
                    } while (sender.equals(receiver) && agencies.size() > 1);
                    if (sender.equals(receiver)) {
                        sender = queried;
                    }
                    Instant created = now.minusSeconds(random.nextLong(yearSeconds));
                    Instant updated = created.plusSeconds(random.nextLong(Duration.ofDays(10).toSeconds()));
                    if (updated.isAfter(now)) {
                        updated = now;
                    }
                    String status = STATUSES[random.nextInt(STATUSES.length)];
                    Instant acknowledgeBy = created.plus(Duration.ofHours(24));
                    Instant decideBy = created.plus(Duration.ofHours(72));
                    boolean overdue = (status.equals("SENT") && acknowledgeBy.isBefore(now))
                            || (status.equals("ACKNOWLEDGED") && decideBy.isBefore(now));
                    String subject = "{\"fullName\":\"" + NAMES[random.nextInt(NAMES.length)] + " Seed-" + number
                            + "\",\"birthYear\":" + (1960 + random.nextInt(45)) + "}";
                    String subjectCt = dk.key().encrypt("referrals", id, "subject", subject);
                    String reasonCt = dk.key().encrypt("referrals", id, "reason", t.reason());

                    row(keys, dk.id(), dk.masterKeyId(), "\\\\x" + HexFormat.of().formatHex(dk.wrappedKey()), ts(created));
                    row(referrals, id, "SEED-" + number, status, UUID.randomUUID(), sender, receiver,
                            PRIORITIES[random.nextInt(PRIORITIES.length)], t.services(), t.incident(), t.consent(),
                            dk.id(), subjectCt, reasonCt, ts(acknowledgeBy), ts(decideBy), overdue,
                            overdue ? ts(status.equals("SENT") ? acknowledgeBy : decideBy) : null,
                            "t", "t", t.createdBy(), ts(created), ts(updated), 1 + random.nextInt(4));
                    row(notifications, Uuids.v7(), UUID.randomUUID(), t.type(), "AGENCY", receiver, null, null, id,
                            null, t.priority(), t.templateKey(), t.paramsFor("SEED-" + number), ts(created));
                }
                copy(ref, "copy relais_data_keys (id, master_key_id, wrapped_key, created_at) from stdin", keys);
                copy(ref, "copy referrals (id, reference, status, survivor_id, sending_agency_id, receiving_agency_id,"
                        + " priority, services, incident, consent, data_key_id, subject_ct, reason_ct, acknowledge_by,"
                        + " decide_by, overdue, overdue_at, acknowledge_overdue_emitted, decide_overdue_emitted,"
                        + " created_by, created_at, updated_at, version) from stdin", referrals);
                copy(note, "copy notifications (id, event_id, type, audience, agency_id, role, username, referral_id,"
                        + " case_id, priority, template_key, params, created_at) from stdin", notifications);
                ref.commit();
                note.commit();
                done += n;
                if (done % 100_000 == 0 || done == toAdd) {
                    System.out.printf("seeded %d of %d (%.1f s)%n", done, toAdd, (System.nanoTime() - started) / 1e9);
                }
            }
            ref.setAutoCommit(true);
            note.setAutoCommit(true);
            try (Statement s = ref.createStatement()) {
                s.execute("analyze referrals");
                s.execute("analyze relais_data_keys");
            }
            try (Statement s = note.createStatement()) {
                s.execute("analyze notifications");
            }
            System.out.printf("referrals: %d, of which %d received by %s; %.1f s%n",
                    count(ref, "select count(*) from referrals"),
                    count(ref, "select count(*) from referrals where receiving_agency_id = '" + queried.replace("'", "") + "'"),
                    queried, (System.nanoTime() - started) / 1e9);
        }
    }

    record Template(String services, String incident, String consent, String reason, String createdBy, String reference,
                    String type, String priority, String templateKey, String params) {

        /** The template notification's parameters, naming the seeded referral's reference instead of the template's. */
        String paramsFor(String seededReference) {
            return params.replace(reference, seededReference);
        }
    }

    private static Template template(Connection ref, Connection note, FieldCipher cipher, UUID id) throws Exception {
        try (PreparedStatement ps = ref.prepareStatement(
                "select services, incident, consent, data_key_id, reason_ct, created_by, reference from referrals where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no template referral " + id);
                }
                DataKey key = cipher.dataKey(ref, rs.getObject(4, UUID.class));
                String reason = key.decrypt("referrals", id, "reason", rs.getString(5))
                        .orElseThrow(() -> new IllegalStateException("the template's reason does not decrypt: wrong master key?"));
                try (PreparedStatement np = note.prepareStatement(
                        "select type, priority, template_key, params from notifications where referral_id = ? order by seq limit 1")) {
                    np.setObject(1, id);
                    try (ResultSet nr = np.executeQuery()) {
                        if (!nr.next()) {
                            throw new IllegalStateException("the template referral has no notification yet");
                        }
                        return new Template(rs.getString(1), rs.getString(2), rs.getString(3), reason, rs.getString(6),
                                rs.getString(7), nr.getString(1), nr.getString(2), nr.getString(3), nr.getString(4));
                    }
                }
            }
        }
    }

    private static List<String> agencies(Connection ref, String queried) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = ref.createStatement(); ResultSet rs = s.executeQuery("select id from agencies where active order by id")) {
            while (rs.next()) {
                if (!rs.getString(1).equals(queried)) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String ts(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC).toString();
    }

    /** One line of COPY's text format; values are escaped (the hex of a bytea comes pre-escaped). */
    private static void row(StringBuilder out, Object... values) {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append('\t');
            }
            Object v = values[i];
            if (v == null) {
                out.append("\\N");
            } else if (v instanceof Boolean b) {
                out.append(b ? 't' : 'f');
            } else if (v instanceof String s && s.startsWith("\\\\x")) {
                out.append(s);
            } else {
                String s = v.toString();
                for (int k = 0; k < s.length(); k++) {
                    char ch = s.charAt(k);
                    switch (ch) {
                        case '\\' -> out.append("\\\\");
                        case '\t' -> out.append("\\t");
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        default -> out.append(ch);
                    }
                }
            }
        }
        out.append('\n');
    }

    private static void copy(Connection c, String sql, StringBuilder rows) throws Exception {
        byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        in.writeToCopy(bytes, 0, bytes.length);
        in.endCopy();
    }
}
