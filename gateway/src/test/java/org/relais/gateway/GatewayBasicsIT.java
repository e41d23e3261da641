package org.relais.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.ServiceBasicsContract;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
class GatewayBasicsIT extends ServiceBasicsContract {}
