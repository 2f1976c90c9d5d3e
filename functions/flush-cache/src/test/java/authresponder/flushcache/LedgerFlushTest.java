package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real flushes go through the action ledger: the runbook's cooldown, idempotent redeliveries, audited overrides. */
class LedgerFlushTest {
    private RedisServer redis;
    private Seed seed;
    private FlushCacheHandler handler;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:", 4).keys("session:", 10);
        handler = Fixture.handler(Map.of("CACHE_URL", redis.url()), Policy.bundled());
    }

    @AfterEach
    void stop() {
        seed.close();
        redis.close();
    }

    private Answer invoke(String event) {
        return Fixture.invoke(handler, event, Duration.ofSeconds(30));
    }

    @Test
    void primingTouchesNoKeyAndThePrimedHandlerFlushes() {
        handler.prime();
        assertEquals(14, seed.size(), "priming deletes nothing");

        assertEquals(Outcome.DONE, invoke(Samples.text("flush-jwks.json")).result().outcome());
        assertEquals(10, seed.size());
    }

    @Test
    void aSecondFlushWithinTheCooldownIsRefusedUnlessForcedWithAReason() {
        assertEquals(Outcome.DONE, invoke(Samples.text("flush-jwks.json")).result().outcome());
        seed.keys("jwks:", 4);

        Answer again = invoke(Samples.text("function-url-flush-jwks-base64.json"));
        assertEquals(Outcome.COOLDOWN, again.result().outcome(), again.response());
        assertEquals(429, again.httpStatus());
        assertTrue(again.result().summary().contains("flush-jwks of " + redis.url() + " is cooling down"), again.result().summary());
        assertEquals(4, seed.count("jwks:*"), "nothing removed in the cooldown");

        Answer dryRun = invoke(Samples.text("flush-jwks-dry-run.json"));
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome());
        assertTrue(dryRun.result().warnings().stream().anyMatch(w -> w.contains("would answer COOLDOWN")), dryRun.result().warnings().toString());

        Answer forced = invoke("{\"action\":\"flush\",\"scope\":\"jwks\",\"force\":true,\"reason\":\"INC-2041: kid 2026-11 still missing\"}");
        assertEquals(Outcome.DONE, forced.result().outcome(), forced.response());
        assertEquals(0, seed.count("jwks:*"));

        assertEquals(Outcome.NO_CHANGE, invoke(Samples.text("flush-tokens.json")).result().outcome(),
                "another scope has its own cooldown (and no token keys here)");
    }

    @Test
    void aRedeliveredVerdictFlushesOnce() {
        Answer first = invoke(Samples.text("diagnose-verdict-stale-key-cache.json"));
        assertEquals(Outcome.DONE, first.result().outcome(), first.response());
        seed.keys("jwks:", 4);
        Answer redelivered = invoke(Samples.text("diagnose-verdict-stale-key-cache.json"));
        assertEquals(Outcome.DONE, redelivered.result().outcome(), "answered as the first time");
        assertEquals(4, ((FlushReport) redelivered.result().details()).keys());
        assertTrue(redelivered.result().warnings().getFirst().contains("nothing was done again"), redelivered.result().warnings().toString());
        assertEquals(4, seed.count("jwks:*"), "the repeat removed nothing");
    }

    @Test
    void withoutTheLedgerNoRealFlushRunsButADryRunDoes() {
        FlushCacheHandler unguarded = new FlushCacheHandler(new Env(Map.of("CACHE_URL", redis.url())), Policy.bundled());
        Answer refused = Fixture.invoke(unguarded, Samples.text("flush-jwks.json"), Duration.ofSeconds(10));
        assertEquals(Outcome.REFUSED, refused.result().outcome(), refused.response());
        assertTrue(refused.result().summary().contains("LEDGER_TABLE is not set"), refused.result().summary());
        assertEquals(4, seed.count("jwks:*"));
        Answer dryRun = Fixture.invoke(unguarded, Samples.text("flush-jwks-dry-run.json"), Duration.ofSeconds(10));
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome());
        assertEquals(4, ((FlushReport) dryRun.result().details()).keys());
    }
}
