package org.relais.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InstancesTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private GatewayProxy.Instance instance(int port) {
        return new GatewayProxy.Instance(
                URI.create("http://127.0.0.1:" + port), new CircuitBreaker(2, Duration.ofSeconds(10), now::get));
    }

    private final GatewayProxy.Instance one = instance(8081);
    private final GatewayProxy.Instance two = instance(8091);
    private final GatewayProxy.Instances both = new GatewayProxy.Instances(List.of(one, two));

    private GatewayProxy.Instance next() {
        GatewayProxy.Attempt attempt = both.admit(both.firstTurn(), 0);
        attempt.instance().breaker().success(attempt.admission());
        return attempt.instance();
    }

    @Test
    void takenInTurn() {
        assertEquals(List.of(one, two, one, two), List.of(next(), next(), next(), next()));
    }

    @Test
    void anInstanceWhoseCircuitIsOpenIsPassedOverUntilItsTrial() {
        for (int i = 0; i < 2; i++) {
            one.breaker().failure(one.breaker().admit());
        }
        assertEquals(1, both.notClosed());
        assertEquals(List.of(two, two, two), List.of(next(), next(), next()));
        now.addAndGet(10_000);
        List<GatewayProxy.Instance> after = List.of(next(), next());
        org.junit.jupiter.api.Assertions.assertTrue(after.contains(one), "its trial came, and closed it: " + after);
        assertEquals(0, both.notClosed());
    }

    @Test
    void aRetryGoesOnToTheRestOfTheRoundOnly() {
        int first = both.firstTurn();
        GatewayProxy.Attempt attempt = both.admit(first, 0);
        GatewayProxy.Attempt retry = both.admit(first, attempt.next());
        assertEquals(List.of(one, two), List.of(attempt.instance(), retry.instance()));
        GatewayProxy.Attempt none = both.admit(first, retry.next());
        assertNull(none.instance(), "every instance of the round was tried");
    }

    @Test
    void noneAdmittedSaysHowLongUntilTheFirstTrial() {
        for (GatewayProxy.Instance i : List.of(one, two)) {
            i.breaker().failure(i.breaker().admit());
            i.breaker().failure(i.breaker().admit());
            now.addAndGet(4_000);
        }
        GatewayProxy.Attempt refused = both.admit(both.firstTurn(), 0);
        assertNull(refused.instance());
        assertEquals(2_000, refused.waitMillis(), "the first one's circuit opened 8 s ago");
    }
}
