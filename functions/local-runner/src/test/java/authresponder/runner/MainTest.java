package authresponder.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), new Env(Map.of()));
    }

    @Test
    void usageErrorsExitTwoAndSayWhy() {
        assertEquals(2, run(""));
        assertEquals(2, run("", "invoke", "flush-cache"));
        assertEquals(2, run("", "invoke", "no-such-function", "--event", "-"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown function 'no-such-function'"));
        assertEquals(2, run("", "invoke", "flush-cache", "--event", "/nonexistent/event.json"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no such event file"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
