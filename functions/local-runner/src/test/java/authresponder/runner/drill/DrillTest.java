package authresponder.runner.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * The drill as an end-to-end test: every scenario, through the real handlers, must end as its runbook says.
 * A scenario whose functions are not built into the runner yet is reported as skipped, not passed.
 */
class DrillTest {

    @TestFactory
    Stream<DynamicTest> everyScenarioEndsAsItsRunbookSays() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Drill.Row> rows = new Drill(new PrintStream(printed, true, StandardCharsets.UTF_8), false).runAll(Scenario.all());
        System.out.println(printed.toString(StandardCharsets.UTF_8));
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.scenario(), () -> {
            List<String> unwired = row.wrong().stream().filter(w -> w.startsWith("not wired")).toList();
            if (!unwired.isEmpty()) {
                throw new TestAbortedException(String.join("; ", unwired));
            }
            assertTrue(row.right(), row.scenario() + ": " + String.join("; ", row.wrong()));
        }));
    }

    @Test
    void anUnknownScenarioIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Drill.run(new String[] {"no-such-incident"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("key-rotation"));
    }
}
