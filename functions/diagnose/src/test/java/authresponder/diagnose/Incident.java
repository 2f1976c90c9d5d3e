package authresponder.diagnose;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.LocalContext;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.MotoServer;
import authresponder.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * One incident's real parts: a local IdP, a Redis holding the authoriser's cached JWKS, and moto with
 * the authoriser's log group and function. A test arranges the incident, then runs diagnose on it.
 */
final class Incident implements AutoCloseable {
    static final String LOG_GROUP = "/aws/lambda/api-authoriser";
    static final String FUNCTION = "api-authoriser";
    static final Duration CHECK_BUDGET = Duration.ofSeconds(2);

    final MotoServer moto = MotoServer.shared();
    final LocalIdp idp = LocalIdp.start();
    final RedisServer redis;
    final CloudWatchLogsClient logs;
    final LambdaClient lambda;
    private final Map<String, String> env = new HashMap<>();

    Incident(String... redisArgs) {
        moto.reset();
        redis = RedisServer.start(redisArgs);
        AwsClients aws = new AwsClients(new Env(moto.awsEnvironment()));
        logs = aws.build(CloudWatchLogsClient.builder());
        lambda = aws.build(LambdaClient.builder());
        env.putAll(moto.awsEnvironment());
        env.put("IDP_ISSUER", idp.issuer());
        env.put("IDP_AUDIENCE", LocalIdp.DEFAULT_AUDIENCE);
        env.put("CACHE_URL", redis.url());
        env.put("AUTHORISER_LOG_GROUP", LOG_GROUP);
        env.put("AUTHORISER_FUNCTION", FUNCTION);
        env.put("CHECK_BUDGET", CHECK_BUDGET.toMillis() + "ms");
        logs.createLogGroup(r -> r.logGroupName(LOG_GROUP));
        logs.createLogStream(r -> r.logGroupName(LOG_GROUP).logStreamName("2026/11/21/[$LATEST]abc"));
    }

    Incident set(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    /** Where the authoriser caches the JWKS: the default, jwks:ISSUER. */
    String jwksKey() {
        return "jwks:" + idp.issuer();
    }

    Jedis jedis() {
        return new Jedis(redis.url());
    }

    /** The authoriser cached what the IdP publishes now. */
    Incident cacheLiveKeys() {
        try (Jedis jedis = jedis()) {
            jedis.set(jwksKey(), idp.publishedKeys().toString());
        }
        return this;
    }

    /** Token keys expiring over the next hours, spread out (no pattern), plus sessions that are not sampled. */
    Incident tokenKeys(int count) {
        try (Jedis jedis = jedis()) {
            for (int i = 0; i < count; i++) {
                jedis.psetex("token:" + i, 600_000L + i * 97_000L, "t");
                jedis.set("session:" + i, "s");
            }
        }
        return this;
    }

    /** Log lines of the authoriser at a time, each containing the phrase. */
    Incident logLines(String phrase, int count, Instant at) {
        List<InputLogEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(InputLogEvent.builder().timestamp(at.toEpochMilli() + i)
                    .message("{\"level\":\"WARN\",\"msg\":\"token rejected: " + phrase + "\",\"request\":" + i + "}").build());
        }
        logs.putLogEvents(r -> r.logGroupName(LOG_GROUP).logStreamName("2026/11/21/[$LATEST]abc").logEvents(events));
        return this;
    }

    /** The authoriser function, changed now (moto stamps LastModified with the time of the call). */
    Incident deployAuthoriser() {
        return deployAuthoriser(Map.of());
    }

    /** The authoriser function with these environment variables, changed now. */
    Incident deployAuthoriser(Map<String, String> variables) {
        String role = moto.createRole("authoriser");
        lambda.createFunction(b -> b.functionName(FUNCTION).runtime(Runtime.JAVA21).role(role)
                .handler("authoriser.Handler::handleRequest").code(c -> c.zipFile(SdkBytes.fromByteArray(MotoServer.placeholderCode())))
                .environment(e -> e.variables(variables)));
        return this;
    }

    FunctionHandler.Answer diagnose(String event) {
        return diagnose(event, DiagnosePolicy.bundled());
    }

    FunctionHandler.Answer diagnose(String event, DiagnosePolicy policy) {
        return handler(policy).handle(event.getBytes(StandardCharsets.UTF_8), new LocalContext("diagnose", Duration.ofSeconds(30)));
    }

    DiagnoseHandler handler(DiagnosePolicy policy) {
        return new DiagnoseHandler(new Env(env), policy);
    }

    /** A policy in which the authoriser's change of a moment ago is long past. */
    static DiagnosePolicy deployLongAgo() {
        return DiagnosePolicy.bundled().withDeployWindow(Duration.ofMillis(1));
    }

    static Diagnosis details(FunctionHandler.Answer answer) {
        return (Diagnosis) answer.result().details();
    }

    static CheckReport check(FunctionHandler.Answer answer, String name) {
        return details(answer).checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        idp.close();
        redis.close();
        logs.close();
        lambda.close();
    }
}
