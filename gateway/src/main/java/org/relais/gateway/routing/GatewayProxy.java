package org.relais.gateway.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.relais.blocks.problem.Problem;
import org.relais.blocks.problem.ProblemType;
import org.relais.blocks.problem.RequestCorrelation;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.PermissionPolicy;

import java.net.URI;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The one door: checks the token and the route's permission (with the caller's agency's directory
 * entry), then streams the request to the service and the response back without buffering bodies,
 * over pooled connections, with {@code X-Forwarded-*} (from the connection itself: a client's forwarding
 * headers are dropped), {@code X-Request-Id} and {@code traceparent} added and the {@code Authorization}
 * header relayed so the service checks again. A service that is
 * down answers 503, one that stays silent past the timeout 504; live streams have no timeout and are
 * closed when the caller's token expires.
 */
@ApplicationScoped
public class GatewayProxy {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host");
    private static final Set<String> OWN_PATHS = Set.of("/api/v1/openapi", "/api/v1/docs");

    private final GatewayConfig config;
    private final PermissionPolicy policy;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final RateLimiter limiter;
    private final org.relais.gateway.audit.DenialAudit denials;
    private final Map<RouteTable.Backend, HttpClient> clients = new EnumMap<>(RouteTable.Backend.class);
    private final Map<RouteTable.Backend, URI> backends = new EnumMap<>(RouteTable.Backend.class);
    private final Map<RouteTable.Backend, CircuitBreaker> breakers = new EnumMap<>(RouteTable.Backend.class);

    public GatewayProxy(GatewayConfig config, PermissionPolicy policy, ObjectMapper mapper, MeterRegistry metrics, Vertx vertx,
                        RateLimiter limiter, org.relais.gateway.audit.DenialAudit denials) {
        this.config = config;
        this.denials = denials;
        this.limiter = limiter;
        this.policy = policy;
        this.mapper = mapper;
        this.metrics = metrics;
        backends.put(RouteTable.Backend.REFERRAL, URI.create(config.referralUrl()));
        backends.put(RouteTable.Backend.CASE, URI.create(config.caseUrl()));
        backends.put(RouteTable.Backend.NOTIFICATION, URI.create(config.notificationUrl()));
        for (RouteTable.Backend b : RouteTable.Backend.values()) {
            CircuitBreaker breaker = new CircuitBreaker(config.circuitFailureThreshold(), config.circuitOpenFor(),
                    System::currentTimeMillis);
            breakers.put(b, breaker);
            metrics.gauge("relais.gateway.circuit.open", java.util.List.of(io.micrometer.core.instrument.Tag.of("backend",
                    b.name().toLowerCase(Locale.ROOT))), breaker, cb -> cb.state() == CircuitBreaker.State.CLOSED ? 0 : 1);
            clients.put(b, vertx.createHttpClient(new HttpClientOptions()
                            .setKeepAlive(true)
                            .setConnectTimeout((int) config.connectTimeout().toMillis())
                            .setDecompressionSupported(false),
                    new PoolOptions().setHttp1MaxSize(config.poolSize())));
        }
    }

    void install(@Observes Router router) {
        router.route("/api/v1/*").order(100).handler(this::handle);
    }

    private void handle(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (OWN_PATHS.contains(path) || path.startsWith("/api/v1/docs/")) {
            rc.next(); // the public API documents
            return;
        }
        boolean own = path.startsWith("/api/v1/audit"); // the gateway's own endpoints, which check permissions themselves
        var route = own ? java.util.Optional.<RouteTable.Route>empty() : RouteTable.resolve(rc.request().method(), path);
        if (!own && route.isEmpty()) {
            problem(rc, ProblemType.NOT_FOUND, 404, "No resource at this address");
            return;
        }
        rc.request().pause();
        Uni<SecurityIdentity> deferred = rc.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        deferred.subscribe().with(identity -> {
            if (internalClient(rc, identity)) {
                return;
            }
            if (own) {
                rc.request().resume();
                rc.next();
                return;
            }
            authorised(rc, route.get(), identity);
        }, failure -> {
            rc.request().resume();
            if (own) {
                rc.next(); // the endpoint answers its own 401
            } else {
                unauthorized(rc);
            }
        });
    }

