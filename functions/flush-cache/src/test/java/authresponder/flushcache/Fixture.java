package authresponder.flushcache;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.ledger.Ledger;
import authresponder.core.policy.Policy;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What every flush-cache test runs against besides Redis: the action ledger in moto's DynamoDB, and the
 * runbooks with the caps and cooldowns a test needs (a copy of the repository's, edited).
 */
final class Fixture {
    private static final Path RUNBOOKS = Path.of(System.getProperty("user.dir")).resolve("../../runbooks").normalize();

    private Fixture() {}

    /** moto's address and credentials plus a new, empty ledger table: no test sees another's records. */
    static Map<String, String> ledgerEnvironment() {
        MotoServer moto = MotoServer.shared();
        String table = "ledger-" + UUID.randomUUID();
        try (DynamoDbClient dynamo = new AwsClients(new Env(moto.awsEnvironment())).build(DynamoDbClient.builder())) {
            LedgerTable.create(dynamo, table, Ledger.TIME_INDEX);
        }
        Map<String, String> env = new HashMap<>(moto.awsEnvironment());
        env.put("LEDGER_TABLE", table);
        return env;
    }

    /** The repository's runbooks with other flush caps and one cooldown for every flush scope. */
    static Policy policy(int maxKeys, int batchSize, Duration cooldown) {
        try {
            Path copy = Files.createTempDirectory("runbooks");
            try (var files = Files.list(RUNBOOKS)) {
                for (Path file : files.toList()) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
            Path refresh = copy.resolve("token-cache-refresh.md");
            String text = Files.readString(refresh)
                    .replaceFirst("\"flushMaxKeys\": \\d+", "\"flushMaxKeys\": " + maxKeys)
                    .replaceFirst("\"flushBatchSize\": \\d+", "\"flushBatchSize\": " + batchSize)
                    .replaceAll("\"(flush-[a-z-]+)\": \"PT\\w+\"", "\"$1\": \"" + cooldown + "\"");
            Files.writeString(refresh, text);
            Policy policy = Policy.fromDirectory(copy);
            try (var files = Files.list(copy)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(copy);
            return policy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bundled caps, and a cooldown short enough that tests can flush the same scope again at once. */
    static Policy noCooldown() {
        Policy bundled = Policy.bundled();
        return policy(bundled.caps().flushMaxKeys(), bundled.caps().flushBatchSize(), Duration.ofMillis(1));
    }

    /** The handler as Lambda builds it, with these settings, its own ledger table and the given runbooks. */
    static FlushCacheHandler handler(Map<String, String> settings, Policy policy) {
        Map<String, String> env = new HashMap<>(ledgerEnvironment());
        env.putAll(settings);
        return new FlushCacheHandler(new Env(env), policy);
    }

    static Answer invoke(FlushCacheHandler handler, String event, Duration lambdaTimeout) {
        return handler.handle(event.getBytes(StandardCharsets.UTF_8), new LocalContext("flush-cache", lambdaTimeout));
    }
}
