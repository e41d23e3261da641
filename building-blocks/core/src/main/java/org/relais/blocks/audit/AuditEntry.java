package org.relais.blocks.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sealed entry of a service's audit chain (CONTRACT section 7). {@code hash} is the hex SHA-256 of
 * the UTF-8 bytes of {@code prevHash} followed by the RFC 8785 canonical JSON of the entry without
 * {@code hash}; the first entry's {@code prevHash} is {@link #GENESIS}. {@code at} is an ISO-8601 UTC
 * instant with microsecond precision, as the database keeps it.
 */
public record AuditEntry(long seq, String service, Instant at, String type, String agencyId, String actor,
                         String entityId, String prevHash, String hash) {

    public static final String GENESIS = "0".repeat(64);
    public static final String READ_TYPE = "relais.access.survivor-data-read";

    /** The canonical JSON the hash covers: every field but {@code hash}. */
    public String canonicalJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("service", service);
        m.put("at", at.toString());
        m.put("type", type);
        m.put("agencyId", agencyId);
        m.put("actor", actor);
        m.put("entityId", entityId);
        m.put("prevHash", prevHash);
        return CanonicalJson.of(m);
    }

    public String computeHash() {
        return sha256(prevHash + canonicalJson());
    }

    public AuditEntry sealed(long seq, String prevHash) {
        AuditEntry unsealed = new AuditEntry(seq, service, at, type, agencyId, actor, entityId, prevHash, null);
        return new AuditEntry(seq, service, at, type, agencyId, actor, entityId, prevHash, unsealed.computeHash());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
