package org.relais.cases;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.ServiceBasicsContract;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "cases"))
class CaseServiceBasicsIT extends ServiceBasicsContract {}
