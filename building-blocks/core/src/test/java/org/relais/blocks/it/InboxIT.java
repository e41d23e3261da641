package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class InboxIT {

    @Inject
    AgroalDataSource dataSource;

    private long effects(UUID eventId) {
        return BlocksTestSupport.count(
                dataSource, "select count(*) from test_effects where event_id = '" + eventId + "'");
    }

    @Test
    void anEventRedeliveredConcurrentlyTakesEffectOnce() throws Exception {
        UUID eventId = UUID.randomUUID();
        int deliveries = 8;
        ExecutorService pool = Executors.newFixedThreadPool(deliveries);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < deliveries; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return given().post("/plumbing/inbox/concurrent-consumer/" + eventId)
                            .then()
                            .statusCode(200)
                            .extract()
                            .<Boolean>path("applied");
                }));
            }
            start.countDown();
            int applied = 0;
            for (Future<Boolean> f : results) {
                applied += f.get() ? 1 : 0;
            }
            assertEquals(1, applied);
        } finally {
            pool.shutdown();
        }
        assertEquals(1, effects(eventId));
    }

    @Test
    void anEventRedeliveredLaterTakesEffectOnceAndOtherConsumersStillSeeIt() {
        UUID eventId = UUID.randomUUID();
        given().post("/plumbing/inbox/later-consumer/" + eventId)
                .then()
                .statusCode(200)
                .body("applied", org.hamcrest.Matchers.is(true));
        // as after a restart: the consumer's offset was not committed, the event comes again
        given().post("/plumbing/inbox/later-consumer/" + eventId)
                .then()
                .statusCode(200)
                .body("applied", org.hamcrest.Matchers.is(false));
        given().post("/plumbing/inbox/another-consumer/" + eventId)
                .then()
                .statusCode(200)
                .body("applied", org.hamcrest.Matchers.is(true));
        assertEquals(2, effects(eventId));
    }

    @Test
    void aFailureBetweenEffectAndCommitLeavesNeitherAndTheRedeliveryAppliesOnce() {
        UUID eventId = UUID.randomUUID();
        given().post("/plumbing/inbox/failing-consumer/" + eventId + "?fail=true")
                .then()
                .statusCode(500);
        assertEquals(0, effects(eventId));
        assertEquals(
                0,
                BlocksTestSupport.count(
                        dataSource, "select count(*) from relais_inbox where event_id = '" + eventId + "'"));
        given().post("/plumbing/inbox/failing-consumer/" + eventId).then().statusCode(200);
        given().post("/plumbing/inbox/failing-consumer/" + eventId).then().statusCode(200);
        assertEquals(1, effects(eventId));
    }
}
