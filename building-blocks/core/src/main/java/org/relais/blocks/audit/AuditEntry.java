package org.relais.blocks.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sealed entry of a service's audit chain (API guide section 7). {@code hash} is the hex SHA-256 of
 * the UTF-8 bytes of {@code prevHash} followed by the RFC 8785 canonical JSON of the entry without
 * {@code hash}; the first entry's {@code prevHash} is {@link #GENESIS}. {@code at} is an ISO-8601 UTC
 * instant with microsecond precision, as the database keeps it.
 *
 * <p>{@code relatedIds} (the records the trail finds the entry under, sorted by UTF-16 code units) is
 * part of the entry, and so of the hash, for entries sealed with hash version 2 (every entry sealed since
 * migration V1002); entries sealed before carry none, and their hash covers the other fields only. Either
 * way the rule an outsider applies is the same: the hash covers every field the entry shows but
 * {@code hash}.
 */
public record AuditEntry(
        long seq,
        String service,
        Instant at,
        String type,
        String agencyId,
        String actor,
        String entityId,
        String prevHash,
        String hash,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> relatedIds) {

    public static final String GENESIS = "0".repeat(64);
    public static final String READ_TYPE = "relais.access.survivor-data-read";

    public AuditEntry {
        relatedIds = relatedIds == null ? null : relatedIds.stream().sorted().toList();
    }

    /** An entry of hash version 1: its hash does not cover the records it is related to. */
    public AuditEntry(
            long seq,
            String service,
            Instant at,
            String type,
            String agencyId,
            String actor,
            String entityId,
            String prevHash,
            String hash) {
        this(seq, service, at, type, agencyId, actor, entityId, prevHash, hash, null);
    }

    /** 2 when the hash covers {@code relatedIds}, 1 for the entries sealed before it did. */
    public int hashVersion() {
        return relatedIds == null ? 1 : 2;
    }

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
        if (relatedIds != null) {
            m.put("relatedIds", relatedIds);
        }
        return CanonicalJson.of(m);
    }

    public String computeHash() {
        return sha256(prevHash + canonicalJson());
    }

    public AuditEntry sealed(long seq, String prevHash) {
        AuditEntry unsealed =
                new AuditEntry(seq, service, at, type, agencyId, actor, entityId, prevHash, null, relatedIds);
        return new AuditEntry(
                seq, service, at, type, agencyId, actor, entityId, prevHash, unsealed.computeHash(), relatedIds);
    }

    /** The same entry related to {@code ids} (hash version 2), not yet sealed again. */
    public AuditEntry withRelatedIds(List<String> ids) {
        return new AuditEntry(seq, service, at, type, agencyId, actor, entityId, prevHash, hash, ids);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
