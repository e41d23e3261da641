package org.relais.referral.flow;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.KeysetQuery;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;

/**
 * Reads of referrals, gated by party and consent: a party sees the survivor data while her consent holds, the origin
 * agency of a redirected referral sees its status and outcome, nobody else sees it at all. Every view that shows
 * survivor data is an entry of the audit chain, written with the read.
 */
@ApplicationScoped
public class ReferralReads {

    private final FieldCipher cipher;
    private final SurvivorCipher survivors;
    private final AuditLog audit;
    private final ReferralCodec codec;
    private final RelaisClock clock;

    public ReferralReads(
            FieldCipher cipher, SurvivorCipher survivors, AuditLog audit, ReferralCodec codec, RelaisClock clock) {
        this.cipher = cipher;
        this.survivors = survivors;
        this.audit = audit;
        this.codec = codec;
        this.clock = clock;
    }

    /** A referral and its view for the reader. */
    public record Read(Referral referral, ReferralView view) {}

    /**
     * A read that changes nothing: no transaction, and its audit entry committed with those of the reads of the
     * same moment ({@link AuditLog#commitReads}) before it is answered.
     */
    @WithSession
    public Uni<Read> get(UUID id, CallerContext caller) {
        return Referral.<Referral>findById(id).chain(r -> {
            if (r == null || !visible(r, caller)) {
                throw ProblemException.notFound("Referral");
            }
            return readLoaded(List.of(r), caller).map(views -> new Read(r, views.get(0)));
        });
    }

    /** The caller's agency's referrals, sent, received or both (as origin too), a keyset page at a time. */
    public Uni<Page<ReferralView>> list(
            String direction, ReferralStatus status, PageRequest page, CallerContext caller) {
        KeysetQuery query = KeysetQuery.on("updatedAt", "id")
                .where(
                        switch (direction == null ? "" : direction) {
                            case "sent" -> "sendingAgencyId = :agency";
                            case "received" -> "receivingAgencyId = :agency";
                            case "" ->
                                "(sendingAgencyId = :agency or receivingAgencyId = :agency or originAgencyId = :agency)";
                            default ->
                                throw ProblemException.badRequest(
                                        "Query parameter 'direction' must be sent or received");
                        },
                        "agency",
                        caller.agencyId());
        if (status != null) {
            query.where("status = :status", "status", status);
        }
        query.page(page);
        return Panache.withSession(() -> Referral.<Referral>find(query.query(), query.params())
                .range(0, query.lastRow())
                .list()
                .chain(rows -> readLoaded(Page.shown(rows, page.limit()), caller)
                        .map(views -> Page.withViews(rows, page.limit(), r -> new Cursor(r.updatedAt, r.id), views))));
    }

    public Uni<List<ReferralView.HistoryEntry>> history(UUID id, CallerContext caller) {
        return Panache.withSession(() -> Referral.<Referral>findById(id).chain(r -> {
            if (r == null || !visible(r, caller)) {
                throw ProblemException.notFound("Referral");
            }
            boolean notes = showsData(r, caller, clock.now());
            return ReferralHistory.<ReferralHistory>list("referralId = ?1 order by at, id", id)
                    .chain(entries -> (notes ? cipher.dataKey(r.dataKeyId) : cipher.dataKey(null)).chain(key -> {
                        boolean anyNote = false;
                        List<ReferralView.HistoryEntry> out = new ArrayList<>();
                        for (ReferralHistory h : entries) {
                            String note = notes
                                    ? key.decrypt(ReferralHistory.TABLE, h.id, "note", h.noteCt)
                                            .orElse(null)
                                    : null;
                            anyNote |= note != null;
                            out.add(new ReferralView.HistoryEntry(
                                    h.action,
                                    h.fromStatus,
                                    h.toStatus,
                                    h.byAgencyId,
                                    h.byUser,
                                    h.at,
                                    h.reasonCode,
                                    note));
                        }
                        return anyNote
                                ? audit.commitReads(
                                                caller.agencyId(),
                                                ReferralRecorder.actor(caller),
                                                List.of(new AuditLog.ReadOf(
                                                        r.id.toString(), ReferralRecorder.related(r))))
                                        .replaceWith(out)
                                : Uni.createFrom().item(out);
                    }));
        }));
    }

