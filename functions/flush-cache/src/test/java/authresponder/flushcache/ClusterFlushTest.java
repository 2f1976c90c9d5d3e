package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.testkit.RedisCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** flush-cache against a real three-primary Redis Cluster: every primary is scanned, UNLINKs respect hash slots. */
class ClusterFlushTest {
    private static RedisCluster cluster;
    private static Seed seed;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(3);
        seed = new Seed(cluster.seedUrl());
    }

    @AfterAll
    static void stop() {
        seed.close();
        cluster.close();
    }

    private static Answer invoke(String event, Policy policy) {
        return Fixture.invoke(Fixture.handler(Map.of("CACHE_URL", cluster.seedUrl()), policy), event, Duration.ofSeconds(30));
    }

    @Test
    void everyPrimaryIsPurgedAndSessionsSurvive() {
        // keys spread over all slots, and keys sharing a hash tag (one slot) that a single UNLINK removes together
        seed.keys("jwks:", 30).keys("token:", 3000).keys("token:{tenant-7}:", 500).keys("session:", 300);
        Answer dryRun = invoke(Samples.text("flush-jwks-dry-run.json"), Fixture.noCooldown());
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome(), dryRun.response());
        assertEquals(30, ((FlushReport) dryRun.result().details()).keys());

        Answer answer = invoke(Samples.text("flush-tokens.json"), Fixture.policy(100_000, 200, Duration.ofMillis(1)));
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        FlushReport report = (FlushReport) answer.result().details();
        assertTrue(report.clusterMode());
        assertEquals(3500, report.keys());
        assertEquals(3, report.nodes().size());
        assertEquals(3, report.nodesScanned());
        assertTrue(report.nodes().stream().allMatch(node -> node.keys() > 0), report.nodes().toString());
        assertEquals(0, seed.count("token:*"));
        assertEquals(300, seed.count("session:*"));
        assertEquals(30, seed.count("jwks:*"));
    }

    @Test
    void theCapCountsAcrossPrimaries() {
        seed.keys("token:capped:", 900);
        Answer answer = invoke(Samples.text("flush-tokens.json"), Fixture.policy(400, 50, Duration.ofMillis(1)));
        assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
        FlushReport report = (FlushReport) answer.result().details();
        assertEquals(400, report.keys());
        assertFalse(report.complete());
        assertEquals(500, seed.count("token:capped:*"));
        invoke(Samples.text("flush-tokens.json"), Fixture.noCooldown());
        assertEquals(0, seed.count("token:*"));
    }
}
