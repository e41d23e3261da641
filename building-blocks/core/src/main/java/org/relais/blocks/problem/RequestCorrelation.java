package org.relais.blocks.problem;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * Gives every request an {@code X-Request-Id} (the client's, if it sent a sane one) and a W3C trace
 * context: the incoming {@code traceparent} is continued, or a new one is started. Both are echoed on
 * the response, put in the logging context as {@code requestId} and {@code traceId}, and left on the
 * request headers for the problem mappers and the outbox.
 */
@ApplicationScoped
public class RequestCorrelation {

    public static final String REQUEST_ID = "X-Request-Id";
    public static final String TRACEPARENT = "traceparent";
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TRACEPARENT_FORMAT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");
    private static final SecureRandom RANDOM = new SecureRandom();

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 10).handler(rc -> {
            HttpServerRequest request = rc.request();
            String requestId = request.getHeader(REQUEST_ID);
            if (requestId == null || !SAFE_ID.matcher(requestId).matches()) {
                requestId = hex(16);
                request.headers().set(REQUEST_ID, requestId);
            }
            String traceparent = request.getHeader(TRACEPARENT);
            if (traceparent == null || !TRACEPARENT_FORMAT.matcher(traceparent).matches()) {
                traceparent = "00-" + hex(16) + "-" + hex(8) + "-01";
                request.headers().set(TRACEPARENT, traceparent);
            }
            MDC.put("requestId", requestId);
            MDC.put("traceId", traceparent.substring(3, 35));
            MDC.put("traceparent", traceparent);
            rc.response().headers().set(REQUEST_ID, requestId);
            rc.next();
        });
    }

    public static String traceId(HttpServerRequest request) {
        String tp = request.getHeader(TRACEPARENT);
        return tp != null && tp.length() >= 35 ? tp.substring(3, 35) : request.getHeader(REQUEST_ID);
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
