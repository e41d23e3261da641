package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.crypto.CryptoConfig;
import org.relais.blocks.crypto.MasterKeys;
import org.relais.blocks.crypto.ReencryptionJob;
import org.relais.testkit.RelaisTestResource;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class FieldCipherIT {

    private static final String SECRET = "CANARY-Khadija-born-1991";

    @Inject
    AgroalDataSource dataSource;

    @Inject
    CryptoConfig config;

    private UUID write(String plaintext) {
        UUID id = UUID.randomUUID();
        given().contentType(ContentType.TEXT)
                .body(plaintext)
                .post("/plumbing/secrets/" + id)
                .then()
                .statusCode(200);
        return id;
    }

    private String column(String sql, UUID id) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    void theDatabaseHoldsOnlyCiphertextThatOnlyItsPlaceDecrypts() throws Exception {
        UUID id = write(SECRET);
        String stored = column("select secret from test_notes where id = ?", id);
        assertFalse(stored.contains("Khadija"));
        given().get("/plumbing/secrets/" + id).then().statusCode(200).body("plaintext", equalTo(SECRET));
        // the same ciphertext presented as another field of the row does not decrypt
        given().queryParam("field", "other")
                .get("/plumbing/secrets/" + id)
                .then()
                .statusCode(404);
        // copied into another row it does not decrypt either, even under that row's own key
        UUID other = write("something else");
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("update test_notes set secret = ? where id = ?")) {
            ps.setString(1, stored);
            ps.setObject(2, other);
            ps.executeUpdate();
        }
        given().get("/plumbing/secrets/" + other).then().statusCode(404);
    }

    @Test
    void rowsStayReadableAcrossAMasterKeyRotationAndTheRewrapJob() throws Exception {
        UUID before = write("written under k1");
        String dataKey = column("select data_key_id::text from test_notes where id = ?", before);
        assertEquals(
                "k1",
                column("select master_key_id from relais_data_keys where id = ?::uuid", UUID.fromString(dataKey)));

        // rotation: k2 becomes active while k1 stays configured; the job rewraps the old data keys
        MasterKeys rotated = new MasterKeys(config.masterKeys(), "k2");
        ReencryptionJob job = new ReencryptionJob(dataSource, rotated, config);
        assertTrue(job.rewrapAll() >= 1);
        assertEquals(
                "k2",
                column("select master_key_id from relais_data_keys where id = ?::uuid", UUID.fromString(dataKey)));
        assertEquals(
                0,
                BlocksTestSupport.count(
                        dataSource,
                        "select count(*) from relais_data_keys where master_key_id <> 'k2' and wrapped_key is not null"));

        // k1 can now be retired: everything unwraps with k2 alone
        MasterKeys onlyK2 = new MasterKeys(Map.of("k2", config.masterKeys().get("k2")), "k2");
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select id::text, master_key_id, wrapped_key from relais_data_keys where wrapped_key is not null");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                assertEquals(32, onlyK2.unwrap(rs.getString(2), rs.getString(1), rs.getBytes(3)).length);
            }
        }
        // and the running service (configured with both keys) still reads the row
        given().get("/plumbing/secrets/" + before)
                .then()
                .statusCode(200)
                .body("plaintext", equalTo("written under k1"));
    }

    @Test
    void aDestroyedDataKeyMakesTheRecordUnreadable() throws Exception {
        UUID id = write(SECRET);
        given().post("/plumbing/secrets/" + id + "/destroy").then().statusCode(204);
        given().get("/plumbing/secrets/" + id).then().statusCode(404);
        String dataKey = column("select data_key_id::text from test_notes where id = ?", id);
        assertEquals(
                null,
                column("select wrapped_key::text from relais_data_keys where id = ?::uuid", UUID.fromString(dataKey)));
    }
}
