package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.testkit.Ports;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** A dead, dying or stalled cache gives an honest result within the budget, never a hang or a stack trace. */
class FailureTest {
    private static Answer invoke(String url, String event, Duration lambdaTimeout, Policy policy) {
        return Fixture.invoke(Fixture.handler(Map.of("CACHE_URL", url), policy), event, lambdaTimeout);
    }

    @Test
    void anUnreachableCacheIsAFailureThatNamesIt() {
        String url = "redis://127.0.0.1:" + Ports.free();
        Answer answer = invoke(url, Samples.text("function-url-flush-jwks-dry-run.json"), Duration.ofSeconds(10), Fixture.noCooldown());
        assertEquals(Outcome.FAILED, answer.result().outcome());
        assertEquals(502, answer.httpStatus());
        assertTrue(answer.result().summary().contains(url.substring("redis://".length())), answer.result().summary());
        assertFalse(answer.response().contains("at redis.clients"), "no stack trace in the answer");
    }

    @Test
    void redisKilledMidPurgeGivesAPartialResultWithWhatWasRemoved() throws Exception {
        RedisServer redis = RedisServer.start();
        try (Seed seed = new Seed(redis.url())) {
            seed.keys("token:", 300_000).keys("session:", 1000);
            CompletableFuture<Answer> purge = CompletableFuture.supplyAsync(() -> invoke(redis.url(),
                    Samples.text("flush-tokens.json"), Duration.ofSeconds(60), Fixture.policy(1_000_000, 20, Duration.ofMillis(1))));
            try (Jedis watcher = new Jedis("127.0.0.1", redis.port())) {
                while (watcher.dbSize() > 301_000 - 5000 || purge.isDone()) {
                    if (purge.isDone()) {
                        break;
                    }
                    Thread.sleep(2);
                }
            }
            redis.close(); // dies with the purge half done
            Answer answer = purge.get(30, TimeUnit.SECONDS);
            FlushReport report = (FlushReport) answer.result().details();
            assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
            assertFalse(report.complete());
            assertTrue(report.keys() >= 5000 && report.keys() < 300_000, "removed " + report.keys());
            assertTrue(report.stoppedBecause().contains("lost the connection to 127.0.0.1:" + redis.port()), report.stoppedBecause());
            assertTrue(answer.result().summary().startsWith("partial: removed " + report.keys() + " keys"), answer.result().summary());
            assertEquals(1, answer.result().warnings().size());
        } finally {
            redis.close();
        }
    }

    @Test
    void aStalledCacheCostsNoMoreThanTheBudget() throws Exception {
        try (RedisServer redis = RedisServer.start(); Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            admin.clientPause(20_000); // every client waits, this one too: the server is simply stopped when the test ends
            long started = System.nanoTime();
            Answer answer = invoke(redis.url(), Samples.text("flush-jwks.json"), Duration.ofSeconds(3), Fixture.noCooldown());
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
            assertTrue(answer.result().summary().contains("did not answer"), answer.result().summary());
            assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "answered after " + took + ", not after the 20 s pause");
        }
    }
}
