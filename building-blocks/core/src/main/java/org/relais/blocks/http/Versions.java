package org.relais.blocks.http;

import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import org.relais.blocks.problem.ProblemException;

/**
 * The versioning conventions of CONTRACT section 1: every resource is served with an {@code ETag} of
 * its {@code version}; {@code If-None-Match} gives 304; actions honour {@code If-Match} (412 otherwise).
 */
public final class Versions {

    private Versions() {
    }

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
