package authresponder.coldstart;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.ledger.Ledger;
import authresponder.core.policy.Policy;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The local world the cold-start benchmark invokes the functions against: a real redis-server holding a
 * cached JWKS, token entries and sessions, moto with the ledger table and the authoriser (its function and
 * log group) and an on-call SNS topic per team, and the local identity provider.
 * {@code Endpoints ENV_FILE} writes the settings every function gets ({@code NAME='value'} lines a shell reads, as the
 * CDK app would set them) once all is up, then holds the world until the process is stopped
 * (the servers' own shutdown hooks stop them with it). The functions reach moto over TLS, as they reach AWS
 * ({@link TlsFront}), and their JVM must trust the front's certificate ({@link #trustStore}); the file also
 * names that trust store ({@code WORLD_TRUST_STORE}, beside the file) and moto's own address
 * ({@code WORLD_MOTO_URL}, for the benchmark's own calls, as {@link #aws()} is for a test's).
 */
public final class Endpoints implements AutoCloseable {
    static final String LEDGER_TABLE = "auth-responder-ledger";
    static final String AUTHORISER = "api-authoriser";
    static final String LOG_GROUP = "/aws/lambda/" + AUTHORISER;
    static final int TOKENS = 2000;
    static final int SESSIONS = 2000;

    private final RedisServer redis;
    private final MotoServer moto;
    private final TlsFront front;
    private final LocalIdp idp;
    private final Map<String, String> topics = new TreeMap<>();

    private Endpoints() {
        redis = RedisServer.start();
        moto = MotoServer.start();
        front = new TlsFront(URI.create(moto.endpoint()));
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
        AwsClients aws = new AwsClients(new Env(aws()));
        try (DynamoDbClient dynamo = aws.build(DynamoDbClient.builder())) {
            LedgerTable.create(dynamo, LEDGER_TABLE, Ledger.TIME_INDEX);
        }
        try (IamClient iam = aws.build(IamClient.builder()); LambdaClient lambda = aws.build(LambdaClient.builder());
             CloudWatchLogsClient logs = aws.build(CloudWatchLogsClient.builder())) {
            String role = iam.createRole(r -> r.roleName(AUTHORISER + "-role").assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"))
                    .role().arn();
            lambda.createFunction(r -> r.functionName(AUTHORISER).runtime(Runtime.JAVA21).role(role).handler("example.Authoriser::handleRequest")
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(MotoServer.placeholderCode()))).environment(e -> e.variables(Map.of("JWKS_CACHE_TTL", "86400"))));
            logs.createLogGroup(r -> r.logGroupName(LOG_GROUP));
            logs.createLogStream(r -> r.logGroupName(LOG_GROUP).logStreamName("bench"));
            logs.putLogEvents(r -> r.logGroupName(LOG_GROUP).logStreamName("bench").logEvents(
                    InputLogEvent.builder().timestamp(System.currentTimeMillis()).message("invalid_signature kid mismatch").build()));
        }
        try (SnsClient sns = aws.build(SnsClient.builder())) {
            for (String team : Policy.bundled().routing().teams().keySet()) {
                topics.put(team, sns.createTopic(r -> r.name("oncall-" + team)).topicArn());
            }
        }
        try (RedisClient client = cache(); var pipeline = client.pipelined()) {
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

    /** The settings of every function in this world: AWS through the TLS front. */
    public Map<String, String> settings() {
        Map<String, String> settings = new TreeMap<>(aws());
        settings.put("AWS_ENDPOINT_URL", front.endpoint().toString());
        settings.put("CACHE_URL", redis.url());
        settings.put("LEDGER_TABLE", LEDGER_TABLE);
        settings.put("IDP_ISSUER", idp.issuer());
        settings.put("IDP_JWKS_URL", idp.jwksUri().toString());
        settings.put("AUTHORISER_FUNCTION", AUTHORISER);
        settings.put("AUTHORISER_LOG_GROUP", LOG_GROUP);
        settings.put("ESCALATION_TOPICS", String.join(",", topics.entrySet().stream().map(t -> t.getKey() + "=" + t.getValue()).toList()));
        settings.put("WATCH_KEYS_PROVIDERS", "main=" + idp.issuer());
        settings.put("RESTART_TARGETS", "{\"" + AUTHORISER + "\": {\"lambda\": \"" + AUTHORISER + "\"}}");
        return settings;
    }

    /** moto's own settings (plain HTTP): for the world's seeding, and for a test to look at what a function did. */
    Map<String, String> aws() {
        return moto.awsEnvironment();
    }

    /** Writes a trust store holding the TLS front's certificate, for a function's JVM (-Djavax.net.ssl.trustStore). */
    void trustStore(Path file) throws IOException {
        front.trustStore(file);
    }

    /** The identity provider, for a test to rotate its keys. */
    LocalIdp idp() {
        return idp;
    }

    /** A client of the cache, for a test to look at what a function left there. */
    RedisClient cache() {
        return RedisClient.create("127.0.0.1", redis.port());
    }

    @Override
    public void close() {
        idp.close();
        front.close();
        moto.close();
        redis.close();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: Endpoints ENV_FILE");
            System.exit(2);
        }
        Endpoints endpoints = start();
        Path file = Path.of(args[0]);
        Path trustStore = file.resolveSibling("world-trust.jks");
        endpoints.trustStore(trustStore);
        Map<String, String> settings = new TreeMap<>(endpoints.settings());
        settings.put("WORLD_MOTO_URL", endpoints.aws().get("AWS_ENDPOINT_URL"));
        settings.put("WORLD_TRUST_STORE", trustStore.toAbsolutePath().toString());
        StringBuilder lines = new StringBuilder();
        settings.forEach((name, value) ->
                lines.append(name).append("='").append(value.replace("'", "'\\''")).append("'\n"));
        Path written = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), lines);
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // Held until the benchmark stops this process; the servers' shutdown hooks stop them with it.
        Thread.currentThread().join();
    }
}
