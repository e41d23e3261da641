package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The merged OpenAPI document the gateway publishes, as the launched system serves it: it parses
 * without errors (swagger-parser), every operation is fully described, and everything the API guide names
 * (paths, methods, fields, enum values; written out here from the API guide, not read from the code)
 * is in it.
 */
@Order(2)
class ApiDocumentE2E {

    private final RelaisSystem system = RelaisSystem.get();

    /** API guide sections 3 to 7: method and path of every operation. */
    private static final List<String> OPERATIONS = List.of(
            "GET /api/v1/agencies",
            "GET /api/v1/agencies/{id}",
            "POST /api/v1/agencies",
            "PUT /api/v1/agencies/{id}",
            "PUT /api/v1/agencies/{id}/capacity",
            "GET /api/v1/agencies/{id}/members",
            "POST /api/v1/referrals",
            "GET /api/v1/referrals",
            "GET /api/v1/referrals/{id}",
            "GET /api/v1/referrals/{id}/history",
            "POST /api/v1/referrals/{id}/{action}",
            "POST /api/v1/cases",
            "GET /api/v1/cases",
            "GET /api/v1/cases/{id}",
            "GET /api/v1/cases/{id}/timeline",
            "POST /api/v1/cases/{id}/assign",
            "GET /api/v1/cases/risk-questions",
            "POST /api/v1/cases/{id}/risk-assessments",
            "POST /api/v1/cases/{id}/actions",
            "POST /api/v1/cases/{id}/actions/{actionId}/complete",
            "POST /api/v1/cases/{id}/close",
            "GET /api/v1/notifications",
            "POST /api/v1/notifications/{id}/read",
            "GET /api/v1/notifications/stream",
            "POST /api/v1/webhooks",
            "GET /api/v1/webhooks",
            "PATCH /api/v1/webhooks/{id}",
            "POST /api/v1/webhooks/{id}/rotate-secret",
            "DELETE /api/v1/webhooks/{id}",
            "GET /api/v1/webhooks/{id}/deliveries",
            "POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
            "GET /api/v1/audit/trail",
            "GET /api/v1/audit/verify",
            "GET /api/v1/openapi");

    /** Fields of the contract's bodies and resources. */
    private static final List<String> FIELDS = List.of(
            // agency
            "id",
            "name",
            "type",
            "region",
            "timeZone",
            "services",
            "languages",
            "acknowledgeWithin",
            "capacity",
            "capacityUpdatedAt",
            "dutyEmail",
            "notificationLanguage",
            "permissions",
            "webhookAllowedHosts",
            "active",
            "username",
            "displayName",
            "roles",
            // referral
            "receivingAgencyId",
            "priority",
            "reason",
            "subject",
            "fullName",
            "birthYear",
            "safeContact",
            "method",
            "value",
            "safeTimes",
            "noContact",
            "incident",
            "forms",
            "occurredOn",
            "ageBand",
            "childrenPresent",
            "needs",
            "consent",
            "granted",
            "scope",
            "recordedAt",
            "recordedBy",
            "allowOnwardReferral",
            "expiresAt",
            "survivorId",
            "caseId",
            "externalReference",
            "reference",
            "status",
            "sendingAgencyId",
            "acknowledgeBy",
            "decideBy",
            "overdue",
            "overdueAt",
            "redirectedFromId",
            "redirectedToId",
            "originAgencyId",
            "receivingCaseId",
            "outcome",
            "createdAt",
            "updatedAt",
            "version",
            "assignee",
            "note",
            "reasonCode",
            "toAgencyId",
            "alternatives",
            "from",
            "to",
            "byAgencyId",
            "byUser",
            "at",
            // case
            "owningAgencyId",
            "referralId",
            "riskLevel",
            "detailsPending",
            "actions",
            "summary",
            "openedAt",
            "closedAt",
            "by",
            "answers",
            "professionalJudgement",
            "score",
            "level",
            "assessedAt",
            "assessedBy",
            "dueAt",
            "description",
            // notifications and webhooks
            "audience",
            "agencyId",
            "title",
            "body",
            "readAt",
            "url",
            "eventTypes",
            "secret",
            "paused",
            // pages and the audit trail
            "items",
            "nextCursor",
            "complete",
            "valid");

