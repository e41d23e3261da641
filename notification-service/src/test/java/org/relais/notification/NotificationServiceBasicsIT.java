package org.relais.notification;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.ServiceBasicsContract;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class NotificationServiceBasicsIT extends ServiceBasicsContract {}
