package org.relais.testkit;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.restassured.OpenApiValidationFilter;
import io.restassured.RestAssured;
import io.restassured.filter.FilterContext;
import io.restassured.filter.OrderedFilter;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Validates every response a test receives against the OpenAPI document the service under test serves
 * (swagger-request-validator): status codes, content types and bodies must be what the document
 * promises clients. Requests are not validated, because tests send invalid requests on purpose. Paths
 * under {@code /q/} (health, metrics, the document itself) are the platform's and are not in the
 * document. Put {@code @ExtendWith(OpenApiResponses.class)} on a {@code @QuarkusTest} class.
 */
public final class OpenApiResponses implements BeforeAllCallback {

    private static volatile boolean installed;
    private static final AtomicInteger VALIDATED = new AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    /** How many responses have been validated in this JVM (a test can show the filter really ran). */
    public static int validatedCount() {
        return VALIDATED.get();
    }

    public static synchronized void install() {
        if (!installed) {
            RestAssured.filters(new LazyFilter());
            installed = true;
        }
    }

    /** Loads the document from the service on the first request, when Quarkus has set the test port. */
    static final class LazyFilter implements OrderedFilter {
        private volatile OpenApiValidationFilter delegate;

        @Override
        public Response filter(
                FilterableRequestSpecification request, FilterableResponseSpecification response, FilterContext ctx) {
            URI uri = URI.create(request.getURI());
            if (uri.getPath().startsWith("/q/") || !isLocal(uri)) {
                return ctx.next(request, response);
            }
            VALIDATED.incrementAndGet();
            return validator(uri).filter(request, response, ctx);
        }

        private static boolean isLocal(URI uri) {
            return "localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost());
        }

        private OpenApiValidationFilter validator(URI uri) {
            OpenApiValidationFilter f = delegate;
            if (f == null) {
                synchronized (this) {
                    if (delegate == null) {
                        delegate = new OpenApiValidationFilter(
                                OpenApiInteractionValidator.createForInlineApiSpecification(document(uri))
                                        .withLevelResolver(LevelResolver.create()
                                                .withLevel("validation.request", ValidationReport.Level.IGNORE)
                                                .build())
                                        .build());
                    }
                    f = delegate;
                }
            }
            return f;
        }

        private static String document(URI uri) {
            URI doc = URI.create(
                    uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + "/q/openapi?format=json");
            try {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(HttpRequest.newBuilder(doc).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("the OpenAPI document at " + doc + " answered " + r.statusCode());
                }
                return r.body();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read the OpenAPI document at " + doc, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int getOrder() {
            return OrderedFilter.LOWEST_PRECEDENCE;
        }
    }
}
