package authresponder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import software.amazon.awssdk.services.elasticache.ElastiCacheClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** ElastiCache endpoint resolution and the Secrets Manager AUTH token, with the real SDK clients speaking to moto. */
class AwsResolutionTest {
    private static final MotoServer MOTO = MotoServer.shared();

    @BeforeEach
    void reset() {
        MOTO.reset();
    }

    private static Env env(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(MOTO.awsEnvironment());
        all.putAll(settings);
        return new Env(all);
    }

    private static Budget budget() {
        return Budget.of(Duration.ofSeconds(20));
    }

    @Test
    void replicationGroupWithoutClusterModeResolvesToItsPrimaryEndpoint() {
        try (ElastiCacheClient elastiCache = new AwsClients(env(Map.of())).build(ElastiCacheClient.builder())) {
            elastiCache.createReplicationGroup(r -> r.replicationGroupId("auth-keys").replicationGroupDescription("jwks cache")
                    .engine("redis").cacheNodeType("cache.t4g.micro").numCacheClusters(2).port(6380).transitEncryptionEnabled(true));
        }
        CacheEndpoint endpoint = new CacheConnector(env(Map.of("CACHE_REPLICATION_GROUP_ID", "auth-keys"))).endpoint(budget());
        assertTrue(endpoint.host().startsWith("master.auth-keys."), endpoint.host());
        assertEquals(6380, endpoint.port());
        assertTrue(endpoint.tls());
    }

    @Test
    void clusterModeReplicationGroupResolvesToItsConfigurationEndpoint() {
        try (ElastiCacheClient elastiCache = new AwsClients(env(Map.of())).build(ElastiCacheClient.builder())) {
            elastiCache.createReplicationGroup(r -> r.replicationGroupId("auth-sharded").replicationGroupDescription("sharded")
                    .engine("redis").cacheNodeType("cache.t4g.micro").clusterMode("enabled").numNodeGroups(3));
        }
        CacheEndpoint endpoint = new CacheConnector(env(Map.of("CACHE_REPLICATION_GROUP_ID", "auth-sharded"))).endpoint(budget());
        assertTrue(endpoint.host().startsWith("clustercfg.auth-sharded."), endpoint.host());
        assertEquals(6379, endpoint.port());
        assertFalse(endpoint.tls());
    }

    @Test
    void anUnknownReplicationGroupIsNamed() {
        CacheException e = assertThrows(CacheException.class,
                () -> new CacheConnector(env(Map.of("CACHE_REPLICATION_GROUP_ID", "no-such-group"))).open(budget()));
        assertTrue(e.getMessage().contains("no-such-group"), e.getMessage());
    }

    @Test
    void authTokenComesFromSecretsManagerAsTextOrAsJson() {
        try (RedisServer redis = RedisServer.start("--requirepass", "token-from-secret");
             SecretsManagerClient secrets = new AwsClients(env(Map.of())).build(SecretsManagerClient.builder())) {
            String plain = secrets.createSecret(r -> r.name("cache-auth").secretString("token-from-secret")).arn();
            try (Cache cache = new CacheConnector(env(Map.of("CACHE_URL", redis.url(), "CACHE_AUTH_SECRET_ARN", plain))).open(budget())) {
                assertEquals("PONG", cache.primaries().getFirst().jedis().ping());
            }
            try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
                admin.auth("token-from-secret");
                admin.aclSetUser("responder", "on", ">user-password", "~*", "+@all");
            }
            String json = secrets.createSecret(r -> r.name("cache-user")
                    .secretString("{\"username\":\"responder\",\"password\":\"user-password\"}")).arn();
            try (Cache cache = new CacheConnector(env(Map.of("CACHE_URL", redis.url(), "CACHE_AUTH_SECRET_ARN", json))).open(budget())) {
                assertEquals("responder", cache.primaries().getFirst().jedis().aclWhoAmI());
            }
            CacheException missing = assertThrows(CacheException.class, () -> new CacheConnector(env(Map.of(
                    "CACHE_URL", redis.url(), "CACHE_AUTH_SECRET_ARN", plain + "-gone"))).open(budget()));
            assertTrue(missing.getMessage().contains("CACHE_AUTH_SECRET_ARN"), missing.getMessage());
        }
    }
}
