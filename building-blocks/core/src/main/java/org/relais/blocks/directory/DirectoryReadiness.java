package org.relais.blocks.directory;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready until the agency directory has been read up to the end of its topic. */
@Readiness
@ApplicationScoped
public class DirectoryReadiness implements HealthCheck {

    private final AgencyDirectory directory;

    public DirectoryReadiness(AgencyDirectory directory) {
        this.directory = directory;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agency-directory")
                .status(directory.caughtUp())
                .withData("agencies", directory.all().size())
                .build();
    }
}