    /**
     * The services' own clients (the {@code internal} role, the relais-*-service clients) call the services
     * directly; their tokens open the internal audit endpoints and every agency's records, so the public door
     * refuses them outright, whatever the route. True when it refused.
     */
    private boolean internalClient(RoutingContext rc, SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return false;
        }
        CallerContext caller = identity.getAttribute(CallerContext.class.getName());
        if (caller == null) {
            caller = CallerContext.from(jwt);
        }
        boolean internal = caller.isInternal()
                || (caller.clientId() != null && INTERNAL_CLIENTS.matcher(caller.clientId()).matches());
        if (!internal) {
            return false;
        }
        metrics.counter("relais.gateway.denials", "reason", "internal_client", "permission", "none").increment();
        denials.denied("internal-client", caller.agencyId(), caller.username() != null ? caller.username() : caller.subject(),
                recordId(rc.normalizedPath()));
        rc.request().resume();
        problem(rc, ProblemType.FORBIDDEN, 403,
                "Tokens of the platform's internal service clients are not accepted here; they call the services directly");
        return true;
    }

    private static final java.util.regex.Pattern INTERNAL_CLIENTS = java.util.regex.Pattern.compile("relais-([a-z]+-service|gateway)");

    private void authorised(RoutingContext rc, RouteTable.Route route, SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            rc.request().resume();
            unauthorized(rc);
            return;
        }
        CallerContext caller = identity.getAttribute(CallerContext.class.getName());
        PermissionPolicy.Outcome outcome = policy.decide(caller, route.permission());
        if (outcome != PermissionPolicy.Outcome.ALLOWED) {
            metrics.counter("relais.gateway.denials", "reason", outcome.name().toLowerCase(Locale.ROOT),
                    "permission", route.permission().code()).increment();
            denials.denied(outcome.name().toLowerCase(Locale.ROOT).replace('_', '-'), caller.agencyId(),
                    caller.username() != null ? caller.username() : caller.subject(), recordId(rc.normalizedPath()));
            rc.request().resume();
            problem(rc, ProblemType.FORBIDDEN, 403, "The caller's role or agency does not hold the permission this operation needs");
            return;
        }
        var wait = limiter.acquire(caller.clientId() + ":" + caller.subject(), caller.agencyId());
        if (wait.isPresent()) {
            metrics.counter("relais.gateway.rate.limited").increment();
            rc.request().resume();
            rc.response().putHeader("Retry-After", Long.toString(Math.max(1, wait.get())));
            problem(rc, ProblemType.RATE_LIMITED, 429, "Too many requests from this client; retry after the indicated delay");
            return;
        }
        String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && parseLength(length) > config.maxBodySize()) {
            rc.request().resume();
            problem(rc, ProblemType.MALFORMED_REQUEST, 413, "The request body is too large");
            return;
        }
        long open = breakers.get(route.backend()).admit();
        if (open > 0) {
            metrics.counter("relais.gateway.circuit.rejected", "backend", route.backend().name().toLowerCase(Locale.ROOT)).increment();
            rc.request().resume();
            rc.response().putHeader("Retry-After", Long.toString(Math.max(1, (open + 999) / 1000)));
            problem(rc, ProblemType.UNAVAILABLE, 503, "The service is unavailable; retry shortly");
            return;
        }
        forward(rc, route, jwt);
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private void forward(RoutingContext rc, RouteTable.Route route, JsonWebToken jwt) {
        HttpServerRequest req = rc.request();
        URI target = backends.get(route.backend());
        RequestOptions options = new RequestOptions()
                .setMethod(req.method())
                .setHost(target.getHost())
                .setPort(target.getPort())
                .setURI(req.uri())
                .setIdleTimeout(route.stream() ? 0 : config.timeout().toMillis());
        clients.get(route.backend()).request(options).onComplete(ar -> {
            if (ar.failed()) {
                req.resume();
                backendFailed(rc, route, ar.cause());
                return;
            }
            HttpClientRequest out = ar.result();
            requestHeaders(req.headers(), out.headers());
            // the connection's own peer: what a client claims in forwarding headers is dropped, never passed on
            String remote = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
            out.putHeader("X-Forwarded-For", remote);
            out.putHeader("X-Forwarded-Proto", req.scheme());
            if (req.authority() != null) {
                out.putHeader("X-Forwarded-Host", req.authority().toString());
            }
            if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) && !req.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                out.setChunked(true);
            }
            out.send(req).onComplete(sent -> {
                if (sent.failed()) {
                    backendFailed(rc, route, sent.cause());
                    return;
                }
                breakers.get(route.backend()).success();
                relayResponse(rc, route, sent.result(), jwt);
            });
        });
    }

    private void relayResponse(RoutingContext rc, RouteTable.Route route, HttpClientResponse in, JsonWebToken jwt) {
        HttpServerResponse resp = rc.response();
        if (resp.ended() || resp.closed()) {
            in.request().reset();
            return;
        }
        // the status code only: with a reason phrase of its own Vert.x no longer knows a 304 as one (and frames it)
        resp.setStatusCode(in.statusCode());
        responseHeaders(in.headers(), resp.headers());
        if (in.statusCode() == 304 || in.statusCode() == 204 || rc.request().method() == io.vertx.core.http.HttpMethod.HEAD) {
            // no body follows: no framing for one either (a Content-Length here is taken by some clients as a body to wait for)
            resp.headers().remove(HttpHeaders.CONTENT_LENGTH);
        } else if (!in.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            resp.setChunked(true);
        }
        if (route.stream()) {
            long untilExpiry = jwt.getExpirationTime() * 1000 - System.currentTimeMillis();
            long timer = rc.vertx().setTimer(Math.max(1, untilExpiry), t -> {
                if (!resp.ended()) {
                    resp.end();
                }
                in.request().reset();
            });
            resp.closeHandler(v -> {
                rc.vertx().cancelTimer(timer);
                in.request().reset();
            });
        }
        in.pipeTo(resp).onFailure(e -> {
            if (!resp.ended() && !resp.closed()) {
                resp.reset();
            }
        });
    }

    private void backendFailed(RoutingContext rc, RouteTable.Route route, Throwable cause) {
        boolean timeout = cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout");
        breakers.get(route.backend()).failure();
        metrics.counter("relais.gateway.backend.failures", "backend", route.backend().name().toLowerCase(Locale.ROOT),
                "kind", timeout ? "timeout" : "unavailable").increment();
        Log.warnf("%s %s: %s backend %s", rc.request().method(), rc.normalizedPath(), route.backend(),
                timeout ? "timed out" : "unavailable (" + cause.getClass().getSimpleName() + ")");
        if (rc.response().headWritten()) {
            rc.response().reset();
            return;
        }
        if (timeout) {
            problem(rc, ProblemType.UNAVAILABLE, 504, "The service did not answer in time");
        } else {
            rc.response().putHeader("Retry-After", "5");
            problem(rc, ProblemType.UNAVAILABLE, 503, "The service is unavailable; retry shortly");
        }
    }

    private static final java.util.regex.Pattern RECORD = java.util.regex.Pattern.compile(
            "^/api/v1/[a-z-]+/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(/.*)?$");

    /** The referral, case, notification or webhook a path names, so its audit trail shows the refused attempt. */
    static String recordId(String path) {
        java.util.regex.Matcher m = RECORD.matcher(path == null ? "" : path);
        return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** The client's headers for the backend, without hop-by-hop ones and without any forwarding claim of the client's. */
    private static void requestHeaders(MultiMap from, MultiMap to) {
        from.forEach(e -> {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !name.equals("forwarded") && !name.startsWith("x-forwarded-")) {
                to.add(e.getKey(), e.getValue());
            }
        });
    }

    /**
     * The backend's headers for the client, each name once: a header the gateway has already set (X-Request-Id,
     * which the backend echoes with the same value) is not added a second time; any other the backend's replaces.
     */
    private static void responseHeaders(MultiMap from, MultiMap to) {
        for (String name : from.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower)) {
                continue;
            }
            if (lower.equals(RequestCorrelation.REQUEST_ID.toLowerCase(Locale.ROOT)) && to.contains(name)) {
                continue;
            }
            to.set(name, from.getAll(name));
        }
    }

    private void unauthorized(RoutingContext rc) {
        metrics.counter("relais.gateway.denials", "reason", "unauthenticated", "permission", "none").increment();
        denials.denied("unauthenticated", null, null, recordId(rc.normalizedPath()));
        rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"relais\", error=\"invalid_token\"");
        problem(rc, ProblemType.UNAUTHORIZED, 401, "The access token is missing, expired or invalid");
    }

    private void problem(RoutingContext rc, ProblemType type, int status, String detail) {
        Problem p = new Problem(type, status, detail);
        p.instance = "urn:relais:request:" + rc.request().getHeader(RequestCorrelation.REQUEST_ID);
        p.traceId = RequestCorrelation.traceId(rc.request());
        try {
            rc.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(mapper.writeValueAsString(p));
        } catch (Exception e) {
            rc.response().setStatusCode(status).end();
        }
    }
}
