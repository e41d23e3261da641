package org.relais.blocks.idempotency;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import org.relais.blocks.problem.ProblemException;

/**
 * The {@code Idempotency-Key} store of API guide section 1. It keeps the key, a hash of the request,
 * and once done the created resource's id and status: never the body, so never survivor data. A replay
 * re-reads the resource. A key left in flight by a crashed request is taken over after a while.
 */
@ApplicationScoped
public class IdempotencyStore {

    /** What to do with a request carrying a key. */
    public sealed interface Claim permits Fresh, Replay {}

    /** First use: process the request, then {@link #complete} in its transaction (or {@link #release} on failure). */
    public record Fresh(String agencyId, String key) implements Claim {}

    /** The key was used for this request before: answer with this status and the re-read resource. */
    public record Replay(String resourceId, int status) implements Claim {}

    private static final String STALE = "(relais_idempotency.created_at < now() - interval '24 hours' "
            + "or (relais_idempotency.state = 'IN_FLIGHT' and relais_idempotency.created_at < now() - interval '2 minutes'))";

    public static final int MAX_KEY_LENGTH = 255;

    /** What replaces a request's fingerprint once the survivor data it covered is erased. */
    static final String ERASED = "erased";

    /** Claims the key in a transaction of its own, so a concurrent second request sees it in flight. */
    @SuppressWarnings("unchecked")
    public Uni<Claim> claim(String agencyId, String key, String requestHash) {
        if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw ProblemException.badRequest(
                    "Header 'Idempotency-Key' must be 1 to " + MAX_KEY_LENGTH + " characters");
        }
        return Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into relais_idempotency (agency_id, idem_key, request_hash, state, created_at) "
                                        + "values (?1, ?2, ?3, 'IN_FLIGHT', now()) on conflict (agency_id, idem_key) do update "
                                        + "set request_hash = excluded.request_hash, state = 'IN_FLIGHT', created_at = now(), "
                                        + "resource_id = null, response_status = null, completed_at = null where "
                                        + STALE)
                        .setParameter(1, agencyId)
                        .setParameter(2, key)
                        .setParameter(3, requestHash)
                        .executeUpdate()
                        .chain(n -> {
                            if (n == 1) {
                                return Uni.createFrom().item((Claim) new Fresh(agencyId, key));
                            }
                            return s.createNativeQuery(
                                            "select request_hash, state, resource_id, response_status "
                                                    + "from relais_idempotency where agency_id = ?1 and idem_key = ?2",
                                            Object[].class)
                                    .setParameter(1, agencyId)
                                    .setParameter(2, key)
                                    .getResultList()
                                    .map(rows -> {
                                        Object[] row = ((List<Object[]>) (List<?>) rows).get(0);
                                        // an erased request's fingerprint is forgotten: the key still answers with its
                                        // resource
                                        if (!requestHash.equals(row[0]) && !ERASED.equals(row[0])) {
                                            throw ProblemException.idempotencyMismatch();
                                        }
                                        if ("IN_FLIGHT".equals(row[1])) {
                                            throw ProblemException.idempotencyInFlight();
                                        }
                                        return (Claim) new Replay((String) row[2], ((Number) row[3]).intValue());
                                    });
                        })));
    }

    /** Inside the request's own transaction: the key now answers with this resource and status. */
    public Uni<Void> complete(Fresh claim, String resourceId, int status) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "update relais_idempotency set state = 'DONE', resource_id = ?3, response_status = ?4, completed_at = ?5 "
                                        + "where agency_id = ?1 and idem_key = ?2")
                        .setParameter(1, claim.agencyId())
                        .setParameter(2, claim.key())
                        .setParameter(3, resourceId)
                        .setParameter(4, status)
                        .setParameter(5, OffsetDateTime.now())
                        .executeUpdate())
                .replaceWithVoid();
    }

    /**
     * Inside the erasing transaction: the fingerprints of the requests that made or changed these resources
     * covered survivor data (a referral's subject, a case's summary, an action's description): they are
     * forgotten with it, so that no record keeps even a hash of her data. Their keys still replay.
     */
    public Uni<Void> forgetRequestsOf(java.util.Collection<String> resourceIds) {
        if (resourceIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("update relais_idempotency set request_hash = '" + ERASED
                                + "' where resource_id = any(string_to_array(?1, ','))")
                        .setParameter(1, String.join(",", resourceIds))
                        .executeUpdate())
                .replaceWithVoid();
    }

    /** The request failed: free the key so the client may try again with it. */
    public Uni<Void> release(Fresh claim) {
        return Panache.withTransaction(() -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "delete from relais_idempotency where agency_id = ?1 and idem_key = ?2 and state = 'IN_FLIGHT'")
                                .setParameter(1, claim.agencyId())
                                .setParameter(2, claim.key())
                                .executeUpdate()))
                .replaceWithVoid();
    }

    /** The request's fingerprint: method, path and the body's bytes, hashed. */
    public static String requestHash(String method, String path, String body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                sha.update(body.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
