package authresponder.watchkeys;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Json;
import authresponder.core.LocalContext;
import authresponder.core.ledger.Ledger;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.MovableClock;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import redis.clients.jedis.Jedis;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One test's world: a local identity provider, a real Redis holding the authoriser's cached JWKS, and in moto
 * a fresh ledger table and the identity-platform team's SNS topic with an SQS queue subscribed to it, so a
 * test reads each notice exactly as a subscriber gets it. Close it after the test.
 */
final class Fixture implements AutoCloseable {
    static final Path SAMPLES = Path.of(System.getProperty("user.dir")).resolve("../../events-samples/watch-keys").normalize();
    static final String PROVIDER = "main";

    final LocalIdp idp = LocalIdp.start();
    final RedisServer redisServer = RedisServer.start();
    final Jedis redis = new Jedis("127.0.0.1", redisServer.port());
    final CachingAuthoriser authoriser = new CachingAuthoriser(redis, idp);
    final MovableClock clock = new MovableClock(Instant.now());
    final Map<String, String> env = new HashMap<>();
    final String ledgerTable = "ledger-" + UUID.randomUUID();
    /** The Lambda authoriser that restart-authoriser restarts (target {@code api-authoriser}, as the runbooks name it). */
    final String authoriserFunction = "authoriser-" + UUID.randomUUID();
    final LambdaClient lambda;
    private final MotoServer moto = MotoServer.shared();
    private final Env aws = new Env(moto.awsEnvironment());
    private final SqsClient sqs = new AwsClients(aws).build(SqsClient.builder());
    private final String queueUrl;
    private Instant scheduleTime = Instant.parse("2026-11-21T03:00:00Z");
    private WatchKeysHandler handler;

    Fixture() {
        lambda = new AwsClients(aws).build(LambdaClient.builder());
        String role = moto.createRole("authoriser");
        lambda.createFunction(b -> b.functionName(authoriserFunction).runtime(Runtime.JAVA21).role(role).handler("authoriser.Handler::handleRequest")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(MotoServer.placeholderCode())))
                .environment(e -> e.variables(Map.of("JWKS_CACHE_TTL", "3600"))));
        try (DynamoDbClient dynamo = new AwsClients(aws).build(DynamoDbClient.builder());
             SnsClient sns = new AwsClients(aws).build(SnsClient.builder())) {
            LedgerTable.create(dynamo, ledgerTable, Ledger.TIME_INDEX);
            String suffix = UUID.randomUUID().toString();
            String topic = sns.createTopic(b -> b.name("identity-platform-" + suffix)).topicArn();
            queueUrl = sqs.createQueue(b -> b.queueName("notices-" + suffix)).queueUrl();
            String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(queueArn));
            env.putAll(moto.awsEnvironment());
            env.put("LEDGER_TABLE", ledgerTable);
            env.put("CACHE_URL", redisServer.url());
            env.put("WATCH_KEYS_PROVIDERS", PROVIDER + "=" + idp.issuer());
            env.put("WATCH_KEYS_FETCH_TIMEOUT", "1s");
            env.put("RESTART_TARGETS", "{\"api-authoriser\": {\"lambda\": \"" + authoriserFunction + "\"}}");
            env.put("ESCALATION_TOPICS", "auth-team=arn:aws:sns:eu-west-2:123456789012:auth-team,identity-platform=" + topic);
        }
    }

    /** The handler as Lambda builds it from these settings (built again after a setting changed). */
    WatchKeysHandler handler() {
        if (handler == null) {
            handler = new WatchKeysHandler(new Env(env), clock);
        }
        return handler;
    }

    void set(String name, String value) {
        env.put(name, value);
        handler = null;
    }

    /** The schedule sample as EventBridge delivers it, a minute after the last one (each delivery is a request of its own). */
    Answer schedule() {
        scheduleTime = scheduleTime.plus(Duration.ofMinutes(1));
        JsonObject event = Json.parseObject(sample("schedule.json"), "schedule.json");
        event.addProperty("time", scheduleTime.toString());
        return invoke(Json.write(event));
    }

    Answer invoke(String event) {
        return handler().handle(event.getBytes(StandardCharsets.UTF_8), new LocalContext("watch-keys", Duration.ofSeconds(30)));
    }

    static String sample(String name) {
        try {
            return Files.readString(SAMPLES.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The authoriser's cached JWKS, as the test or the authoriser left it: warms it from the provider now. */
    void warmCache() throws Exception {
        authoriser.validate(idp.token().sign());
    }

    boolean cached() {
        return redis.exists(CachingAuthoriser.cacheKey(idp));
    }

    /** When restart-authoriser last gave the authoriser fresh execution environments, or null if never. */
    String authoriserRestartedAt() {
        return lambda.getFunctionConfiguration(b -> b.functionName(authoriserFunction)).environment().variables().get("AUTH_RESPONDER_RESTARTED_AT");
    }

    /** The actions the ledger recorded in the last five minutes. */
    List<authresponder.core.ledger.Entry> ledgerEntries() {
        return Ledger.from(new Env(env)).recent(Instant.now().minus(Duration.ofMinutes(5)), null, authresponder.core.Budget.of(Duration.ofSeconds(10)));
    }

    /** A notice as the team's queue holds it. */
    record Notice(String subject, String message, String team) {}

    /** The notices received since the last call. */
    List<Notice> notices() {
        List<Notice> notices = new ArrayList<>();
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
            for (Message message : batch) {
                JsonObject envelope = Json.parseObject(message.body(), "the SNS envelope");
                notices.add(new Notice(envelope.get("Subject").getAsString(), envelope.get("Message").getAsString(),
                        envelope.getAsJsonObject("MessageAttributes").getAsJsonObject("team").get("Value").getAsString()));
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        } while (!batch.isEmpty());
        return notices;
    }

    @Override
    public void close() {
        redis.close();
        redisServer.close();
        idp.close();
        sqs.close();
        lambda.close();
    }
}