    /** Enumerations of the contract, value by value. */
    private static final List<String> ENUM_VALUES = List.of(
            "POLICE",
            "GENDARMERIE",
            "PROSECUTION",
            "COURT",
            "HEALTH",
            "NGO",
            "SHELTER",
            "LEGAL_AID",
            "SOCIAL_SERVICES",
            "MEDICAL_CARE",
            "FORENSIC_EXAM",
            "PSYCHOSOCIAL_SUPPORT",
            "PROTECTION_ORDER",
            "INVESTIGATION",
            "ECONOMIC_SUPPORT",
            "CHILD_PROTECTION",
            "AVAILABLE",
            "LIMITED",
            "FULL",
            "ROUTINE",
            "URGENT",
            "EMERGENCY",
            "PHYSICAL",
            "SEXUAL",
            "PSYCHOLOGICAL",
            "ECONOMIC",
            "INTERPRETER",
            "DISABILITY_ACCESS",
            "CHILDCARE",
            "URGENT_MEDICAL",
            "SAFE_HOUSING",
            "IDENTITY",
            "CONTACT",
            "NARRATIVE",
            "SENT",
            "ACKNOWLEDGED",
            "ACCEPTED",
            "DECLINED",
            "REDIRECTED",
            "IN_PROGRESS",
            "ON_HOLD",
            "COMPLETED",
            "FAILED",
            "WITHDRAWN",
            "OPEN",
            "CLOSED",
            "STANDARD",
            "MEDIUM",
            "HIGH",
            "APPOINTMENT",
            "SHELTER_PLACEMENT",
            "MEDICAL_EXAM",
            "FOLLOW_UP_CALL",
            "OTHER",
            "SERVICES_DELIVERED",
            "SURVIVOR_DECLINED",
            "LOST_CONTACT",
            "TRANSFERRED",
            "AGENCY",
            "ROLE",
            "USER");

    @Test
    void theMergedDocumentParsesAndCoversTheContract() {
        // a 503 says a service's description is momentarily unavailable and to retry: a client retries
        String json = org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .until(
                        () -> given().baseUri("http://127.0.0.1")
                                .port(RelaisSystem.GATEWAY)
                                .when()
                                .get("/api/v1/openapi"),
                        r -> r.statusCode() == 200)
                .asString();
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(json, null, null);
        assertEquals(
                List.of(),
                parsed.getMessages() == null ? List.of() : parsed.getMessages(),
                "swagger-parser's messages");
        OpenAPI api = parsed.getOpenAPI();

        List<String> defects = new ArrayList<>();
        Set<String> operations = new HashSet<>();
        api.getPaths()
                .forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
                    String name = method.name() + " " + path;
                    operations.add(name);
                    if (op.getOperationId() == null
                            || op.getSummary() == null
                            || op.getTags() == null
                            || op.getTags().isEmpty()) {
                        defects.add(name + ": operationId, summary or tag missing");
                    }
                    boolean isPublic =
                            op.getSecurity() != null && op.getSecurity().isEmpty();
                    if (!isPublic && (op.getSecurity() == null && api.getSecurity() == null)) {
                        defects.add(name + ": no security requirement");
                    }
                    for (String code : isPublic ? List.of("404") : List.of("401", "403", "404")) {
                        if (op.getResponses() == null || !op.getResponses().containsKey(code)) {
                            defects.add(name + ": " + code + " not documented");
                        }
                    }
                }));
        assertEquals(List.of(), defects);
        for (String op : OPERATIONS) {
            assertTrue(operations.contains(op), op + " is not in the document");
        }

        Set<String> properties = new HashSet<>();
        Set<String> enums = new HashSet<>();
        api.getComponents().getSchemas().values().forEach(s -> collect(s, properties, enums, new HashSet<>()));
        api.getPaths()
                .values()
                .forEach(item -> item.readOperations().forEach(op -> {
                    if (op.getParameters() != null) {
                        op.getParameters().forEach(p -> {
                            properties.add(p.getName());
                            collect(p.getSchema(), properties, enums, new HashSet<>());
                        });
                    }
                }));
        List<String> missingFields =
                FIELDS.stream().filter(f -> !properties.contains(f)).toList();
        assertEquals(List.of(), missingFields, "contract fields missing from the document");
        List<String> missingValues =
                ENUM_VALUES.stream().filter(v -> !enums.contains(v)).toList();
        assertEquals(List.of(), missingValues, "contract enum values missing from the document");
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void collect(Schema schema, Set<String> properties, Set<String> enums, Set<Schema> seen) {
        if (schema == null || !seen.add(schema)) {
            return;
        }
        if (schema.getEnum() != null) {
            schema.getEnum().forEach(v -> enums.add(String.valueOf(v)));
        }
        if (schema.getProperties() != null) {
            ((Map<String, Schema>) schema.getProperties()).forEach((name, child) -> {
                properties.add(name);
                collect(child, properties, enums, seen);
            });
        }
        collect(schema.getItems(), properties, enums, seen);
        if (schema.getAdditionalProperties() instanceof Schema extra) {
            collect(extra, properties, enums, seen);
        }
        for (List<Schema> group : new List[] {schema.getAllOf(), schema.getAnyOf(), schema.getOneOf()}) {
            if (group != null) {
                group.forEach(s -> collect(s, properties, enums, seen));
            }
        }
    }
}
