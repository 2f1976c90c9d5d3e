package authresponder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Budget;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.testkit.RedisCluster;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

class CacheTest {
    private static Budget budget() {
        return Budget.of(Duration.ofSeconds(20));
    }

    private static CacheConnector connector(Map<String, String> settings) {
        return new CacheConnector(new Env(settings));
    }

    @Test
    void standaloneServerIsOnePrimaryThatOwnsEveryKey() {
        try (RedisServer redis = RedisServer.start();
             Cache cache = connector(Map.of("CACHE_URL", redis.url())).open(budget())) {
            assertFalse(cache.clusterMode());
            assertEquals(1, cache.primaries().size());
            assertEquals(16384, cache.primaries().getFirst().slotCount());
            cache.onKey("jwks:issuer", jedis -> jedis.set("jwks:issuer", "{}"));
            assertEquals("{}", cache.onKey("jwks:issuer", jedis -> jedis.get("jwks:issuer")));
        }
    }

    @Test
    void authTokenIsSentAndAWrongOneIsRefusedWithoutBeingShown() {
        try (RedisServer redis = RedisServer.start("--requirepass", "s3cret-token")) {
            try (Cache cache = connector(Map.of("CACHE_URL", redis.url(), "CACHE_AUTH_TOKEN", "s3cret-token")).open(budget())) {
                assertEquals("PONG", cache.primaries().getFirst().jedis().ping());
            }
            CacheException wrong = assertThrows(CacheException.class,
                    () -> connector(Map.of("CACHE_URL", redis.url(), "CACHE_AUTH_TOKEN", "not-the-token")).open(budget()));
            assertTrue(wrong.getMessage().contains("refused the credentials"), wrong.getMessage());
            assertFalse(wrong.getMessage().contains("not-the-token"));
            CacheException missing = assertThrows(CacheException.class,
                    () -> connector(Map.of("CACHE_URL", redis.url())).open(budget()));
            assertTrue(missing.getMessage().contains("refused the credentials"), missing.getMessage());
        }
    }

    @Test
    void nothingListeningIsACacheExceptionNamingTheEndpoint() {
        int port = authresponder.testkit.Ports.free();
        CacheException e = assertThrows(CacheException.class,
                () -> connector(Map.of("CACHE_URL", "redis://127.0.0.1:" + port)).open(budget()));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void clusterModeGivesOneConnectionPerPrimaryAndRoutesKeysBySlot() {
        try (RedisCluster cluster = RedisCluster.start(3);
             Cache cache = connector(Map.of("CACHE_URL", cluster.seedUrl())).open(budget())) {
            assertTrue(cache.clusterMode());
            assertEquals(3, cache.primaries().size());
            assertEquals(16384, cache.primaries().stream().mapToInt(Cache.Node::slotCount).sum());
            Map<String, String> nodeOfKey = new HashMap<>();
            for (int i = 0; i < 50; i++) {
                String key = "token:" + i;
                cache.onKey(key, jedis -> jedis.set(key, "v")); // a wrong node would answer MOVED
                nodeOfKey.put(key, cache.nodeFor(key).toString());
            }
            assertEquals(3, new HashSet<>(nodeOfKey.values()).size(), "50 keys spread over all three primaries");
            long total = cache.primaries().stream().mapToLong(node -> node.jedis().dbSize()).sum();
            assertEquals(50, total);
        }
    }

    @Test
    void clusterNodesAndClusterShardsDescribeTheSamePrimaries() {
        try (RedisCluster cluster = RedisCluster.start(3);
             Jedis seed = new Jedis("127.0.0.1", cluster.nodes().getFirst().port())) {
            List<ClusterTopology.Primary> fromShards = ClusterTopology.fromShards(seed.clusterShards(), false);
            List<ClusterTopology.Primary> fromNodes = ClusterTopology.fromNodes(seed.clusterNodes(), false);
            assertEquals(3, fromShards.size());
            assertEquals(new HashSet<>(fromShards), new HashSet<>(fromNodes));
        }
    }

    @Test
    void settingsAreCheckedAndNameTheVariable() {
        assertTrue(assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of())))
                .getMessage().contains("CACHE_URL"));
        assertTrue(assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of(
                "CACHE_URL", "redis://h:1", "CACHE_REPLICATION_GROUP_ID", "g")))).getMessage().contains("exactly one"));
        assertTrue(assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of(
                "CACHE_URL", "http://h:1")))).getMessage().contains("redis://"));
        ConfigException credentialsInUrl = assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of(
                "CACHE_URL", "redis://:hunter2@h:1"))));
        assertFalse(credentialsInUrl.getMessage().contains("hunter2"));
        assertTrue(assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of(
                "CACHE_URL", "redis://h:1", "CACHE_AUTH_TOKEN", "a", "CACHE_AUTH_SECRET_ARN", "b")))).getMessage().contains("at most one"));
        assertTrue(assertThrows(ConfigException.class, () -> CacheSettings.from(new Env(Map.of(
                "CACHE_URL", "redis://h:1", "CACHE_TLS_CA_FILE", "/nonexistent.pem")))).getMessage().contains("CACHE_TLS_CA_FILE"));
    }
}