    /**
     * Inside a change's transaction: the view for this caller, decrypting and auditing (in that transaction) when it
     * shows survivor data.
     */
    Uni<Read> readWithData(Referral r, CallerContext caller) {
        return readAllWithData(List.of(r), caller).map(views -> new Read(r, views.get(0)));
    }

    /**
     * Inside a change's transaction: the views of referrals, as {@link #readWithData} gives each, with their data
     * keys read anew in one query (the change may have destroyed one) and their audit entries written in the
     * transaction.
     */
    private Uni<List<ReferralView>> readAllWithData(List<Referral> shown, CallerContext caller) {
        Instant now = clock.now();
        List<UUID> keyIds = shown.stream()
                .filter(r -> showsData(r, caller, now))
                .map(r -> r.dataKeyId)
                .toList();
        return cipher.dataKeys(keyIds).chain(keys -> {
            List<Survivor> data = new ArrayList<>(shown.size());
            for (Referral r : shown) {
                DataKey key = showsData(r, caller, now) ? keys.get(r.dataKeyId) : null;
                data.add(key == null ? Survivor.NONE : survivors.open(r, key));
            }
            return views(shown, data, caller, audit::recordReads);
        });
    }

    /**
     * The views of referrals this read has just loaded (no change before it), with the data keys loaded with them
     * and the audit entries committed together ({@link AuditLog#commitReads}) before they are answered.
     */
    private Uni<List<ReferralView>> readLoaded(List<Referral> shown, CallerContext caller) {
        Instant now = clock.now();
        List<Survivor> data = new ArrayList<>(shown.size());
        for (Referral r : shown) {
            data.add(
                    showsData(r, caller, now)
                            ? survivors.open(r, cipher.open(r.dataKeyId, r.dataKeyMasterKeyId, r.wrappedDataKey))
                            : Survivor.NONE);
        }
        return views(shown, data, caller, audit::commitReads);
    }

    /** Inside a transaction: the view of a referral just made, with the survivor data it was given (not read back). */
    Uni<Read> readCreated(Referral r, CallerContext caller, Survivor data) {
        return views(
                        List.of(r),
                        List.of(seesSurvivorData(r, caller) ? data : Survivor.NONE),
                        caller,
                        audit::recordReads)
                .map(views -> new Read(r, views.get(0)));
    }

    /** The views, and one audit entry for each that shows survivor data, written together. */
    private Uni<List<ReferralView>> views(
            List<Referral> shown, List<Survivor> data, CallerContext caller, AuditLog.Reads recording) {
        List<ReferralView> views = new ArrayList<>(shown.size());
        List<AuditLog.ReadOf> reads = new ArrayList<>();
        for (int i = 0; i < shown.size(); i++) {
            Referral r = shown.get(i);
            ReferralView view = codec.view(r, data.get(i), caller);
            if (showsSurvivorData(view)) {
                reads.add(new AuditLog.ReadOf(r.id.toString(), ReferralRecorder.related(r)));
            }
            views.add(view);
        }
        return recording
                .record(caller.agencyId(), ReferralRecorder.actor(caller), reads)
                .replaceWith(views);
    }

    private static boolean showsSurvivorData(ReferralView view) {
        return view.subject() != null || view.reason() != null || view.externalReference() != null;
    }

    /** Whether the caller may know the referral exists: a party, its origin agency, or one of the services. */
    static boolean visible(Referral r, CallerContext caller) {
        return caller.isInternal()
                || r.callerOf(caller.agencyId()) != ReferralAction.Caller.OTHER
                || r.isOrigin(caller.agencyId());
    }

    static boolean seesSurvivorData(Referral r, CallerContext caller) {
        return caller.isInternal() || r.callerOf(caller.agencyId()) != ReferralAction.Caller.OTHER;
    }

    /** Survivor data shown to this caller now: a party's, while her consent holds (withdrawn or expired: never). */
    static boolean showsData(Referral r, CallerContext caller, Instant now) {
        return seesSurvivorData(r, caller) && r.dataKeyId != null && !r.consentLapsed(now);
    }
}
