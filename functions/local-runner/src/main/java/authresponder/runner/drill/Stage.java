package authresponder.runner.drill;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.Json;
import authresponder.core.ledger.Ledger;
import authresponder.core.policy.Policy;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Everything an incident happens in, on this machine: a real Redis holding the authoriser's cached JWKS,
 * token keys and thousands of sessions; the local identity provider; moto with the authoriser function,
 * its log group, the ledger table, an SNS topic per on-call team with an SQS queue subscribed to it (the
 * pager), and the simulated authoriser with its users. {@link #prepare} sets it all up afresh for a
 * scenario; close() stops every process, and their shutdown hooks do on Ctrl-C.
 */
final class Stage implements AutoCloseable {
    static final String AUTHORISER = "api-authoriser";
    static final String LOG_GROUP = "/aws/lambda/" + AUTHORISER;
    static final String LEDGER_TABLE = "auth-responder-ledger";
    static final String AUDIENCE = "auth-api";
    static final int SESSIONS = 5000;
    static final int TOKENS = 2000;
    static final int ACTIVE_USERS = 400;
    /** How long ago the authoriser was deployed, as far as the stage's AWS knows: well outside any deploy window. */
    static final Duration DEPLOYED_AGO = Duration.ofDays(3);

    /** A signed-in user: a session in Redis and the token the browser sends. */
    static final class User {
        final String session = UUID.randomUUID().toString();
        String token;
    }

    /** A page as the on-call engineer's subscription received it. */
    record Page(String team, String subject, String message, Map<String, String> attributes) {}

    final Policy policy = Policy.bundled();
    private final Synthesis synthesis;
    private final RedisServer redisServer;
    final RedisClient redis;
    private final MotoServer moto;
    /** The AWS endpoint of the functions that restart the authoriser: moto, but able to report the authoriser with SnapStart. */
    private final LambdaFront lambdaFront;
    private final AwsClients aws;
    final LambdaClient lambda;
    private final IamClient iam;
    private final SnsClient sns;
    private final SqsClient sqs;
    private final CloudWatchLogsClient logs;
    private final DynamoDbClient dynamo;
    private final Map<String, String> topics = new LinkedHashMap<>();
    private final Map<String, String> queues = new LinkedHashMap<>();

    LocalIdp idp;
    SimulatedAuthoriser authoriser;
    /** The synthesized app, stood up in moto for the scenario. */
    Deployment deployment;
    final List<User> users = new ArrayList<>();

    private Stage(Synthesis synthesis) {
        this.synthesis = synthesis;
        redisServer = RedisServer.start("--maxmemory-policy", "volatile-ttl");
        RedisClient client = null;
        MotoServer server = null;
        try {
            client = RedisClient.create("127.0.0.1", redisServer.port());
            server = MotoServer.startWithMovableClock();
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            redisServer.close();
            throw e;
        }
        redis = client;
        moto = server;
        lambdaFront = new LambdaFront(moto.endpoint(), AUTHORISER);
        aws = new AwsClients(new Env(moto.awsEnvironment()));
        lambda = aws.build(LambdaClient.builder());
        iam = aws.build(IamClient.builder());
        sns = aws.build(SnsClient.builder());
        sqs = aws.build(SqsClient.builder());
        logs = aws.build(CloudWatchLogsClient.builder());
        dynamo = aws.build(DynamoDbClient.builder());
    }

    /** @param synthesis the app each scenario's deployment is made from */
    static Stage open(Synthesis synthesis) {
        return new Stage(synthesis);
    }

    String redisUrl() {
        return redisServer.url();
    }

    String jwksCacheKey() {
        return "jwks:" + idp.issuer();
    }

    /**
     * A fresh world for one scenario: empty moto and Redis, a new identity provider, the authoriser deployed days ago,
     * users signed in, and the synthesized app's buses, rules and functions.
     */
    void prepare() {
        if (idp != null) {
            idp.close();
        }
        moto.reset();
        redis.flushAll();
        redis.configSet("maxmemory", "0");
        redis.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
        idp = LocalIdp.start();

        moto.clockShift(DEPLOYED_AGO.negated());
        try {
            String role = iam.createRole(r -> r.roleName(AUTHORISER + "-role").assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"))
                    .role().arn();
            deployAuthoriser(role, AUDIENCE);
        } finally {
            moto.clockShift(Duration.ZERO);
        }
        logs.createLogGroup(r -> r.logGroupName(LOG_GROUP));
        logs.createLogStream(r -> r.logGroupName(LOG_GROUP).logStreamName("drill"));
        LedgerTable.create(dynamo, LEDGER_TABLE, Ledger.TIME_INDEX);
        topics.clear();
        queues.clear();
        for (String team : policy.routing().teams().keySet()) {
            String topic = sns.createTopic(r -> r.name("oncall-" + team)).topicArn();
            String queue = sqs.createQueue(r -> r.queueName("pager-" + team)).queueUrl();
            String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queue).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(queueArn));
            topics.put(team, topic);
            queues.put(team, queue);
        }
        authoriser = new SimulatedAuthoriser(redis, jwksCacheKey(), idp.jwksUri(), lambda, AUTHORISER, logs, LOG_GROUP, "drill");
        lambdaFront.snapStart(false);
        seedUsers();
        deployment = new Deployment(synthesis, policy, moto.awsEnvironment(), this::settings);
    }

    /** The authoriser now runs with SnapStart on published versions, as far as restart-authoriser can tell. */
    void snapStartAuthoriser() {
        lambdaFront.snapStart(true);
    }

    /** Redis answers no client for a while (CLIENT PAUSE ALL): a cache node that hangs. It resumes on its own. */
    void pauseCache(Duration duration) {
        redis.sendCommand(Protocol.Command.CLIENT, "PAUSE", String.valueOf(duration.toMillis()), "ALL");
    }

    /** Deploys (or redeploys) the authoriser function: a new version of its code and configuration, as a release would. */
    void deployAuthoriser(String role, String audience) {
        lambda.createFunction(r -> r.functionName(AUTHORISER).runtime(Runtime.JAVA21).role(role)
                .handler("example.Authoriser::handleRequest").code(c -> c.zipFile(SdkBytes.fromByteArray(MotoServer.placeholderCode())))
                .environment(e -> e.variables(Map.of(SimulatedAuthoriser.AUDIENCE_VARIABLE, audience, "JWKS_CACHE_TTL", "86400"))));
    }

    /** A release of the authoriser that changes the audience it accepts: the recent-deploy scenario. */
    void releaseAuthoriser(String audience) {
        String role = lambda.getFunction(r -> r.functionName(AUTHORISER)).configuration().role();
        lambda.deleteFunction(r -> r.functionName(AUTHORISER));
        deployAuthoriser(role, audience);
    }

    /** Sessions, token keys and the JWKS the authoriser caches on its first request, as in a service that has run for a while. */
    private void seedUsers() {
        users.clear();
        try (var pipeline = redis.pipelined()) {
            for (int i = 0; i < SESSIONS; i++) {
                User user = new User();
                pipeline.setex("session:" + user.session, Duration.ofHours(8).toSeconds(),
                        "{\"sub\":\"user-" + i + "\",\"createdAt\":\"" + Instant.now() + "\",\"roles\":[\"customer\"],\"csrf\":\"" + UUID.randomUUID() + "\"}");
                if (i < ACTIVE_USERS) {
                    user.token = idp.token().subject("user-" + i).sign();
                    users.add(user);
                }
            }
            for (int i = 0; i < TOKENS; i++) {
                long ttl = 60 + ThreadLocalRandom.current().nextLong(840);
                pipeline.setex("token:" + UUID.randomUUID(), ttl,
                        "{\"sub\":\"user-" + i + "\",\"kid\":\"rsa-1\",\"exp\":" + Instant.now().plusSeconds(ttl).getEpochSecond() + "}");
            }
            pipeline.sync();
        }
    }

    /** One round of traffic from every active user through the authoriser. */
    SimulatedAuthoriser.Tally traffic() {
        return authoriser.serve(users.stream().map(u -> new SimulatedAuthoriser.Request(u.token, u.session)).toList());
    }

    /** A share of the active users signs in again and gets a new token from the identity provider. */
    void signInAgain(double share, java.util.function.Function<Integer, String> token) {
        int count = (int) Math.round(users.size() * share);
        for (int i = 0; i < count; i++) {
            users.get(i).token = token.apply(i);
        }
    }

    long keys(String pattern) {
        long count = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(pattern).count(1000);
        do {
            var page = redis.scan(cursor, params);
            count += page.getResult().size();
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return count;
    }

    /** Calls of the commands that remove keys since the scenario began (DEL, UNLINK, FLUSHDB, FLUSHALL): what the product removed, not what Redis evicted. */
    Map<String, Long> removals() {
        Map<String, Long> calls = new TreeMap<>();
        redis.info("commandstats").lines().forEach(line -> {
            for (String command : List.of("del", "unlink", "flushdb", "flushall")) {
                if (line.startsWith("cmdstat_" + command + ":")) {
                    String count = line.substring(line.indexOf("calls=") + 6);
                    calls.put(command, Long.parseLong(count.substring(0, count.indexOf(','))));
                }
            }
        });
        return calls;
    }

    String cachedJwks() {
        return redis.get(jwksCacheKey());
    }

    /**
     * A function's settings, as the CDK app would set them for this stage: the two that restart the authoriser
     * (restart-authoriser, and watch-keys in process) reach AWS through the front.
     */
    private Map<String, String> settings(String function) {
        Map<String, String> settings = new HashMap<>(moto.awsEnvironment());
        if (function.equals("restart-authoriser") || function.equals("watch-keys")) {
            settings.put("AWS_ENDPOINT_URL", lambdaFront.endpoint());
        }
        settings.put("CACHE_URL", redisServer.url());
        settings.put("LEDGER_TABLE", LEDGER_TABLE);
        settings.put("ESCALATION_TOPICS", String.join(",", topics.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        settings.put("RUNBOOK_BASE_URL", "runbooks/");
        settings.put("IDP_ISSUER", idp.issuer());
        settings.put("IDP_AUDIENCE", AUDIENCE);
        settings.put("CACHED_JWKS_KEY", jwksCacheKey());
        settings.put("AUTHORISER_FUNCTION", AUTHORISER);
        settings.put("AUTHORISER_LOG_GROUP", LOG_GROUP);
        settings.put("WATCH_KEYS_PROVIDERS", Scenario.PROVIDER + "=" + idp.issuer());
        settings.put("RESTART_TARGETS", "{\"" + AUTHORISER + "\": {\"lambda\": \"" + AUTHORISER + "\"}}");
        return settings;
    }

    /** The pages received since the last call, read from every team's queue. */
    List<Page> pages() {
        List<Page> pages = new ArrayList<>();
        queues.forEach((team, queue) -> {
            while (true) {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
                if (messages.isEmpty()) {
                    break;
                }
                for (Message message : messages) {
                    JsonObject envelope = Json.parseObject(message.body(), "an SNS notification");
                    Map<String, String> attributes = new LinkedHashMap<>();
                    if (envelope.has("MessageAttributes")) {
                        envelope.getAsJsonObject("MessageAttributes").entrySet().forEach(a ->
                                attributes.put(a.getKey(), a.getValue().getAsJsonObject().get("Value").getAsString()));
                    }
                    pages.add(new Page(team, envelope.has("Subject") && !envelope.get("Subject").isJsonNull() ? envelope.get("Subject").getAsString() : "",
                            envelope.get("Message").getAsString(), attributes));
                    sqs.deleteMessage(r -> r.queueUrl(queue).receiptHandle(message.receiptHandle()));
                }
            }
        });
        return pages;
    }

    @Override
    public void close() {
        if (idp != null) {
            idp.close();
        }
        redis.close();
        redisServer.close();
        lambdaFront.close();
        moto.close();
    }
}
