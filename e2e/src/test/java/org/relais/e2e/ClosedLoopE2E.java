package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Journey 1, as agencies live it: the police refer a survivor to the listening centre, which
 * acknowledges, accepts and opens a case; the risk is assessed, the plan worked, the case closed; the
 * police see the referral COMPLETED. Only HTTP through the gateway, with tokens from the real Keycloak.
 */
@Order(1)
class ClosedLoopE2E {

    private final RelaisSystem system = RelaisSystem.get();

    private RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    @Test
    void theReferralComesBackCompletedAfterTheCaseCloses() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String ngoSupervisor = system.passwordToken("ngo-supervisor");

        String referralId = as(police)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT", "SHELTER"], "priority": "URGENT",
                 "reason": "Violences répétées au domicile",
                 "subject": {"fullName": "Survivante E2E", "birthYear": 1994, "languages": ["ar", "fr"],
                             "safeContact": {"method": "PHONE", "value": "+212600000000", "safeTimes": "09:00-12:00", "noContact": false}},
                 "incident": {"forms": ["PHYSICAL", "PSYCHOLOGICAL"], "occurredOn": "2026-11-20", "ageBand": "25-34",
                              "childrenPresent": true, "needs": ["INTERPRETER"]},
                 "consent": {"granted": true, "scope": ["IDENTITY", "CONTACT", "NARRATIVE"], "method": "VERBAL",
                             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker", "allowOnwardReferral": true},
                 "externalReference": "PV-2026-1234"}""")
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .body("status", equalTo("SENT"))
                .extract()
                .path("id");

        as(ngo).queryParam("direction", "received")
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(referralId));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(ngo).header("Accept-Language", "en")
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/notifications")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.findAll { it.referralId == '" + referralId + "' }.type",
                                hasItem("relais.referral.sent")));
        as(ngo).when()
                .get("/api/v1/agencies/ngo-casa-ecoute/members")
                .then()
                .statusCode(200)
                .body("username", hasItem("ngo-caseworker"))
                .body("username", hasItem("ngo-supervisor"));
        as(ngo).contentType(ContentType.JSON)
                .body("{\"assignee\": \"police-caseworker\"}")
                .when()
                .post("/api/v1/referrals/" + referralId + "/accept")
                .then()
                .statusCode(422);
        as(ngo).contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/api/v1/referrals/" + referralId + "/acknowledge")
                .then()
                .statusCode(200)
                .body("status", equalTo("ACKNOWLEDGED"));
        as(ngo).contentType(ContentType.JSON)
                .body("{\"assignee\": \"ngo-caseworker\"}")
                .when()
                .post("/api/v1/referrals/" + referralId + "/accept")
                .then()
                .statusCode(200)
                .body("status", equalTo("ACCEPTED"));

        String caseId = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> as(ngo).queryParam("limit", 200)
                                .when()
                                .get("/api/v1/cases")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id"),
                        ids -> !ids.isEmpty())
                .get(0);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(ngo).when()
                        .get("/api/v1/cases/" + caseId)
                        .then()
                        .statusCode(200)
                        .body("detailsPending", equalTo(false))
                        .body("subject.fullName", equalTo("Survivante E2E")));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(police)
                        .when()
                        .get("/api/v1/referrals/" + referralId)
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("ACCEPTED")));
        // the police do not see the NGO's case
        as(police)
                .when()
                .get("/api/v1/cases/" + caseId)
                .then()
                .statusCode(404); // another agency's case does not exist for them

        String answers = IntStream.rangeClosed(1, 24)
                .mapToObj(i -> "\"q" + i + "\": " + (i <= 15))
                .collect(Collectors.joining(", ", "{", "}"));
        as(ngo).contentType(ContentType.JSON)
                .body("{\"answers\": " + answers + "}")
                .when()
                .post("/api/v1/cases/" + caseId + "/risk-assessments")
                .then()
                .statusCode(201)
                .body("level", equalTo("HIGH"));
        String actionId = as(ngo).contentType(ContentType.JSON)
                .body(
                        "{\"type\": \"SHELTER_PLACEMENT\", \"dueAt\": \"2026-12-01T10:00:00Z\", \"description\": \"Place at the shelter\"}")
                .when()
                .post("/api/v1/cases/" + caseId + "/actions")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(ngo).when()
                .post("/api/v1/cases/" + caseId + "/actions/" + actionId + "/complete")
                .then()
                .statusCode(200);
        as(ngo).contentType(ContentType.JSON)
                .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"Sheltered and supported\"}")
                .when()
                .post("/api/v1/cases/" + caseId + "/close")
                .then()
                .statusCode(200)
                .body("status", equalTo("CLOSED"));

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(police)
                        .when()
                        .get("/api/v1/referrals/" + referralId)
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("COMPLETED"))
                        .body("outcome", equalTo("SERVICES_DELIVERED")));
        // the police are told the outcome; the NGO's supervisors were told of the high risk; the duty e-mail went out
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(police)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/notifications")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.findAll { it.referralId == '" + referralId + "' }.type",
                                hasItem("relais.referral.completed")));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(ngoSupervisor)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/notifications")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.findAll { it.caseId == '" + caseId + "' }.type",
                                hasItem("relais.case.high-risk")));
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().baseUri("http://127.0.0.1")
                        .port(RelaisSystem.MAIL_API)
                        .when()
                        .get("/api/user")
                        .then()
                        .statusCode(200)
                        .body(org.hamcrest.Matchers.containsString("duty@ngo-casa-ecoute.demo.relais.dev")));
        as(police)
                .when()
                .get("/api/v1/referrals/" + referralId + "/history")
                .then()
                .statusCode(200)
                .body("to", equalTo(List.of("SENT", "ACKNOWLEDGED", "ACCEPTED", "COMPLETED")));
        as(ngoSupervisor)
                .when()
                .get("/api/v1/cases/" + caseId + "/timeline")
                .then()
                .statusCode(200)
                .body(
                        "type",
                        equalTo(List.of(
                                "opened",
                                "details-received",
                                "risk-assessed",
                                "high-risk",
                                "action-added",
                                "action-completed",
                                "closed")));
        as(ngoSupervisor)
                .when()
                .get("/api/v1/cases/" + caseId)
                .then()
                .body("priority", equalTo("EMERGENCY"))
                .body("closedAt", notNullValue());

        // the audit trail, as the platform auditor reads it: every step in order, with the reads of survivor data
        String auditor = system.passwordToken("platform-auditor");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(auditor)
                        .queryParam("referralId", referralId)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/audit/trail")
                        .then()
                        .statusCode(200)
                        .body("complete", equalTo(true))
                        .body("items.type", hasItem("relais.referral.sent"))
                        .body("items.type", hasItem("relais.referral.completed"))
                        .body("items.type", hasItem("relais.case.opened"))
                        .body("items.type", hasItem("relais.case.closed"))
                        .body("items.type", hasItem("relais.access.survivor-data-read")));
        List<String> at = as(auditor)
                .queryParam("referralId", referralId)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .extract()
                .jsonPath()
                .getList("items.at");
        List<String> sorted = new java.util.ArrayList<>(at);
        sorted.sort(java.util.Comparator.comparing(java.time.Instant::parse));
        org.junit.jupiter.api.Assertions.assertEquals(sorted, at, "in time order");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(auditor)
                        .when()
                        .get("/api/v1/audit/verify")
                        .then()
                        .statusCode(200)
                        .body("valid", equalTo(true)));
    }
}
