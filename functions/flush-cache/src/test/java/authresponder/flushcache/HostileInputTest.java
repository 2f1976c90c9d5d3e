package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.LocalContext;
import authresponder.core.Log;
import authresponder.testkit.HostileCorpus;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The hostile-input corpus (testkit's hostile/*.json), every case through the handler as Lambda calls it,
 * over a live cache and a real ledger table: each is answered as the corpus says and nothing changes, not
 * a key in Redis and not a record in the ledger.
 */
class HostileInputTest {
    private static final int KEYS = 65;
    private static RedisServer redis;
    private static Seed seed;
    private static FlushCacheHandler handler;
    private static DynamoDbClient dynamo;
    private static String table;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:", 5).keys("token:", 50).keys("session:", 10);
        Map<String, String> env = new HashMap<>(Fixture.ledgerEnvironment());
        env.put("CACHE_URL", redis.url());
        table = env.get("LEDGER_TABLE");
        handler = new FlushCacheHandler(new Env(env), Fixture.noCooldown());
        dynamo = new AwsClients(new Env(MotoServer.shared().awsEnvironment())).build(DynamoDbClient.builder());
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        seed.close();
        redis.close();
    }

    static List<HostileCorpus.Case> cases() {
        return HostileCorpus.forFunction("flush-cache");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answeredAsTheCorpusSaysAndNothingChanges(HostileCorpus.Case c) {
        HostileCorpus.run(c, (event, response) -> handler.handleRequest(event, response,
                new LocalContext("flush-cache", Duration.ofSeconds(10))), Log::redirect);
        assertEquals(KEYS, seed.size(), c + ": the cache changed");
        assertEquals(0, dynamo.scan(b -> b.tableName(table)).count(), c + ": the ledger changed");
    }
}
