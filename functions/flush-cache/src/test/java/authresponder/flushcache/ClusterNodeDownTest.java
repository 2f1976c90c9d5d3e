package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.cache.Cache;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.testkit.RedisCluster;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * One primary of a real three-primary Redis Cluster killed with kill -9: the flush purges the two that answer
 * and says PARTIAL, naming the dead node and its slots; still so once the cluster marks the node failed, and
 * once the node is forgotten and vanishes from the node list (slot coverage is checked against all 16384).
 * The nodes run with {@code cluster-require-full-coverage no}, so that the live primaries keep serving their
 * own slots while some have no owner (with Redis's default, yes, they answer CLUSTERDOWN and each says so).
 */
class ClusterNodeDownTest {

    private static Answer flushTokens(RedisCluster cluster) {
        return Fixture.invoke(Fixture.handler(Map.of("CACHE_URL", cluster.seedUrl()), Fixture.noCooldown()),
                "{\"action\":\"flush\",\"scope\":\"tokens\"}", Duration.ofSeconds(30));
    }

    @Test
    void aDeadPrimaryMakesEveryFlushPartialAndNamesItsSlots() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(3, "--cluster-require-full-coverage", "no")) {
            RedisServer dead = cluster.nodes().getLast();
            String deadNode = "127.0.0.1:" + dead.port();
            try (Seed seed = new Seed(cluster.seedUrl())) {
                seed.keys("token:", 3000).keys("session:", 300);
            }
            dead.kill();

            Answer killed = flushTokens(cluster);
            FlushReport report = (FlushReport) killed.result().details();
            assertEquals(Outcome.PARTIAL, killed.result().outcome(), killed.response());
            assertEquals(2, report.nodes().size());
            assertTrue(report.nodes().stream().allMatch(n -> n.complete() && n.keys() > 0), report.nodes().toString());
            Cache.Unreachable missing = report.unreachable().getFirst();
            assertEquals(deadNode, missing.node());
            assertEquals("10923-16383", missing.slots()); // redis-cli --cluster create gives the third primary the last third
            assertEquals(5461, missing.slotCount());
            assertTrue(killed.result().summary().contains(deadNode) && killed.result().summary().contains("slots " + missing.slots()),
                    killed.result().summary());
            try (Seed live = new Seed(cluster.seedUrl())) {
                assertEquals(0, live.count("token:*"), "every reachable primary was purged");
                assertTrue(live.count("session:*") > 0);
            }

            cluster.awaitMarkedFailed(dead);
            Answer marked = flushTokens(cluster);
            assertEquals(Outcome.PARTIAL, marked.result().outcome(), marked.response());
            Cache.Unreachable failed = ((FlushReport) marked.result().details()).unreachable().getFirst();
            assertEquals(deadNode, failed.node());
            assertEquals("the cluster marks it failed", failed.reason());

            forget(cluster, dead);
            Answer vanished = flushTokens(cluster);
            assertEquals(Outcome.PARTIAL, vanished.result().outcome(), "never complete while slots have no primary: " + vanished.response());
            Cache.Unreachable unowned = ((FlushReport) vanished.result().details()).unreachable().getFirst();
            assertNull(unowned.node());
            assertEquals(missing.slots(), unowned.slots());
            assertTrue(vanished.result().summary().contains("no node of the cluster lists them"), vanished.result().summary());
        }
    }

    /** CLUSTER FORGET on every live node: the dead node is gone from every node list, its slots owned by nobody. */
    private static void forget(RedisCluster cluster, RedisServer dead) {
        String id = null;
        for (RedisServer node : cluster.nodes()) {
            if (node == dead) {
                continue;
            }
            try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
                if (id == null) {
                    id = jedis.clusterNodes().lines().filter(line -> line.contains(":" + dead.port() + "@")).findFirst().orElseThrow().split(" ")[0];
                }
                jedis.clusterForget(id);
            }
        }
    }
}
