package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class IdempotencyIT {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theSameKeyReplaysTheOriginalAndCreatesNothingNew() {
        String key = UUID.randomUUID().toString();
        String id = given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{\"a\":1}")
                .post("/plumbing/idempotent")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{\"a\":1}")
                .post("/plumbing/idempotent")
                .then()
                .statusCode(201)
                .body("id", equalTo(id));
        assertEquals(1, BlocksTestSupport.count(dataSource, "select count(*) from test_notes where id = '" + id + "'"));
        assertEquals(
                0,
                BlocksTestSupport.count(
                        dataSource, "select count(*) from relais_idempotency where request_hash like '%\"a\"%'"));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        String key = UUID.randomUUID().toString();
        given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{\"a\":1}")
                .post("/plumbing/idempotent")
                .then()
                .statusCode(201);
        given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{\"a\":2}")
                .post("/plumbing/idempotent")
                .then()
                .statusCode(422)
                .contentType("application/problem+json");
    }

    @Test
    void aKeyStillInFlightIs409() {
        String key = UUID.randomUUID().toString();
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{}")
                .queryParam("slow", true)
                .post("/plumbing/idempotent")
                .then()
                .extract()
                .statusCode());
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> BlocksTestSupport.count(
                                dataSource, "select count(*) from relais_idempotency where idem_key = '" + key + "'")
                        == 1);
        given().header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{}")
                .queryParam("slow", true)
                .post("/plumbing/idempotent")
                .then()
                .statusCode(409)
                .body("type", equalTo("https://relais.dev/problems/idempotency-conflict"));
        assertEquals(201, first.join());
    }
}
