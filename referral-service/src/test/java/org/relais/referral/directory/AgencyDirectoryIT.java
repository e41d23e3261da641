package org.relais.referral.directory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.Topics;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;
import org.relais.testkit.TopicReader;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class AgencyDirectoryIT {

    private final ObjectMapper mapper = new ObjectMapper();
    private final String admin = TestTokens.platformUser("platform-admin", "platform-admin");

    static String body(String id, String type, String region, boolean active) {
        return """
                {"id": "%s", "name": "Test agency %s", "type": "%s", "region": "%s", "timeZone": "Africa/Casablanca",
                 "services": ["PSYCHOSOCIAL_SUPPORT", "SHELTER"], "languages": ["ar", "fr"],
                 "acknowledgeWithin": {"EMERGENCY": "PT1H", "URGENT": "PT4H", "ROUTINE": "P2D"},
                 "dutyEmail": "duty@%s.example", "notificationLanguage": "fr", "webhookAllowedHosts": ["127.0.0.1"],
                 "active": %s}""".formatted(id, id, type, region, id, active);
    }

    private String register(String region) {
        String id = "ngo-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body(id, "NGO", region, true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/agencies/" + id))
                .header("ETag", notNullValue())
                .body("id", equalTo(id))
                .body("capacity", equalTo("AVAILABLE"))
                .body("version", notNullValue());
        return id;
    }

    /** The directory every component keeps follows the topic: wait until this service's own copy has the agency. */
    private void awaitInDirectory(String id, String token) {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> given().auth()
                        .oauth2(token)
                        .when()
                        .get("/api/v1/agencies/" + id)
                        .then()
                        .statusCode(200));
    }

    @Test
    void thePlatformRegistersAnAgencyAndItsFullRecordIsPublished() throws Exception {
        String id = register("Casablanca-Settat");
        List<ConsumerRecord<String, String>> records =
                TopicReader.read(Topics.AGENCIES, r -> id.equals(r.key()), rs -> !rs.isEmpty(), Duration.ofSeconds(20));
        JsonNode event = mapper.readTree(records.get(0).value());
        assertEquals("relais.agency.registered", event.get("type").asText());
        assertEquals(id, event.get("subject").asText());
        assertEquals("NGO", event.get("data").get("type").asText());
        assertEquals(
                "PT4H", event.get("data").get("acknowledgeWithin").get("URGENT").asText());
        assertEquals(true, event.get("data").get("active").asBoolean());
    }

    @Test
    void aRepeatedRegistrationWithTheSameKeyReplaysAndAnotherBodyIs422() {
        String id = "ngo-" + UUID.randomUUID().toString().substring(0, 8);
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            given().auth()
                    .oauth2(admin)
                    .header("Idempotency-Key", key)
                    .contentType(ContentType.JSON)
                    .body(body(id, "NGO", "Oriental", true))
                    .when()
                    .post("/api/v1/agencies")
                    .then()
                    .statusCode(201)
                    .body("id", equalTo(id))
                    .body("version", equalTo(0));
        }
        given().auth()
                .oauth2(admin)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body(body(id, "SHELTER", "Oriental", true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(422);
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body(id, "NGO", "Oriental", true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(409);
    }

    @Test
    void invalidEntriesAre422NamingTheField() {
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body("Bad Slug", "NGO", "X", true).replace("Africa/Casablanca", "Mars/Olympus"))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/id"));
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body("ok-slug-" + System.nanoTime(), "NGO", "X", true)
                        .replace("Africa/Casablanca", "Mars/Olympus")
                        .replace("PT4H", "soon"))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/timeZone"))
                .body("errors.field", hasItem("/acknowledgeWithin/URGENT"));
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body("x-" + System.nanoTime(), "SPACESHIP", "X", true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("/type"));
    }

    @Test
    void onlyThePlatformAdminWritesTheDirectory() {
        given().auth()
                .oauth2(TestTokens.user("ngo-x", "x-supervisor", "supervisor"))
                .contentType(ContentType.JSON)
                .body(body("x-" + System.nanoTime(), "NGO", "X", true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.platformUser("platform-auditor", "platform-auditor"))
                .contentType(ContentType.JSON)
                .body(body("x-" + System.nanoTime(), "NGO", "X", true))
                .when()
                .post("/api/v1/agencies")
                .then()
                .statusCode(403);
    }

    @Test
    void anAgencyReportsItsOwnCapacityOnly() {
        String id = register("Fès-Meknès");
        String other = register("Fès-Meknès");
        String supervisor = TestTokens.user(id, "sup", "supervisor");
        awaitInDirectory(id, supervisor);
        given().auth()
                .oauth2(supervisor)
                .contentType(ContentType.JSON)
                .body("{\"capacity\":\"FULL\",\"note\":\"no beds\"}")
                .when()
                .put("/api/v1/agencies/" + id + "/capacity")
                .then()
                .statusCode(200)
                .body("capacity", equalTo("FULL"))
                .body("version", equalTo(1));
        given().auth()
                .oauth2(supervisor)
                .contentType(ContentType.JSON)
                .body("{\"capacity\":\"FULL\"}")
                .when()
                .put("/api/v1/agencies/" + other + "/capacity")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.user(id, "ref", "referrer"))
                .contentType(ContentType.JSON)
                .body("{\"capacity\":\"LIMITED\"}")
                .when()
                .put("/api/v1/agencies/" + id + "/capacity")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(supervisor)
                .header("If-Match", "\"0\"")
                .contentType(ContentType.JSON)
                .body("{\"capacity\":\"LIMITED\"}")
                .when()
                .put("/api/v1/agencies/" + id + "/capacity")
                .then()
                .statusCode(412);
    }

    @Test
    void listsFilterPageAndSync() {
        String region = "Region-" + UUID.randomUUID();
        String a = register(region);
        String b = register(region);
        String c = register(region);
        String token = TestTokens.user(a, "reader", "referrer");
        awaitInDirectory(a, token);
        String next = given().auth()
                .oauth2(token)
                .queryParam("region", region)
                .queryParam("limit", 2)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(2))
                .body("items[0].id", equalTo(a))
                .body("nextCursor", notNullValue())
                .extract()
                .path("nextCursor");
        given().auth()
                .oauth2(token)
                .queryParam("region", region)
                .queryParam("cursor", next)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(200)
                .body("items.id", equalTo(List.of(c)))
                .body("nextCursor", equalTo(null));
        given().auth()
                .oauth2(token)
                .queryParam("service", "FORENSIC_EXAM")
                .queryParam("region", region)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(0));
        given().auth()
                .oauth2(token)
                .queryParam("type", "WIZARD")
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(400);
        String etag = given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/agencies/" + b)
                .then()
                .statusCode(200)
                .extract()
                .header("ETag");
        given().auth()
                .oauth2(token)
                .header("If-None-Match", etag)
                .when()
                .get("/api/v1/agencies/" + b)
                .then()
                .statusCode(304);
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/agencies/no-such-agency")
                .then()
                .statusCode(404);
    }

    @Test
    void whatAClientReadsItCanWriteBack() {
        String id = register("Drâa-Tafilalet");
        String read = given().auth()
                .oauth2(admin)
                .when()
                .get("/api/v1/agencies/" + id)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(read.replace("Test agency", "Renamed agency"))
                .when()
                .put("/api/v1/agencies/" + id)
                .then()
                .log()
                .ifValidationFails()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.startsWith("Renamed agency"));
    }

    @Test
    void aSuspendedAgencyIsRefusedEverywhereWithinSeconds() {
        String id = register("Souss-Massa");
        String member = TestTokens.user(id, "member", "caseworker");
        awaitInDirectory(id, member);
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(body(id, "NGO", "Souss-Massa", false))
                .when()
                .put("/api/v1/agencies/" + id)
                .then()
                .statusCode(200)
                .body("active", equalTo(false));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> given().auth()
                        .oauth2(member)
                        .when()
                        .get("/api/v1/agencies")
                        .then()
                        .statusCode(403));
        given().auth()
                .oauth2(admin)
                .when()
                .get("/api/v1/agencies/" + id)
                .then()
                .statusCode(200)
                .body("active", not(equalTo(true)));
    }
}
