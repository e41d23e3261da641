package org.relais.gateway.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
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
import java.net.URI;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.relais.blocks.problem.Problem;
import org.relais.blocks.problem.ProblemType;
import org.relais.blocks.problem.RequestCorrelation;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.PermissionPolicy;

/**
 * The one door: checks the token and the route's permission (with the caller's agency's directory
 * entry), then streams the request to the service and the response back without buffering bodies,
 * over pooled connections, with {@code X-Forwarded-*} (from the connection itself: a client's forwarding
 * headers are dropped), {@code X-Request-Id} and {@code traceparent} added and the {@code Authorization}
 * header relayed so the service checks again. A service that is
 * down answers 503, one that stays silent past the timeout 504; live streams have no timeout and are
 * closed when the caller's token expires. Live streams have a connection pool of their own and room
 * per user, per agency and in all ({@link StreamLimits}), so however many are open, every other request
 * finds a connection: with them in the backend's pool, its 64 connections were held by 64 streams.
 *
 * <p>A service may run as several instances ({@code relais.gateway.*-url} lists them): requests go to them in
 * turn, each instance has its own circuit, and one that refuses the connection (nothing of the request went out)
 * passes the request to the next, whatever its method; only when none can be reached does the client get 503.
 */
@ApplicationScoped
public class GatewayProxy {

    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "keep-alive",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "host");
    private static final Set<String> OWN_PATHS = Set.of("/api/v1/openapi", "/api/v1/docs");

    private final GatewayConfig config;
    private final PermissionPolicy policy;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final RateLimiter limiter;
    private final org.relais.gateway.audit.DenialAudit denials;
    private final Map<RouteTable.Backend, HttpClient> clients = new EnumMap<>(RouteTable.Backend.class);
    private final Map<RouteTable.Backend, Instances> backends = new EnumMap<>(RouteTable.Backend.class);
    private final HttpClient streamClient;
    private final StreamLimits streamLimits;

    public GatewayProxy(
            GatewayConfig config,
            PermissionPolicy policy,
            ObjectMapper mapper,
            MeterRegistry metrics,
            Vertx vertx,
            RateLimiter limiter,
            org.relais.gateway.audit.DenialAudit denials) {
        this.config = config;
        this.denials = denials;
        this.limiter = limiter;
        this.policy = policy;
        this.mapper = mapper;
        this.metrics = metrics;
        backends.put(RouteTable.Backend.REFERRAL, instances(config.referralUrls()));
        backends.put(RouteTable.Backend.CASE, instances(config.caseUrls()));
        backends.put(RouteTable.Backend.NOTIFICATION, instances(config.notificationUrls()));
        for (RouteTable.Backend b : RouteTable.Backend.values()) {
            // the backend's instances whose circuit is not closed (0 or 1 for a service with one instance)
            metrics.gauge(
                    "relais.gateway.circuit.open",
                    java.util.List.of(io.micrometer.core.instrument.Tag.of(
                            "backend", b.name().toLowerCase(Locale.ROOT))),
                    backends.get(b),
                    Instances::notClosed);
            clients.put(
                    b,
                    vertx.createHttpClient(
                            new HttpClientOptions()
                                    .setKeepAlive(true)
                                    .setConnectTimeout(
                                            (int) config.connectTimeout().toMillis())
                                    .setDecompressionSupported(false),
                            new PoolOptions().setHttp1MaxSize(config.poolSize())));
        }
        GatewayConfig.Streams streams = config.streams();
        streamLimits = new StreamLimits(streams.perUser(), streams.perAgency(), streams.maxTotal());
        // as large as the streams admitted: an admitted stream never waits for a connection
        streamClient = vertx.createHttpClient(
                new HttpClientOptions()
                        .setKeepAlive(true)
                        .setConnectTimeout((int) config.connectTimeout().toMillis())
                        .setDecompressionSupported(false),
                new PoolOptions().setHttp1MaxSize(streams.maxTotal()));
        metrics.gauge("relais.gateway.streams.open", streamLimits, StreamLimits::open);
    }

    void install(@Observes Router router) {
        // the audit chain every component serves to the gateway is not part of the public door: the gateway reads its
        // own from its database, and nobody outside reads any component's through it
        router.route("/internal/*")
                .order(-1000)
                .handler(rc -> problem(rc, ProblemType.NOT_FOUND, 404, "No resource at this address"));
        router.route("/api/v1/*").order(100).handler(this::handle);
    }

    private void handle(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (OWN_PATHS.contains(path) || path.startsWith("/api/v1/docs/")) {
            rc.next(); // the public API documents
            return;
        }
        boolean own =
                path.startsWith("/api/v1/audit"); // the gateway's own endpoints, which check permissions themselves
        var route = own
                ? java.util.Optional.<RouteTable.Route>empty()
                : RouteTable.resolve(rc.request().method(), path);
        if (!own && route.isEmpty()) {
            problem(rc, ProblemType.NOT_FOUND, 404, "No resource at this address");
            return;
        }
        rc.request().pause();
        if (!own) {
            answerAuthenticationFailuresHere(rc);
        }
        Uni<SecurityIdentity> deferred = rc.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        deferred.subscribe()
                .with(
                        identity -> {
                            if (internalClient(rc, identity)) {
                                return;
                            }
                            if (own) {
                                rc.request().resume();
                                rc.next();
                                return;
                            }
                            authorised(rc, route.get(), identity);
                        },
                        failure -> {
                            rc.request().resume();
                            if (own) {
                                rc.next(); // the endpoint answers its own 401
                            } else {
                                unauthorized(rc);
                            }
                        });
    }

    /**
     * A refused token is answered by the gateway alone, with its 401 problem: Quarkus's own handler of a failed
     * authentication (run as the deferred identity fails, before the gateway hears of it) would answer first with a
     * challenge of its own, and the gateway's answer then came second, on a response already written, and threw.
     * Any other failure (the identity provider unreachable, say) is still Quarkus's to answer.
     */
    private static void answerAuthenticationFailuresHere(RoutingContext rc) {
        BiConsumer<RoutingContext, Throwable> quarkus = rc.get(QuarkusHttpUser.AUTH_FAILURE_HANDLER);
        rc.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, (BiConsumer<RoutingContext, Throwable>) (ctx, failure) -> {
            if (!authenticationFailure(failure) && quarkus != null) {
                quarkus.accept(ctx, failure);
            }
        });
    }

    private static boolean authenticationFailure(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
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
                || (caller.clientId() != null
                        && INTERNAL_CLIENTS.matcher(caller.clientId()).matches());
        if (!internal) {
            return false;
        }
        metrics.counter("relais.gateway.denials", "reason", "internal_client", "permission", "none")
                .increment();
        denials.denied(
                "internal-client",
                caller.agencyId(),
                caller.username() != null ? caller.username() : caller.subject(),
                recordId(rc.normalizedPath()));
        rc.request().resume();
        problem(
                rc,
                ProblemType.FORBIDDEN,
                403,
                "Tokens of the platform's internal service clients are not accepted here; they call the services directly");
        return true;
    }

    private static final java.util.regex.Pattern INTERNAL_CLIENTS =
            java.util.regex.Pattern.compile("relais-([a-z]+-service|gateway)");

    private void authorised(RoutingContext rc, RouteTable.Route route, SecurityIdentity identity) {
        if (rc.response().closed() || rc.response().ended()) {
            return; // the client left while its token was being checked: nobody to answer, nothing to relay
        }
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            rc.request().resume();
            unauthorized(rc);
            return;
        }
        CallerContext caller = identity.getAttribute(CallerContext.class.getName());
        PermissionPolicy.Outcome outcome = policy.decide(caller, route.permission());
        if (outcome == PermissionPolicy.Outcome.DIRECTORY_LOADING) {
            // the gateway has just started and not read the directory yet: not a refusal
            rc.request().resume();
            problem(
                    rc,
                    new Problem(
                            ProblemType.UNAVAILABLE,
                            503,
                            "The gateway is still reading the agency directory; retry shortly"),
                    "Retry-After",
                    "2");
            return;
        }
        if (outcome != PermissionPolicy.Outcome.ALLOWED) {
            metrics.counter(
                            "relais.gateway.denials",
                            "reason",
                            outcome.name().toLowerCase(Locale.ROOT),
                            "permission",
                            route.permission().code())
                    .increment();
            denials.denied(
                    outcome.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    caller.agencyId(),
                    caller.username() != null ? caller.username() : caller.subject(),
                    recordId(rc.normalizedPath()));
            rc.request().resume();
            problem(
                    rc,
                    ProblemType.FORBIDDEN,
                    403,
                    "The caller's role or agency does not hold the permission this operation needs");
            return;
        }
        var wait = limiter.acquire(caller.clientId() + ":" + caller.subject(), caller.agencyId());
        if (wait.isPresent()) {
            metrics.counter("relais.gateway.rate.limited").increment();
            rc.request().resume();
            problem(
                    rc,
                    new Problem(
                            ProblemType.RATE_LIMITED,
                            429,
                            "Too many requests from this client; retry after the indicated delay"),
                    "Retry-After",
                    Long.toString(Math.max(1, wait.get())));
            return;
        }
        String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && parseLength(length) > config.maxBodySize()) {
            rc.request().resume();
            problem(rc, ProblemType.MALFORMED_REQUEST, 413, "The request body is too large");
            return;
        }
        StreamLimits.Permit permit = null;
        if (route.stream()) {
            StreamLimits.Outcome room = streamLimits.admit(
                    caller.subject() != null ? caller.subject() : caller.username(), caller.agencyId());
            if (room instanceof StreamLimits.Refused refused) {
                streamRefused(rc, refused);
                return;
            }
            permit = (StreamLimits.Permit) room;
        }
        Instances instances = backends.get(route.backend());
        int first = instances.firstTurn();
        Attempt attempt = instances.admit(first, 0);
        if (attempt.instance() == null) {
            if (permit != null) {
                permit.release();
            }
            metrics.counter(
                            "relais.gateway.circuit.rejected",
                            "backend",
                            route.backend().name().toLowerCase(Locale.ROOT))
                    .increment();
            rc.request().resume();
            problem(
                    rc,
                    new Problem(ProblemType.UNAVAILABLE, 503, "The service is unavailable; retry shortly"),
                    "Retry-After",
                    Long.toString(Math.max(1, (attempt.waitMillis() + 999) / 1000)));
            return;
        }
        new Exchange(rc, route, jwt, instances, first, attempt, permit).start();
    }

    private Instances instances(java.util.List<String> urls) {
        java.util.List<Instance> all = new java.util.ArrayList<>();
        for (String url : GatewayConfig.instances(urls)) {
            all.add(new Instance(
                    URI.create(url),
                    new CircuitBreaker(
                            config.circuitFailureThreshold(), config.circuitOpenFor(), System::currentTimeMillis)));
        }
        return new Instances(java.util.List.copyOf(all));
    }

    /** One instance of a service: its address and its own circuit, so one that is down is skipped while the others serve. */
    record Instance(URI uri, CircuitBreaker breaker) {}

    /**
     * The instance a request goes to, admitted by its circuit ({@code next}: how many places of the round it has
     * used, so a retry goes on from there); or none, with the shortest wait any of them asked for.
     */
    record Attempt(Instance instance, CircuitBreaker.Admission admission, int next, long waitMillis) {}

    /** A service's instances, taken in turn (round robin), each with its circuit. */
    static final class Instances {
        private final java.util.List<Instance> all;
        private final java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();

        Instances(java.util.List<Instance> all) {
            this.all = all;
        }

        /** Where a request's round starts: the next instance in turn. */
        int firstTurn() {
            return all.size() == 1 ? 0 : Math.floorMod(turn.getAndIncrement(), all.size());
        }

        /**
         * The first instance from place {@code from} of the round starting at {@code first} whose circuit lets the
         * request through; none once every instance of the round was tried or refused it.
         */
        Attempt admit(int first, int from) {
            long wait = Long.MAX_VALUE;
            for (int i = from; i < all.size(); i++) {
                Instance instance = all.get((first + i) % all.size());
                CircuitBreaker.Admission admission = instance.breaker().admit();
                if (admission.admitted()) {
                    return new Attempt(instance, admission, i + 1, 0);
                }
                wait = Math.min(wait, admission.waitMillis());
            }
            return new Attempt(null, null, all.size(), wait == Long.MAX_VALUE ? 0 : wait);
        }

        int notClosed() {
            int n = 0;
            for (Instance instance : all) {
                if (instance.breaker().state() != CircuitBreaker.State.CLOSED) {
                    n++;
                }
            }
            return n;
        }
    }

    private void streamRefused(RoutingContext rc, StreamLimits.Refused refused) {
        metrics.counter(
                        "relais.gateway.streams.refused",
                        "scope",
                        refused.scope().label())
                .increment();
        rc.request().resume();
        String detail = switch (refused.scope()) {
            case USER ->
                "This user already has " + refused.limit()
                        + " live streams open, the most one user may hold; close one first";
            case AGENCY ->
                "The agency already has " + refused.limit()
                        + " live streams open, the most one agency may hold; retry later";
            case GATEWAY -> "The gateway holds " + refused.limit() + " live streams, the most it may; retry later";
        };
        problem(
                rc,
                new Problem(ProblemType.RATE_LIMITED, 429, detail)
                        .with("limit", refused.limit())
                        .with("scope", refused.scope().label()),
                "Retry-After",
                Long.toString(Math.max(1, config.streams().retryAfter().toSeconds())));
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * One request relayed to its backend. The client's body is pumped by hand so its bytes are counted
     * (413 past the limit, chunked or not, with the backend's request reset) and so that what happens is
     * told apart: the backend's failures (no connection; no answer in time once the request was fully
     * sent; 502/503/504) count against its circuit, the client's (gone, too much, too slow) do not, and
     * a half-open circuit's trial that ends by the client's doing only frees the trial for the next one.
     * Everything runs on the client connection's event loop.
     */
    private final class Exchange {
        private final RoutingContext rc;
        private final HttpServerRequest req;
        private final RouteTable.Route route;
        private final JsonWebToken jwt;
        private final Instances instances;
        private final int firstTurn; // where this request's round of the service's instances started
        private int nextTurn; // the place in that round of the instance to try should this one refuse the connection
        private Instance instance; // the instance the request goes to
        private CircuitBreaker breaker; // its circuit
        private CircuitBreaker.Admission admission;
        private final StreamLimits.Permit permit; // a live stream's place, null for any other request
        private final long timeoutMillis = config.timeout().toMillis();
        private HttpClientRequest out;
        private boolean reported; // the breaker was told (once)
        private boolean answered; // the client's answer is decided: relayed, or a problem of the gateway's
        private boolean sent; // the whole request reached the backend
        private boolean backpressured; // the backend is not taking the body as fast as the client sends it
        private boolean cut; // the backend's request was reset by the gateway: no more of the body goes to it
        // the backend's side is over (its answer received whole, or failed): its connection is Vert.x's again, maybe
        // already serving another request, so resetting this request now would close that one's connection
        private boolean backendDone;
        private long received;
        private long lastProgress = System.currentTimeMillis();
        private long uploadTimer = -1;
        private long streamTimer = -1;

        Exchange(
                RoutingContext rc,
                RouteTable.Route route,
                JsonWebToken jwt,
                Instances instances,
                int firstTurn,
                Attempt attempt,
                StreamLimits.Permit permit) {
            this.rc = rc;
            this.permit = permit;
            this.req = rc.request();
            this.route = route;
            this.jwt = jwt;
            this.instances = instances;
            this.firstTurn = firstTurn;
            use(attempt);
        }

        private void use(Attempt attempt) {
            instance = attempt.instance();
            breaker = instance.breaker();
            admission = attempt.admission();
            nextTurn = attempt.next();
            reported = false; // each instance tried hears once how it went
        }

        void start() {
            if (permit != null) {
                // before the close handler below: the first end handler installs the context's own close handler
                rc.addEndHandler(ar -> streamOver());
            }
            rc.response().closeHandler(v -> clientGone());
            req.exceptionHandler(e -> clientGone());
            connect();
        }

        /** A connection to the instance chosen, then the request over it. */
        private void connect() {
            URI target = instance.uri();
            RequestOptions options = new RequestOptions()
                    .setMethod(req.method())
                    .setHost(target.getHost())
                    .setPort(target.getPort())
                    .setURI(req.uri())
                    // waiting for a pooled connection is bounded too; longer than a connection attempt, so a
                    // timeout here is a full pool, never a backend that does not answer the connection
                    .setConnectTimeout(timeoutMillis + config.connectTimeout().toMillis())
                    .setIdleTimeout(0); // armed once the request is sent: a slow upload is not the backend's silence
            HttpClient client = route.stream() ? streamClient : clients.get(route.backend());
            client.request(options).onComplete(ar -> {
                if (ar.failed()) {
                    connectFailed(ar.cause());
                    return;
                }
                out = ar.result();
                out.exceptionHandler(e -> {}); // its failures are handled on its response, once
                if (answered) { // the client left while the connection was being made
                    cutBackend();
                    return;
                }
                sendRequest();
            });
        }

        private void sendRequest() {
            requestHeaders(req.headers(), out.headers());
            // the connection's own peer: what a client claims in forwarding headers is dropped, never passed on
            String remote = req.remoteAddress() == null
                    ? "unknown"
                    : req.remoteAddress().hostAddress();
            out.putHeader("X-Forwarded-For", remote);
            out.putHeader("X-Forwarded-Proto", req.scheme());
            if (req.authority() != null) {
                out.putHeader("X-Forwarded-Host", req.authority().toString());
            }
            if (!req.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
                    out.setChunked(true);
                }
            } else {
                out.putHeader(HttpHeaders.CONTENT_LENGTH, req.getHeader(HttpHeaders.CONTENT_LENGTH));
            }
            out.response().onComplete(r -> {
                if (r.succeeded()) {
                    backendAnswered(r.result());
                } else {
                    backendDone = true;
                    backendFailed(r.cause());
                }
            });
            req.handler(chunk -> {
                if (cut) {
                    return;
                }
                received += chunk.length();
                if (received > config.maxBodySize()) {
                    tooLarge();
                    return;
                }
                lastProgress = System.currentTimeMillis();
                out.write(chunk);
                if (out.writeQueueFull()) {
                    backpressured = true;
                    req.pause();
                    out.drainHandler(v -> {
                        backpressured = false;
                        lastProgress = System.currentTimeMillis();
                        req.resume();
                    });
                }
            });
            req.endHandler(v -> {
                cancelUploadTimer();
                if (cut) {
                    return;
                }
                out.end().onSuccess(done -> {
                    sent = true;
                    if (!route.stream() && !cut) {
                        out.idleTimeout(timeoutMillis); // from here on silence is the backend's
                    }
                });
            });
            long every = Math.max(50, timeoutMillis / 4);
            uploadTimer = rc.vertx().setPeriodic(every, id -> uploadStalled());
            req.resume();
        }

        /** Nothing moved for the timeout while the body was coming: the client's slowness, or the backend not reading it. */
        private void uploadStalled() {
            if (answered || System.currentTimeMillis() - lastProgress < timeoutMillis) {
                return;
            }
            cancelUploadTimer();
            if (backpressured) {
                abandon("backend-not-reading");
                cutBackend();
                closeAfter(ProblemType.UNAVAILABLE, 504, "The service did not take the request in time");
            } else {
                abandon("client-slow");
                cutBackend();
                closeAfter(ProblemType.MALFORMED_REQUEST, 408, "The request body did not arrive in time");
            }
        }

        private void tooLarge() {
            cancelUploadTimer();
            abandon("too-large");
            cutBackend(); // the service never sees a complete request
            closeAfter(ProblemType.MALFORMED_REQUEST, 413, "The request body is too large");
        }

        /** Answers with the gateway's problem, reads what the client still sends (bounded), then closes the connection. */
        private void closeAfter(ProblemType type, int status, String detail) {
            answered = true;
            long[] discarded = {0};
            long giveUp =
                    rc.vertx().setTimer(timeoutMillis, t -> req.connection().close());
            req.handler(chunk -> {
                discarded[0] += chunk.length();
                if (discarded[0] > config.maxBodySize()) {
                    rc.vertx().cancelTimer(giveUp);
                    req.connection().close();
                }
            });
            req.endHandler(v -> rc.vertx().cancelTimer(giveUp));
            req.resume();
            problem(rc, new Problem(type, status, detail), HttpHeaders.CONNECTION.toString(), "close");
        }

        private void clientGone() {
            cancelUploadTimer();
            streamOver();
            if (!answered) {
                answered = true;
                abandon("client-gone");
            }
            cutBackend();
        }

        /**
         * Lets go of the service's side: the request is reset, which closes its connection, so the service stops
         * sending an answer nobody will read and the pool never hands out a connection still carrying the rest of it.
         */
        private void cutBackend() {
            cut = true;
            if (out != null && !backendDone) {
                backendDone = true;
                out.reset();
            }
        }

        private void connectFailed(Throwable cause) {
            cancelUploadTimer();
            if (poolBusy(cause)) {
                // every pooled connection was busy the whole time: the gateway's load, not the backend's failure
                abandon("pool-busy");
                if (!answered) {
                    answered = true;
                    req.resume();
                    problem(
                            rc,
                            new Problem(ProblemType.UNAVAILABLE, 503, "The gateway is busy; retry shortly"),
                            "Retry-After",
                            "2");
                }
                return;
            }
            report(false); // whether or not the client is still there, the instance could not be reached
            if (answered) {
                return;
            }
            // nothing of the request went out: the next instance whose circuit lets it through gets it, whatever the
            // method
            Attempt next = instances.admit(firstTurn, nextTurn);
            if (next.instance() != null) {
                metrics.counter(
                                "relais.gateway.backend.retries",
                                "backend",
                                route.backend().name().toLowerCase(Locale.ROOT))
                        .increment();
                Log.debugf(
                        "%s %s: %s instance %s unreachable (%s), trying %s",
                        req.method(),
                        rc.normalizedPath(),
                        route.backend(),
                        instance.uri(),
                        cause.getClass().getSimpleName(),
                        next.instance().uri());
                use(next);
                connect();
                return;
            }
            failed(cause, false);
        }

        /**
         * The live stream ended, however it did: its place is free, its expiry timer no longer needed, and the
         * service's side is let go too. Called from every place an ending shows (the client's close, the routing
         * context's end handlers, the relay's end or failure, the token's expiry), as none of them sees them all.
         */
        private void streamOver() {
            if (streamTimer >= 0) {
                rc.vertx().cancelTimer(streamTimer);
                streamTimer = -1;
            }
            if (permit != null) {
                permit.release();
                cutBackend();
            }
        }

        private void backendFailed(Throwable cause) {
            cancelUploadTimer();
            if (cut) {
                return; // the gateway reset it itself (client gone, too much, too slow) and answered for it
            }
            if (answered && rc.response().headWritten()) {
                if (!rc.response().ended() && !rc.response().closed()) {
                    rc.response().reset();
                }
                return;
            }
            if (answered) {
                return; // the gateway already answered (413, 408) and reset the backend's request itself
            }
            boolean timeout = cause instanceof TimeoutException
                    || cause.getClass().getSimpleName().contains("Timeout");
            if (timeout && sent) {
                report(false);
            } else {
                abandon("backend-closed"); // a kept-alive connection closed under us, or reset mid-body: not a verdict
            }
            failed(cause, timeout);
        }

        private void failed(Throwable cause, boolean timeout) {
            answered = true;
            metrics.counter(
                            "relais.gateway.backend.failures",
                            "backend",
                            route.backend().name().toLowerCase(Locale.ROOT),
                            "kind",
                            timeout ? "timeout" : "unavailable")
                    .increment();
            Log.warnf(
                    "%s %s: %s backend %s",
                    req.method(),
                    rc.normalizedPath(),
                    route.backend(),
                    timeout ? "timed out" : "unavailable (" + cause.getClass().getSimpleName() + ")");
            req.resume();
            if (timeout) {
                problem(rc, ProblemType.UNAVAILABLE, 504, "The service did not answer in time");
            } else {
                problem(
                        rc,
                        new Problem(ProblemType.UNAVAILABLE, 503, "The service is unavailable; retry shortly"),
                        "Retry-After",
                        "5");
            }
        }

        private void backendAnswered(HttpClientResponse in) {
            int status = in.statusCode();
            report(status != 502 && status != 503 && status != 504);
            if (answered) {
                cutBackend(); // the client left, or the gateway answered for it already
                return;
            }
            answered = true;
            relayResponse(in);
        }

        private void relayResponse(HttpClientResponse in) {
            HttpServerResponse resp = rc.response();
            if (resp.ended() || resp.closed() || resp.headWritten()) {
                cutBackend(); // the client left before the answer came
                return;
            }
            // its own record of how the service's answer ended, apart from the pipe's: when the relay fails, this tells
            // whether the service broke off its answer or the client left (the pipe reports either as a failure)
            Future<Void> backendEnd = in.end();
            backendEnd.onComplete(ar -> backendDone = true);
            // the status code only: with a reason phrase of its own Vert.x no longer knows a 304 as one (and frames it)
            resp.setStatusCode(in.statusCode());
            responseHeaders(in.headers(), resp.headers());
            if (in.statusCode() == 304
                    || in.statusCode() == 204
                    || req.method() == io.vertx.core.http.HttpMethod.HEAD) {
                // no body follows: no framing for one either (a Content-Length here is taken by some clients as a body
                // to wait for)
                resp.headers().remove(HttpHeaders.CONTENT_LENGTH);
            } else if (!in.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                resp.setChunked(true);
            }
            if (route.stream()) {
                // closed the moment the token expires: a stream must not outlive the right to read it
                long untilExpiry = jwt.getExpirationTime() * 1000 - System.currentTimeMillis();
                streamTimer = rc.vertx().setTimer(Math.max(1, untilExpiry), t -> {
                    streamTimer = -1;
                    // the service's side first: once its request is reset no more of the stream reaches the relay,
                    // which would otherwise write the next event to the response ended here
                    streamOver();
                    if (!resp.ended() && !resp.closed()) {
                        resp.end();
                    }
                });
            }
            // A relay that fails is never ended as if it were whole: the client would wait for the rest of a body its
            // Content-Length promised (a service whose connection closed after the head left a client hanging until
            // its own timeout). A client may also leave as an event is being relayed: the write fails on a connection
            // whose close Vert.x has not yet reported, and ending or resetting the response then throws and the close
            // is never reported (no close, end or exception handler). So a stream's place is given back here, whatever
            // Vert.x reports later, and what the client gets waits for the next turn of the event loop.
            in.pipe().endOnFailure(false).to(resp).onComplete(ar -> {
                if (ar.succeeded()) {
                    backendDone = true; // the service's answer came whole
                }
                boolean cutByGateway = cut; // before the stream's ending below cuts it too
                if (route.stream()) {
                    streamOver(); // ended by the service, or failed on either side: over in any case
                }
                if (ar.failed()) {
                    rc.vertx().runOnContext(v -> relayFailed(in, backendEnd, cutByGateway));
                }
            });
        }

        /**
         * The relay failed: the service broke off its answer, or the client left in the middle of it (a write to its
         * connection failed, or the connection closed). Either way the service's side is let go at once: with the client
         * gone, the rest of its answer would otherwise keep streaming over a pooled connection into nothing, and Vert.x
         * may not report the client's close at all (a response reset here is closed already when the close comes, so
         * its close handler never runs).
         */
        private void relayFailed(HttpClientResponse in, Future<Void> backendEnd, boolean cutByGateway) {
            boolean serviceBrokeOff = backendEnd.failed() && !cutByGateway;
            cutBackend();
            HttpServerResponse resp = rc.response();
            if (!serviceBrokeOff) {
                // the client's doing, or the gateway's own (the token expired on a stream): nothing to tell anyone
                if (!resp.ended() && !resp.closed()) {
                    resp.reset();
                }
                return;
            }
            brokenOff(in);
        }

        /**
         * The service's answer broke off (its connection closed, reset or went silent mid-body). Nothing sent
         * yet: the client gets a 502 problem instead of the service's head. Part of it sent: the client's connection
         * is reset, so it sees a truncated answer as one rather than waiting for bytes that will never come.
         */
        private void brokenOff(HttpClientResponse in) {
            HttpServerResponse resp = rc.response();
            if (resp.ended() || resp.closed()) {
                return; // the client is gone too
            }
            metrics.counter(
                            "relais.gateway.backend.failures",
                            "backend",
                            route.backend().name().toLowerCase(Locale.ROOT),
                            "kind",
                            "broken-off")
                    .increment();
            Log.warnf("%s %s: %s backend broke off its answer", req.method(), rc.normalizedPath(), route.backend());
            if (route.stream() || resp.headWritten()) {
                resp.reset();
                return;
            }
            for (String name : in.headers().names()) {
                if (!name.equalsIgnoreCase(RequestCorrelation.REQUEST_ID)) {
                    resp.headers().remove(name);
                }
            }
            resp.setChunked(false);
            problem(rc, ProblemType.UNAVAILABLE, 502, "The service's answer broke off; retry shortly");
        }

        private void report(boolean backendOk) {
            if (reported) {
                return;
            }
            reported = true;
            if (backendOk) {
                breaker.success(admission);
            } else {
                breaker.failure(admission);
            }
        }

        private void abandon(String reason) {
            if (reported) {
                return;
            }
            reported = true;
            breaker.abandoned(admission);
            metrics.counter(
                            "relais.gateway.requests.abandoned",
                            "backend",
                            route.backend().name().toLowerCase(Locale.ROOT),
                            "reason",
                            reason)
                    .increment();
        }

        private void cancelUploadTimer() {
            if (uploadTimer >= 0) {
                rc.vertx().cancelTimer(uploadTimer);
                uploadTimer = -1;
            }
        }
    }

    /** Vert.x's failure when no pooled connection came free within the request's connect timeout. */
    static boolean poolBusy(Throwable cause) {
        return cause instanceof io.vertx.core.impl.NoStackTraceTimeoutException
                && cause.getMessage() != null
                && cause.getMessage().contains("getting a connection");
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
        metrics.counter("relais.gateway.denials", "reason", "unauthenticated", "permission", "none")
                .increment();
        denials.denied("unauthenticated", null, null, recordId(rc.normalizedPath()));
        problem(
                rc,
                new Problem(ProblemType.UNAUTHORIZED, 401, "The access token is missing, expired or invalid"),
                "WWW-Authenticate",
                "Bearer realm=\"relais\", error=\"invalid_token\"");
    }

    private void problem(RoutingContext rc, ProblemType type, int status, String detail) {
        problem(rc, new Problem(type, status, detail));
    }

    /**
     * The gateway's own answer, with the headers named (name, value, ...) that go with it. Never throws: to a client
     * that has left, or on a response already answered, it writes nothing, and where part of another answer went out
     * already the client's connection is reset instead, so the client sees a broken answer rather than a problem glued
     * onto it.
     */
    private void problem(RoutingContext rc, Problem p, String... headers) {
        HttpServerResponse resp = rc.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        p.instance = "urn:relais:request:" + rc.request().getHeader(RequestCorrelation.REQUEST_ID);
        p.traceId = RequestCorrelation.traceId(rc.request());
        String body;
        try {
            body = mapper.writeValueAsString(p);
        } catch (Exception e) {
            body = null;
        }
        resp.setStatusCode(p.status);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            resp.putHeader(headers[i], headers[i + 1]);
        }
        if (body == null) {
            resp.end();
        } else {
            resp.putHeader("Content-Type", Problem.MEDIA_TYPE).end(body);
        }
    }
}
