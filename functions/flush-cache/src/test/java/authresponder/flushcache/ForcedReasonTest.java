package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.ledger.Entry;
import authresponder.core.ledger.Ledger;
import authresponder.core.policy.Policy;
import authresponder.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Emptying the whole database takes a person's force and reason, and that reason, like every forced one,
 * is scrubbed of secrets before it is logged, kept in the ledger for 30 days or shown to the next caller.
 */
class ForcedReasonTest {
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5OTk5OTk5OX0.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw";
    private static final List<String> SECRETS = List.of(TOKEN, "hunter2-Sup3rS3cret", "AKIAIOSFODNN7EXAMPLE", "alice.smith@example.com",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    private static final String REASON = "INC-2041 user token " + TOKEN + " password=hunter2-Sup3rS3cret key AKIAIOSFODNN7EXAMPLE"
            + " secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from alice.smith@example.com\u0007\u001b[2J";

    private RedisServer redis;
    private Seed seed;
    private Map<String, String> env;
    private FlushCacheHandler handler;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private PrintStream before;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:", 4).keys("session:", 10);
        env = new HashMap<>(Fixture.ledgerEnvironment());
        env.put("CACHE_URL", redis.url());
        handler = new FlushCacheHandler(new Env(env), Policy.bundled());
        before = Log.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        Log.redirect(before);
        seed.close();
        redis.close();
    }

    private Answer invoke(String command) {
        return Fixture.invoke(handler, command, Duration.ofSeconds(30));
    }

    private static String forced(String scope) {
        return "{\"action\":\"flush\",\"scope\":\"" + scope + "\",\"force\":true,\"reason\":" + authresponder.core.Json.write(REASON) + "}";
    }

    private void assertNoSecret(String where, String text) {
        SECRETS.forEach(secret -> assertFalse(text.contains(secret), where + " holds " + secret + ": " + text));
        assertFalse(text.contains("\u001b") || text.contains("\u0007") || text.contains("\\u001b") || text.contains("\\u0007"),
                where + " holds a control character: " + text);
    }

    @Test
    void theWholeDatabaseGoesOnlyWithForceAndAReason() {
        Answer refused = invoke("{\"action\":\"flush\",\"scope\":\"whole-database\"}");
        assertEquals(Outcome.BAD_INPUT, refused.result().outcome(), refused.response());
        assertTrue(refused.result().summary().contains("runs only with force: true and a reason"), refused.result().summary());
        Answer dryRun = invoke("{\"action\":\"flush\",\"scope\":\"whole-database\",\"dryRun\":true}");
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome(), "a dry run needs neither: " + dryRun.response());
        assertEquals(14, seed.size());

        Answer done = invoke(forced("whole-database"));
        assertEquals(Outcome.DONE, done.result().outcome(), done.response());
        assertEquals(0, seed.size(), "sessions included");
    }

    @Test
    void aSecretInAForcedReasonIsNeitherLoggedNorKeptNorShownToTheNextCaller() {
        Answer forced = invoke(forced("jwks"));
        assertEquals(Outcome.DONE, forced.result().outcome(), forced.response());
        assertNoSecret("the answer", forced.response());

        Ledger ledger = Ledger.from(new Env(env));
        List<Entry> kept = ledger.recent(Instant.now().minusSeconds(60), null, Budget.of(Duration.ofSeconds(10)));
        assertEquals(1, kept.size());
        String reason = kept.getFirst().reason();
        assertTrue(reason.startsWith("INC-2041 user token [jwt sha256:"), reason);
        assertTrue(reason.contains("password=[redacted]") && reason.contains("[aws key]") && reason.contains("[email]"), reason);
        assertNoSecret("the ledger", reason);

        seed.keys("jwks:", 4);
        Answer next = handler.handle(Samples.text("function-url-flush-jwks-base64.json").getBytes(StandardCharsets.UTF_8),
                new LocalContext("flush-cache", Duration.ofSeconds(30)));
        assertEquals(Outcome.COOLDOWN, next.result().outcome(), next.response());
        assertTrue(next.result().summary().contains("forced: INC-2041"), next.result().summary());
        assertNoSecret("another caller's COOLDOWN answer", next.response());
        assertEquals(4, seed.count("jwks:*"));

        assertNoSecret("the logs", logs.toString(StandardCharsets.UTF_8));
    }
}
