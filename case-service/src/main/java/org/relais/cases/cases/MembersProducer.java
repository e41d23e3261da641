package org.relais.cases.cases;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.oidc.client.OidcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.directory.AgencyMembers;

import java.time.Duration;

/** The agency members as Keycloak knows them, read with the case-service's own client. */
public class MembersProducer {

    @Produces
    @ApplicationScoped
    AgencyMembers members(OidcClient oidc, ObjectMapper mapper,
                          @ConfigProperty(name = "relais.directory.keycloak-url") String keycloakUrl,
                          @ConfigProperty(name = "relais.directory.realm") String realm) {
        return new AgencyMembers(() -> oidc.getTokens().await().atMost(Duration.ofSeconds(5)).getAccessToken(),
                mapper, keycloakUrl, realm);
    }
}
