package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** flush-cache on a real standalone redis-server holding JWKS, token and session keys. */
class FlushTest {
    private RedisServer redis;
    private Seed seed;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:issuer-", 3).keys("token:", 2500).keys("session:", 400).keys("at:", 20);
    }

    @AfterEach
    void stop() {
        seed.close();
        redis.close();
    }

    private static final Policy NO_COOLDOWN = Fixture.noCooldown();

    private Answer invoke(String event, Map<String, String> settings) {
        return invoke(event, settings, NO_COOLDOWN);
    }

    private Answer invoke(String event, Map<String, String> settings, Policy policy) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("CACHE_URL", redis.url());
        return Fixture.invoke(Fixture.handler(env, policy), event, Duration.ofSeconds(30));
    }

    private static FlushReport report(Answer answer) {
        return (FlushReport) answer.result().details();
    }

    @Test
    void dryRunCountsTheScopeAndRemovesNothing() {
        Answer answer = invoke(Samples.text("flush-jwks-dry-run.json"), Map.of());
        assertEquals(Outcome.DRY_RUN, answer.result().outcome(), answer.response());
        FlushReport report = report(answer);
        assertTrue(report.dryRun());
        assertEquals(3, report.keys());
        assertEquals(Map.of("jwks:*", 3L), report.keysByPattern());
        assertTrue(report.complete());
        assertEquals(1, report.nodesScanned());
        assertEquals(3, seed.count("jwks:*"));
        assertEquals(2923, seed.size());
    }

    @Test
    void jwksFlushRemovesOnlyJwksAndSessionsSurvive() {
        Answer answer = invoke(Samples.text("flush-jwks.json"), Map.of());
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(3, report(answer).keys());
        assertEquals(0, seed.count("jwks:*"));
        assertEquals(2500, seed.count("token:*"));
        assertEquals(400, seed.count("session:*"));
        assertTrue(answer.result().summary().contains("removed 3 keys of scope jwks (jwks:*)"), answer.result().summary());

        Answer again = invoke(Samples.text("flush-jwks.json"), Map.of());
        assertEquals(Outcome.NO_CHANGE, again.result().outcome(), "a re-run finds nothing left");
    }

    @Test
    void tokenPatternsComeFromConfigurationAndAreCountedEach() {
        Answer answer = invoke(Samples.text("flush-tokens.json"), Map.of("FLUSH_SCOPE_TOKENS", "token:*, at:*"));
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(Map.of("token:*", 2500L, "at:*", 20L), report(answer).keysByPattern());
        assertEquals("request:INC-2041-flush-tokens", answer.result().requestKey());
        assertEquals(403, seed.size(), "sessions and JWKS stay");
        assertEquals(400, seed.count("session:*"));
    }

    @Test
    void theCapStopsTheRunWithAnHonestPartialResultAndReRunsFinish() {
        Policy capped = Fixture.policy(1000, 100, Duration.ofMillis(1));
        Answer first = invoke(Samples.text("flush-tokens.json"), Map.of(), capped);
        assertEquals(Outcome.PARTIAL, first.result().outcome(), first.response());
        FlushReport report = report(first);
        assertEquals(1000, report.keys());
        assertFalse(report.complete());
        assertTrue(report.stoppedBecause().contains("cap of 1000 keys"), report.stoppedBecause());
        assertTrue(first.result().summary().contains("run it again"), first.result().summary());
        assertEquals(1500, seed.count("token:*"));

        Answer dryRun = invoke("{\"action\":\"flush\",\"scope\":\"tokens\",\"dryRun\":true}", Map.of(), capped);
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome());
        assertEquals(1000, report(dryRun).keys());
        assertFalse(report(dryRun).complete(), "the dry run says a real run would stop at the cap");
        assertEquals(1500, seed.count("token:*"));

        assertEquals(Outcome.PARTIAL, invoke(Samples.text("flush-tokens.json"), Map.of(), capped).result().outcome());
        Answer last = invoke(Samples.text("flush-tokens.json"), Map.of(), capped);
        assertEquals(Outcome.DONE, last.result().outcome(), last.response());
        assertEquals(500, report(last).keys());
        assertEquals(0, seed.count("token:*"));
        assertEquals(400, seed.count("session:*"));
    }

    @Test
    void wholeDatabaseIsItsOwnNamedScope() {
        Answer dryRun = invoke(Samples.text("flush-whole-database-dry-run.json"), Map.of());
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome(), dryRun.response());
        assertEquals(2923, report(dryRun).keys());
        assertEquals(2923, seed.size());

        Answer unforced = invoke("{\"action\":\"flush\",\"scope\":\"whole-database\"}", Map.of());
        assertEquals(Outcome.BAD_INPUT, unforced.result().outcome(), "every user signs out: only with force and a reason");
        assertEquals(2923, seed.size());

        Answer flush = invoke("{\"action\":\"flush\",\"scope\":\"whole-database\",\"force\":true,"
                + "\"reason\":\"INC-77: sessions stolen\"}", Map.of());
        assertEquals(Outcome.DONE, flush.result().outcome(), flush.response());
        assertEquals(2923, report(flush).keys());
        assertEquals(0, seed.size());
    }

    @Test
    void aFunctionUrlCallRecordsTheIamPrincipal() {
        Answer answer = invoke(Samples.text("function-url-flush-jwks-base64.json"), Map.of());
        assertEquals(200, answer.httpStatus(), answer.response());
        assertEquals("arn:aws:sts::123456789012:assumed-role/commandbridge-ops-console/oncall-alice", answer.caller().principal());
        assertEquals(Outcome.DONE, answer.result().outcome());
        assertEquals(0, seed.count("jwks:*"));
        assertTrue(answer.response().contains("\"statusCode\":200"), answer.response());
    }

    @Test
    void aStaleKeyCacheVerdictFromDiagnoseFlushesJwks() {
        Answer answer = invoke(Samples.text("diagnose-verdict-stale-key-cache.json"), Map.of());
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals("jwks", report(answer).scope());
        assertEquals("result:c2f0b7de-8e51-4d8a-9f63-1a2b3c4d5e6f", answer.result().requestKey());
        assertEquals(0, seed.count("jwks:*"));
        assertEquals(2500, seed.count("token:*"));
    }

    @Test
    void otherVerdictsAndFailedDiagnosesAreNotActedOn() {
        String healthy = Samples.text("diagnose-verdict-stale-key-cache.json").replace("\"verdict\": \"STALE_KEY_CACHE\"", "\"verdict\": \"HEALTHY\"");
        Answer answer = invoke(healthy, Map.of());
        assertEquals(Outcome.BAD_INPUT, answer.result().outcome());
        assertTrue(answer.result().summary().contains("verdict HEALTHY"), answer.result().summary());
        String failed = Samples.text("diagnose-verdict-stale-key-cache.json")
                .replace("Lambda Function Invocation Result - Success", "Lambda Function Invocation Result - Failure");
        assertEquals(Outcome.BAD_INPUT, invoke(failed, Map.of()).result().outcome());
        assertEquals(3, seed.count("jwks:*"));
    }

    @Test
    void theAuthTokenNeverReachesTheResultOrTheLog() {
        try (RedisServer locked = RedisServer.start("--requirepass", "auth-token-4f9a")) {
            ByteArrayOutputStream logs = new ByteArrayOutputStream();
            Log.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
            try {
                Answer answer = Fixture.invoke(Fixture.handler(Map.of("CACHE_URL", locked.url(), "CACHE_AUTH_TOKEN", "auth-token-4f9a"), NO_COOLDOWN),
                        Samples.text("flush-jwks.json"), Duration.ofSeconds(10));
                assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
                Answer wrong = Fixture.invoke(Fixture.handler(Map.of("CACHE_URL", locked.url(), "CACHE_AUTH_TOKEN", "wrong-token-77"), NO_COOLDOWN),
                        Samples.text("flush-jwks.json"), Duration.ofSeconds(10));
                assertEquals(Outcome.FAILED, wrong.result().outcome());
                assertTrue(wrong.result().summary().contains("refused the credentials"), wrong.result().summary());
                assertFalse(answer.response().contains("auth-token-4f9a") || wrong.response().contains("wrong-token-77"));
            } finally {
                Log.redirect(System.err);
            }
            String logged = logs.toString(StandardCharsets.UTF_8);
            assertFalse(logged.contains("auth-token-4f9a") || logged.contains("wrong-token-77"), logged);
        }
    }

    @Test
    void aCompleteRunHasNoStopReason() {
        FlushReport report = report(invoke(Samples.text("flush-jwks.json"), Map.of()));
        assertNull(report.stoppedBecause());
        assertEquals(1, report.nodes().size());
        assertTrue(report.nodes().getFirst().complete());
    }
}
