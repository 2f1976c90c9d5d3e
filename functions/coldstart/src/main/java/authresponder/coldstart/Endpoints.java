package authresponder.coldstart;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.ledger.LedgerTable;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The local world the cold-start benchmark invokes the functions against: a real redis-server holding a
 * cached JWKS, token entries and sessions, moto with the ledger table, and the local identity provider.
 * {@code Endpoints ENV_FILE} writes the settings every function gets ({@code NAME=value} lines, as the
 * CDK app would set them) once all is up, then holds the world until the process is stopped
 * (the servers' own shutdown hooks stop them with it).
 */
public final class Endpoints implements AutoCloseable {
    static final String LEDGER_TABLE = "auth-responder-ledger";
    static final int TOKENS = 2000;
    static final int SESSIONS = 2000;

    private final RedisServer redis;
    private final MotoServer moto;
    private final LocalIdp idp;

    private Endpoints() {
        redis = RedisServer.start();
        moto = MotoServer.start();
        idp = LocalIdp.start();
    }

    public static Endpoints start() {
        Endpoints endpoints = new Endpoints();
        try {
            endpoints.seed();
            return endpoints;
        } catch (RuntimeException e) {
            endpoints.close();
            throw e;
        }
    }

    private void seed() {
        try (DynamoDbClient dynamo = new AwsClients(new Env(moto.awsEnvironment())).build(DynamoDbClient.builder())) {
            LedgerTable.create(dynamo, LEDGER_TABLE);
        }
        try (RedisClient client = RedisClient.create("127.0.0.1", redis.port()); var pipeline = client.pipelined()) {
            pipeline.set("jwks:" + idp.issuer(), idp.publishedKeys().toString());
            for (int i = 0; i < TOKENS; i++) {
                pipeline.setex("token:" + UUID.randomUUID(), Duration.ofMinutes(15).toSeconds(), "{\"sub\":\"user-" + i + "\",\"kid\":\"rsa-1\"}");
            }
            for (int i = 0; i < SESSIONS; i++) {
                pipeline.setex("session:" + UUID.randomUUID(), Duration.ofHours(8).toSeconds(), "{\"sub\":\"user-" + i + "\"}");
            }
            pipeline.sync();
        }
    }

    /** The settings of every function in this world. */
    public Map<String, String> settings() {
        Map<String, String> settings = new TreeMap<>(moto.awsEnvironment());
        settings.put("CACHE_URL", redis.url());
        settings.put("LEDGER_TABLE", LEDGER_TABLE);
        settings.put("IDP_ISSUER", idp.issuer());
        settings.put("IDP_JWKS_URL", idp.jwksUri().toString());
        return settings;
    }

    @Override
    public void close() {
        idp.close();
        moto.close();
        redis.close();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: Endpoints ENV_FILE");
            System.exit(2);
        }
        Endpoints endpoints = start();
        StringBuilder lines = new StringBuilder();
        endpoints.settings().forEach((name, value) -> lines.append(name).append('=').append(value).append('\n'));
        Path file = Path.of(args[0]);
        Path written = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), lines);
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // Held until the benchmark stops this process; the servers' shutdown hooks stop them with it.
        Thread.currentThread().join();
    }
}
