package org.relais.testkit;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import java.net.URI;

/**
 * The management interface of the application under test, where /q/health and /q/metrics answer (never on
 * the public port). Its test port is chosen at random (quarkus.management.test-port=0), so it is read from
 * the running application, as @TestHTTPResource(management = true) does.
 */
public final class Management {

    private Management() {}

    /** The port /q/health and /q/metrics answer on, for {@code given().port(Management.port())}. */
    public static int port() {
        int port = URI.create(TestHTTPResourceManager.getManagementUri()).getPort();
        if (port <= 0) {
            throw new IllegalStateException(
                    "the management interface is not listening: " + TestHTTPResourceManager.getManagementUri());
        }
        return port;
    }
}
