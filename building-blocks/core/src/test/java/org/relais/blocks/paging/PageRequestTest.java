package org.relais.blocks.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.relais.blocks.problem.ProblemException;

class PageRequestTest {

    @Test
    void cursorRoundTripsToTheMicrosecond() {
        Cursor c = new Cursor(Instant.parse("2026-11-23T10:15:30.123456Z"), UUID.randomUUID());
        assertEquals(c, Cursor.decode(c.encode()));
        Cursor old = new Cursor(Instant.parse("1969-12-31T23:59:59.999999Z"), UUID.randomUUID());
        assertEquals(old, Cursor.decode(old.encode()));
    }

    @Test
    void aCursorNotMadeHereIsABadRequest() {
        for (String bad : List.of("nope", "!!!", "YzF8eHx5", "YzJ8MXwx")) {
            ProblemException e = assertThrows(ProblemException.class, () -> PageRequest.of(null, bad, null));
            assertEquals(400, e.problem().status);
        }
    }

    @Test
    void limitDefaultsTo50AndStaysWithin1To200() {
        assertEquals(50, PageRequest.of(null, null, null).limit());
        assertEquals(200, PageRequest.of("200", null, null).limit());
        for (String bad : List.of("0", "201", "-1", "ten")) {
            assertEquals(
                    400,
                    assertThrows(ProblemException.class, () -> PageRequest.of(bad, null, null))
                            .problem()
                            .status);
        }
        assertEquals(
                400,
                assertThrows(ProblemException.class, () -> PageRequest.of(null, null, "yesterday"))
                        .problem()
                        .status);
    }

    @Test
    void aPageHasANextCursorOnlyWhenMoreRowsExist() {
        List<Integer> rows = IntStream.range(0, 4).boxed().toList();
        Page<String> full =
                Page.of(rows, 3, i -> new Cursor(Instant.EPOCH.plusSeconds(i), new UUID(0, i)), String::valueOf);
        assertEquals(List.of("0", "1", "2"), full.items());
        assertEquals(new Cursor(Instant.EPOCH.plusSeconds(2), new UUID(0, 2)), Cursor.decode(full.nextCursor()));
        Page<String> last =
                Page.of(rows.subList(0, 3), 3, i -> new Cursor(Instant.EPOCH, new UUID(0, i)), String::valueOf);
        assertNull(last.nextCursor());
    }
}
