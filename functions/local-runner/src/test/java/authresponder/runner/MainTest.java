package authresponder.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import authresponder.testkit.Ports;
import authresponder.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return runWith(Map.of(), stdin, args);
    }

    private int runWith(Map<String, String> settings, String stdin, String... args) {
        return Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), new Env(settings));
    }

    /** The exit code follows the outcome of the real handler: 0 for a dry run, 2 for bad input, 1 when the action failed. */
    @Test
    void invokeRunsTheRealHandlerAndExitsByOutcome() throws Exception {
        Path sample = Path.of("../../events-samples/flush-cache/flush-jwks-dry-run.json");
        try (RedisServer redis = RedisServer.start()) {
            Map<String, String> settings = Map.of("CACHE_URL", redis.url());
            assertEquals(0, runWith(settings, "", "invoke", "flush-cache", "--event", sample.toString()));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"outcome\":\"DRY_RUN\""), out.toString(StandardCharsets.UTF_8));
            out.reset();
            assertEquals(2, runWith(settings, "{\"action\":\"flush\",\"scope\":\"sessions\"}", "invoke", "flush-cache", "--event", "-"));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("unknown scope 'sessions'"), out.toString(StandardCharsets.UTF_8));
        }
        out.reset();
        int dead = Ports.free();
        assertEquals(1, runWith(Map.of("CACHE_URL", "redis://127.0.0.1:" + dead), "", "invoke", "flush-cache", "--event", sample.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"outcome\":\"FAILED\""), out.toString(StandardCharsets.UTF_8));
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
