package org.relais.blocks.http;

import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import org.relais.blocks.problem.ProblemException;

/**
 * The versioning conventions of API guide section 1: every resource is served with an {@code ETag} of
 * its {@code version}; {@code If-None-Match} gives 304; actions honour {@code If-Match} (412 otherwise).
 */
public final class Versions {

    private Versions() {}

    public static EntityTag etag(long version) {
        return new EntityTag(Long.toString(version));
    }

    /** 200 with the body and its ETag, or 304 when the client's copy is current. */
    public static Response ok(Object body, long version, String ifNoneMatch) {
        if (matches(ifNoneMatch, version)) {
            return Response.notModified(etag(version)).build();
        }
        return Response.ok(body).tag(etag(version)).build();
    }

    /**
     * A page a mobile client syncs, with a weak ETag over what it shows (each item's identity and
     * version, and the next cursor): 304 when the client's copy of the page is current.
     */
    public static <T> org.jboss.resteasy.reactive.RestResponse<org.relais.blocks.paging.Page<T>> page(
            org.relais.blocks.paging.Page<T> page,
            java.util.function.Function<T, String> identityAndVersion,
            String ifNoneMatch) {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (T item : page.items()) {
            sha.update(identityAndVersion.apply(item).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        sha.update(String.valueOf(page.nextCursor()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String tag = java.util.HexFormat.of().formatHex(sha.digest(), 0, 12);
        EntityTag etag = new EntityTag(tag, true);
        if (ifNoneMatch != null
                && java.util.Arrays.stream(ifNoneMatch.split(","))
                        .map(t -> t.trim().replaceFirst("^W/", "").replace("\"", ""))
                        .anyMatch(t -> t.equals(tag) || t.equals("*"))) {
            return org.jboss.resteasy.reactive.RestResponse.ResponseBuilder
                    .<org.relais.blocks.paging.Page<T>>notModified()
                    .tag(etag)
                    .build();
        }
        return org.jboss.resteasy.reactive.RestResponse.ResponseBuilder.ok(page)
                .tag(etag)
                .build();
    }

    public static Response created(java.net.URI location, Object body, long version) {
        return Response.created(location).entity(body).tag(etag(version)).build();
    }

    /** Throws 412 unless {@code ifMatch} is absent, {@code *}, or names the current version. */
    public static void checkIfMatch(String ifMatch, long currentVersion) {
        if (ifMatch != null && !ifMatch.isBlank() && !matches(ifMatch, currentVersion)) {
            throw ProblemException.preconditionFailed(currentVersion);
        }
    }

    static boolean matches(String header, long version) {
        if (header == null || header.isBlank()) {
            return false;
        }
        for (String part : header.split(",")) {
            String tag = part.trim();
            if (tag.equals("*")) {
                return true;
            }
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
                tag = tag.substring(1, tag.length() - 1);
            }
            if (tag.equals(Long.toString(version))) {
                return true;
            }
        }
        return false;
    }
}
