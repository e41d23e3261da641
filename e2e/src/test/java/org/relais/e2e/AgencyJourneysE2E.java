package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Journeys 3, 4 and 5: decline and redirect, a missed deadline, a withdrawn consent; over HTTP with real tokens. */
@Order(3)
class AgencyJourneysE2E {

    private final RelaisSystem system = RelaisSystem.get();

    private RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    private static String referral(String to, String priority) {
        return """
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "%s", "reason": "E2E narrative",
                 "subject": {"fullName": "Journey Survivor", "birthYear": 1990},
                 "consent": {"granted": true, "scope": ["IDENTITY", "NARRATIVE"], "method": "WRITTEN",
                             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "someone", "allowOnwardReferral": true}}
                """.formatted(to, priority);
    }

    private String send(String token, String to, String priority) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(referral(to, priority))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private void act(String token, String id, String action, String body) {
        as(token)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/api/v1/referrals/" + id + "/" + action)
                .then()
                .statusCode(200);
    }

    @Test
    void declineAndRedirectTellTheOriginTheOutcomeWithoutSurvivorData() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String shelter = system.passwordToken("shelter-caseworker");

        String declined = send(police, "ngo-casa-ecoute", "ROUTINE");
        act(ngo, declined, "decline", "{\"reasonCode\": \"NO_CAPACITY\"}");
        as(police).when().get("/api/v1/referrals/" + declined).then().body("status", equalTo("DECLINED"));

        String id = send(police, "ngo-casa-ecoute", "URGENT");
        String onward = as(ngo).contentType(ContentType.JSON)
                .body("{\"toAgencyId\": \"shelter-rabat-amal\"}")
                .when()
                .post("/api/v1/referrals/" + id + "/redirect")
                .then()
                .statusCode(200)
                .body("status", equalTo("REDIRECTED"))
                .extract()
                .path("redirectedToId");
        as(shelter)
                .when()
                .get("/api/v1/referrals/" + onward)
                .then()
                .statusCode(200)
                .body("originAgencyId", equalTo("police-casa-anfa"))
                .body("subject.fullName", equalTo("Journey Survivor"));
        act(shelter, onward, "accept", "{\"assignee\": \"shelter-caseworker\"}");
        String caseId = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> as(shelter)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/cases")
                                .then()
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + onward + "' }.id"),
                        ids -> !ids.isEmpty())
                .get(0);
        as(shelter)
                .contentType(ContentType.JSON)
                .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"Housed\"}")
                .when()
                .post("/api/v1/cases/" + caseId + "/close")
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(police)
                        .when()
                        .get("/api/v1/referrals/" + onward)
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("COMPLETED"))
                        .body("outcome", equalTo("SERVICES_DELIVERED"))
                        .body("subject", nullValue())
                        .body("reason", nullValue()));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(police)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/notifications")
                        .then()
                        .body(
                                "items.findAll { it.referralId == '" + onward + "' }.type",
                                hasItem("relais.referral.completed")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aMissedDeadlineIsMarkedOnceAndBothSupervisorsAreTold() {
        String admin = system.passwordToken("platform-admin");
        Map<String, Object> current = as(admin)
                .when()
                .get("/api/v1/agencies/police-casa-anfa")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("");
        Map<String, Object> original = new java.util.LinkedHashMap<>();
        for (String field : List.of(
                "name",
                "type",
                "region",
                "timeZone",
                "services",
                "languages",
                "acknowledgeWithin",
                "capacity",
                "dutyEmail",
                "notificationLanguage",
                "webhookAllowedHosts",
                "active")) {
            original.put(field, current.get(field));
        }
        Map<String, Object> shortened = new java.util.LinkedHashMap<>(original);
        Map<String, Object> within =
                new java.util.LinkedHashMap<>((Map<String, Object>) original.get("acknowledgeWithin"));
        within.put("URGENT", "PT3S");
        shortened.put("acknowledgeWithin", within);
        as(admin)
                .contentType(ContentType.JSON)
                .body(shortened)
                .when()
                .put("/api/v1/agencies/police-casa-anfa")
                .then()
                .statusCode(200)
                .body("acknowledgeWithin.URGENT", equalTo("PT3S"));
        try {
            String ngo = system.passwordToken("ngo-caseworker");
            // the directory the referral-service reads is its own table: the new deadline applies at once
            String id = send(ngo, "police-casa-anfa", "URGENT");
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> as(ngo).when()
                            .get("/api/v1/referrals/" + id)
                            .then()
                            .body("overdue", equalTo(true))
                            .body("overdueAt", notNullValue())
                            .body("status", equalTo("SENT")));
            for (String supervisor : List.of("police-supervisor", "ngo-supervisor")) {
                String token = system.passwordToken(supervisor);
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> as(token)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/notifications")
                                .then()
                                .statusCode(200)
                                .body(
                                        "items.findAll { it.referralId == '" + id + "' }.type",
                                        hasItem("relais.referral.overdue")));
            }
            as(system.passwordToken("ngo-caseworker"))
                    .queryParam("limit", 200)
                    .when()
                    .get("/api/v1/notifications")
                    .then()
                    .body(
                            "items.findAll { it.referralId == '" + id
                                    + "' && it.type == 'relais.referral.overdue' }.size()",
                            equalTo(0));
        } finally {
            as(admin)
                    .contentType(ContentType.JSON)
                    .body(original)
                    .when()
                    .put("/api/v1/agencies/police-casa-anfa")
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void aWithdrawnConsentErasesTheReferralAndTheCaseAndTheTrailShowsWhoReadBefore() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String id = send(police, "ngo-casa-ecoute", "ROUTINE");
        act(ngo, id, "accept", "{\"assignee\": \"ngo-caseworker\"}");
        String caseId = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> as(ngo).queryParam("limit", 200)
                                .when()
                                .get("/api/v1/cases")
                                .then()
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + id + "' }.id"),
                        ids -> !ids.isEmpty())
                .get(0);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(ngo).when()
                        .get("/api/v1/cases/" + caseId)
                        .then()
                        .body("subject.fullName", equalTo("Journey Survivor")));
        act(police, id, "withdraw-consent", "{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}");
        as(ngo).when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("reason", nullValue())
                .body("status", equalTo("WITHDRAWN"));
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(ngo).when()
                        .get("/api/v1/cases/" + caseId)
                        .then()
                        .body("subject", nullValue())
                        .body("dataErasedAt", notNullValue()));
        String auditor = system.passwordToken("platform-auditor");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> as(auditor)
                        .queryParam("referralId", id)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/audit/trail")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.findAll { it.type == 'relais.access.survivor-data-read' }.actor",
                                hasItem("ngo-caseworker"))
                        .body("items.type", hasItem("relais.referral.consent-withdrawn"))
                        .body("items.type", hasItem("relais.case.data-erased")));
    }
}
