package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.testkit.FaultProxy;
import authresponder.testkit.MotoServer;
import authresponder.testkit.Ports;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * flush-cache through the real handler while its dependencies fail for real: the ledger's DynamoDB behind a
 * {@link FaultProxy} (lost replies, failing writes), a redis-server stopped with SIGSTOP, a read-only replica,
 * a connection cut mid-purge with CLIENT KILL.
 */
class FaultFlushTest {
    private static final String PUT = "DynamoDB_20120810.PutItem";
    private static final String UPDATE = "DynamoDB_20120810.UpdateItem";
    private static final String SAME_REQUEST = "{\"action\":\"flush\",\"scope\":\"jwks\",\"requestId\":\"INC-7-flush-jwks\"}";

    private FaultProxy proxy;
    private RedisServer redis;
    private Seed seed;

    @BeforeEach
    void start() {
        proxy = FaultProxy.in(MotoServer.shared().endpoint());
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:", 4).keys("session:", 10);
    }

    @AfterEach
    void stop() {
        seed.close();
        redis.close();
        proxy.close();
    }

    private FlushCacheHandler handler(String cacheUrl, Policy policy) {
        return Fixture.handler(Map.of("CACHE_URL", cacheUrl, "AWS_ENDPOINT_URL", proxy.endpoint()), policy);
    }

    @Test
    void aClaimWhoseReplyWasLostStillFlushesExactlyOnce() {
        FlushCacheHandler handler = handler(redis.url(), Policy.bundled());
        proxy.arm(PUT, FaultProxy.Fault.LOSE_REPLY, 1); // the claim commits, the reply is a 500, the SDK's retry fails its condition
        Answer answer = Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(30));
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(0, seed.count("jwks:*"));
        assertEquals(10, seed.count("session:*"));

        seed.keys("jwks:", 4);
        Answer redelivered = Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(30));
        assertEquals(Outcome.DONE, redelivered.result().outcome(), "answered as the first time");
        assertEquals(4, seed.count("jwks:*"), "the redelivery removed nothing");
    }

    @Test
    void aDuplicateWhileTheFirstIsRunningIsInProgressAndChangesNothing() throws Exception {
        FlushCacheHandler handler = handler(redis.url(), Policy.bundled());
        redis.pause(); // SIGSTOP: the first invocation connects and then waits for an answer
        try {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(6)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.calls(PUT) < 2 && System.nanoTime() < deadline) { // its record and its lock are written
                Thread.sleep(20);
            }
            Answer duplicate = Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(30));
            assertEquals(Outcome.IN_PROGRESS, duplicate.result().outcome(), duplicate.response());
            assertEquals(202, duplicate.httpStatus());
            assertTrue(duplicate.result().summary().contains("being handled by another invocation"), duplicate.result().summary());
            assertFalse(first.isDone(), "the first invocation was still running");
            assertEquals(Outcome.FAILED, first.get(30, TimeUnit.SECONDS).result().outcome());
        } finally {
            redis.resume();
        }
        assertEquals(4, seed.count("jwks:*"), "neither removed anything");
    }

    @Test
    void whenTheEndCannotBeRecordedARetryDoesNotFlushAgain() {
        FlushCacheHandler handler = handler(redis.url(), Policy.bundled());
        proxy.armAlways(UPDATE, FaultProxy.Fault.FAIL);
        Answer answer = Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(30));
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertTrue(answer.result().warnings().stream().anyMatch(w -> w.startsWith("the ledger did not record this action's end")),
                answer.result().warnings().toString());
        proxy.heal();

        seed.keys("jwks:", 4);
        Answer retry = Fixture.invoke(handler, SAME_REQUEST, Duration.ofSeconds(30));
        assertEquals(Outcome.IN_PROGRESS, retry.result().outcome(), retry.response());
        assertEquals(4, seed.count("jwks:*"), "the retry flushed nothing"); // after the lease it answers REFUSED: LedgerFaultTest
    }

    @Test
    void aReplicaEndpointFailsWithThatReasonAndHoldsNoCooldown() throws Exception {
        try (RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", String.valueOf(redis.port()));
             Jedis watcher = new Jedis("127.0.0.1", replica.port())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watcher.dbSize() < 14 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            FlushCacheHandler handler = handler(replica.url(), Policy.bundled());
            for (int attempt = 1; attempt <= 2; attempt++) {
                Answer answer = Fixture.invoke(handler, Samples.text("flush-jwks.json"), Duration.ofSeconds(30));
                assertEquals(Outcome.FAILED, answer.result().outcome(), "attempt " + attempt + ": " + answer.response());
                String summary = answer.result().summary();
                assertTrue(summary.contains("connected to a replica"), summary);
                assertFalse(summary.contains("partial") || summary.contains("run it again") || summary.contains("acted"), summary);
            }
            assertEquals(4, seed.count("jwks:*"));
        }
    }

    @Test
    void anUnreachableCacheHoldsNoCooldown() {
        FlushCacheHandler handler = handler("redis://127.0.0.1:" + Ports.free(), Policy.bundled());
        for (int attempt = 1; attempt <= 2; attempt++) {
            Answer answer = Fixture.invoke(handler, Samples.text("flush-jwks.json"), Duration.ofSeconds(30));
            assertEquals(Outcome.FAILED, answer.result().outcome(), "attempt " + attempt + " is tried, not held off: " + answer.response());
            assertTrue(answer.result().summary().startsWith("failed, removed nothing"), answer.result().summary());
        }
    }

    @Test
    void aConnectionCutMidPurgeCountsWhatRedisConfirmedAndWhatIsUnknown() throws Exception {
        seed.keys("token:", 200_000);
        FlushCacheHandler handler = handler(redis.url(), Fixture.policy(1_000_000, 20, Duration.ofMillis(1)));
        CompletableFuture<Answer> purge = CompletableFuture.supplyAsync(() -> Fixture.invoke(handler, Samples.text("flush-tokens.json"),
                Duration.ofSeconds(60)));
        try (Jedis watcher = new Jedis("127.0.0.1", redis.port())) {
            while (watcher.dbSize() > 200_014 - 5000 && !purge.isDone()) {
                Thread.sleep(2);
            }
            // cut the purge's connection (the one running SCAN and UNLINK), as a network or a failover would; Redis stays up
            watcher.clientList().lines().filter(c -> c.contains("cmd=scan") || c.contains("cmd=unlink"))
                    .map(c -> c.replaceAll(".*\\bid=(\\d+).*", "$1")).forEach(id -> watcher.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id));
            Answer answer = purge.get(30, TimeUnit.SECONDS);
            FlushReport report = (FlushReport) answer.result().details();
            assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
            long removed = 200_000 - seed.count("token:*");
            assertTrue(report.keys() <= removed && removed <= report.keys() + report.keysUnknown(),
                    "confirmed " + report.keys() + ", unknown " + report.keysUnknown() + ", really removed " + removed);
            if (report.keysUnknown() > 0) {
                assertTrue(answer.result().summary().contains("whose removal is unknown"), answer.result().summary());
            }
            assertEquals(10, seed.count("session:*"));
        }
    }
}
