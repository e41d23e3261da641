package org.relais.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamLimitsTest {

    private final StreamLimits limits = new StreamLimits(2, 3, 4);

    private StreamLimits.Permit admitted(String user, String agency) {
        return assertInstanceOf(StreamLimits.Permit.class, limits.admit(user, agency));
    }

    private StreamLimits.Refused refused(String user, String agency) {
        return assertInstanceOf(StreamLimits.Refused.class, limits.admit(user, agency));
    }

    @Test
    void eachLimitRefusesTheStreamPastItAndNamesItself() {
        admitted("u1", "a");
        admitted("u1", "a");
        assertEquals(new StreamLimits.Refused(StreamLimits.Scope.USER, 2), refused("u1", "a"));
        admitted("u2", "a");
        assertEquals(new StreamLimits.Refused(StreamLimits.Scope.AGENCY, 3), refused("u3", "a"));
        admitted("u3", "b");
        assertEquals(new StreamLimits.Refused(StreamLimits.Scope.GATEWAY, 4), refused("u4", "c"));
        assertEquals(4, limits.open());
    }

    @Test
    void theNarrowestLimitIsTheOneNamed() {
        admitted("u1", "a");
        admitted("u1", "a");
        admitted("u2", "a");
        // u1 is at its own limit and its agency at the agency's: the user's is the one it can act on
        assertEquals(StreamLimits.Scope.USER, refused("u1", "a").scope());
    }

    @Test
    void aPlaceIsGivenBackOnceHoweverManyTimesTheEndIsNoticed() {
        StreamLimits.Permit first = admitted("u1", "a");
        admitted("u1", "a");
        first.release();
        first.release(); // the response's end, then the connection's close, then an exception
        first.release();
        assertEquals(1, limits.open());
        assertEquals(1, limits.openFor("u1"));
        admitted("u1", "a");
        refused("u1", "a");
    }

    @Test
    void aCallerWithoutAnAgencyHasOnlyTheUserAndGatewayLimits() {
        admitted("platform", null);
        admitted("platform", null);
        assertEquals(StreamLimits.Scope.USER, refused("platform", null).scope());
    }

    @Test
    void releasingEverythingLeavesNothingCounted() {
        List<StreamLimits.Permit> permits = new ArrayList<>();
        permits.add(admitted("u1", "a"));
        permits.add(admitted("u2", "a"));
        permits.add(admitted("u3", "b"));
        permits.add(admitted("u3", "b"));
        permits.forEach(StreamLimits.Permit::release);
        assertEquals(0, limits.open());
        assertEquals(0, limits.openFor("u3"));
        for (int i = 0; i < 4; i++) {
            admitted("u" + (10 + i), i < 2 ? "a" : "b");
        }
    }
}
