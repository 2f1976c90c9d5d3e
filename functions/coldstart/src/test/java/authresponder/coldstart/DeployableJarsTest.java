package authresponder.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import authresponder.coldstart.driver.Driver;
import authresponder.core.AwsClients;
import authresponder.core.Env;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The jars the CDK app deploys ({@code functions/NAME/target/NAME.jar}, shrunk by {@code functions/shrink.pro} to
 * the AWS operations each function calls) do their real work. Each runs in a fresh JVM as Lambda runs it (the
 * benchmark's driver: the jar extracted into a task directory as Lambda extracts it into /var/task, the handler
 * loaded from there, constructed, invoked twice) against the benchmark's local world. What a shrinker can break
 * (a class reached by name or by reflection) breaks here and nowhere else: the functions' own tests run on the
 * classes before shrinking. {@code mvn verify} builds the jars first.
 */
class DeployableJarsTest {
    private static final long RUN_LIMIT_SECONDS = 90;
    private static final Pattern OUTCOMES = Pattern.compile("\"outcome1\":\"([^\"]*)\",\"outcome2\":\"([^\"]*)\"");
    private static final Pattern MARSHALLER = Pattern.compile("software/amazon/awssdk/services/([a-z]+)/transform/([A-Za-z]+)RequestMarshaller\\.class");
    private static final Map<String, String> HANDLERS = Map.of(
            "diagnose", "authresponder.diagnose.DiagnoseHandler",
            "flush-cache", "authresponder.flushcache.FlushCacheHandler",
            "restart-authoriser", "authresponder.restart.RestartAuthoriserHandler",
            "escalate", "authresponder.escalate.EscalateHandler",
            "watch-keys", "authresponder.watchkeys.WatchKeysHandler",
            "coldstart-floor", "authresponder.coldstartfloor.SdkFloorHandler");
    /** The ledger's operations (core's Ledger, and the SDK's endpoint discovery), in every acting function. */
    private static final List<String> LEDGER = List.of("dynamodb DeleteItem", "dynamodb DescribeEndpoints", "dynamodb GetItem",
            "dynamodb PutItem", "dynamodb Query", "dynamodb UpdateItem");
    private static final List<String> CACHE_SETTINGS = List.of("elasticache DescribeReplicationGroups", "secretsmanager GetSecretValue");
    /** escalate's page, and the read its priming rehearses in its place (see core's Rehearsal). */
    private static final List<String> PAGER = List.of("sns GetTopicAttributes", "sns Publish");
    private static final List<String> RESTART = List.of("eks DescribeCluster", "lambda GetAlias", "lambda GetFunctionConfiguration",
            "lambda PublishVersion", "lambda UpdateAlias", "lambda UpdateFunctionConfiguration");

    @TempDir
    Path dir;

    @Test
    void escalatePublishesThePageToSnsOnceThenCoolsDown() throws Exception {
        try (Endpoints world = Endpoints.start()) {
            Run run = run(world, "escalate",
                    "{\"runbook\": \"login-failures\", \"team\": \"iam-security\", \"summary\": \"jar test\", \"severity\": \"CRITICAL\"}");

            assertEquals(List.of("DONE", "COOLDOWN"), run.outcomes(), run.log());
            assertTrue(Pattern.compile("\"event\":\"paged\".*\"messageId\":\"[0-9a-f-]{36}\"").matcher(run.log()).find(),
                    "SNS's message id, read from moto's answer: " + run.log());
        }
    }

    @Test
    void restartAuthoriserUpdatesTheLambdaAndAnswersTheRepeatFromTheLedger() throws Exception {
        try (Endpoints world = Endpoints.start()) {
            Run run = run(world, "restart-authoriser", "{\"target\": \"" + Endpoints.AUTHORISER + "\", \"requestId\": \"jar-test\"}");

            assertEquals(List.of("DONE", "DONE (warned)"), run.outcomes(), run.log()); // the repeat says it is one
            assertTrue(run.log().contains("repeat of request request:jar-test"), run.log());
            assertTrue(restartStamped(world), "the authoriser's environment carries the restart stamp");
        }
    }

    @Test
    void flushCacheDeletesTheCachedKeysOnlyThenCoolsDown() throws Exception {
        try (Endpoints world = Endpoints.start(); RedisClient cache = world.cache()) {
            Run run = run(world, "flush-cache", "{\"action\": \"flush\", \"scope\": \"jwks\"}");

            assertEquals(List.of("DONE", "COOLDOWN"), run.outcomes(), run.log());
            assertEquals(Set.of(), cache.keys("jwks:*"));
            assertEquals(Endpoints.TOKENS, cache.keys("token:*").size(), "tokens are another scope");
        }
    }

    @Test
    void diagnoseReadsLogsConfigurationProviderAndCacheIntoAVerdict() throws Exception {
        try (Endpoints world = Endpoints.start()) {
            // the alarm the routing sends diagnose, sent now (an older one is stale)
            String alarm = Files.readString(Path.of("../../events-samples/alarms/auth-login-failures-alarm.json"))
                    .replaceFirst("\"time\": \"[^\"]+\"", "\"time\": \"" + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"");
            Run run = run(world, "diagnose", alarm);

            assertEquals(List.of("NO_CHANGE", "NO_CHANGE"), run.outcomes(), run.log());
            assertTrue(run.log().contains("\"event\":\"verdict\"") && run.log().contains("\"failedChecks\":0"), run.log());
        }
    }

    @Test
    void watchKeysRecordsTheKeysThenFlushesAndRestartsWhenAKidGetsNewMaterial() throws Exception {
        try (Endpoints world = Endpoints.start(); RedisClient cache = world.cache()) {
            assertEquals(List.of("NO_CHANGE", "NO_CHANGE"), run(world, "watch-keys", "{}").outcomes());

            world.idp().replaceMaterial(world.idp().publishedKids().getFirst());
            Run run = run(world, "watch-keys", "{}");

            assertEquals(List.of("DONE", "NO_CHANGE"), run.outcomes(), run.log());
            assertEquals(Set.of(), cache.keys("jwks:*"));
            assertTrue(restartStamped(world), "the authoriser's environment carries the restart stamp");
        }
    }

    @Test
    void theSdkFloorReadsItsItemFromTheLedgerTable() throws Exception {
        try (Endpoints world = Endpoints.start()) {
            assertEquals(List.of("NOT_FOUND", "NOT_FOUND"), run(world, "coldstart-floor", "{}").outcomes());

            try (DynamoDbClient dynamo = new AwsClients(new Env(world.aws())).build(DynamoDbClient.builder())) {
                dynamo.putItem(r -> r.tableName(Endpoints.LEDGER_TABLE)
                        .item(Map.of("pk", AttributeValue.fromS("sdk-floor"), "sk", AttributeValue.fromS("sdk-floor"))));
            }
            Run run = run(world, "coldstart-floor", "{}");
            assertEquals(List.of("FOUND", "FOUND"), run.outcomes(), run.log());
        }
    }

    @Test
    void eachJarCarriesTheAwsOperationsItsFunctionCallsAndNoOther() throws IOException {
        assertEquals(operations(List.of("cloudwatchlogs FilterLogEvents", "lambda GetFunctionConfiguration"), CACHE_SETTINGS), operations("diagnose"));
        assertEquals(operations(LEDGER, CACHE_SETTINGS), operations("flush-cache"));
        assertEquals(operations(LEDGER, RESTART), operations("restart-authoriser"));
        assertEquals(operations(LEDGER, PAGER), operations("escalate"));
        assertEquals(operations(LEDGER, CACHE_SETTINGS, RESTART, List.of("sns Publish")), operations("watch-keys"));
    }

    private record Run(List<String> outcomes, String log) {}

    /**
     * One cold process: the driver loads the function from its extracted jar and invokes it twice with the event,
     * the function reaching AWS through the world's TLS front, as the benchmark's runs do.
     */
    private Run run(Endpoints world, String function, String event) throws IOException, InterruptedException {
        Path eventFile = Files.writeString(dir.resolve(function + ".json"), event);
        Path output = dir.resolve(function + ".log");
        Path trustStore = dir.resolve("world-trust.jks");
        world.trustStore(trustStore);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djavax.net.ssl.trustStore=" + trustStore, "-cp", Path.of("target", "classes").toAbsolutePath().toString(), Driver.class.getName(),
                HANDLERS.get(function), task(function).toString(), eventFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().putAll(world.settings());
        builder.environment().remove("BENCH_OUT");
        Process process = builder.start();
        if (!process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail(function + " ran past " + RUN_LIMIT_SECONDS + " s: " + Files.readString(output));
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        Matcher outcomes = OUTCOMES.matcher(log);
        assertTrue(outcomes.find(), "the driver's summary line: " + log);
        assertFalse(log.contains("ClassNotFoundException") || log.contains("NoSuchMethod") || log.contains("NoClassDefFoundError"), log);
        return new Run(List.of(outcomes.group(1), outcomes.group(2)), log);
    }

    private static Path jar(String function) {
        Path jar = Path.of("..", function, "target", function + ".jar").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " is not built: mvn verify (or package) builds it");
        return jar;
    }

    /** The deployable jar extracted into a directory of its own, as Lambda extracts it into /var/task. */
    private Path task(String function) throws IOException {
        Path task = dir.resolve(function + "-task");
        try (ZipFile zip = new ZipFile(jar(function).toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                Path to = task.resolve(entry.getName()).normalize();
                assertTrue(to.startsWith(task), "an entry outside the jar's directory: " + entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(to);
                    continue;
                }
                Files.createDirectories(to.getParent());
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return task;
    }

    private static boolean restartStamped(Endpoints world) {
        try (LambdaClient lambda = new AwsClients(new Env(world.aws())).build(LambdaClient.builder())) {
            return lambda.getFunctionConfiguration(r -> r.functionName(Endpoints.AUTHORISER))
                    .environment().variables().containsKey("AUTH_RESPONDER_RESTARTED_AT");
        }
    }

    /** "service Operation" for each request marshaller the jar carries: one per operation the code can call. */
    private static Set<String> operations(String function) throws IOException {
        Set<String> operations = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar(function).toFile())) {
            zip.stream().map(entry -> MARSHALLER.matcher(entry.getName())).filter(Matcher::matches)
                    .forEach(m -> operations.add(m.group(1) + " " + m.group(2)));
        }
        return operations;
    }

    @SafeVarargs
    private static Set<String> operations(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).collect(Collectors.toCollection(TreeSet::new));
    }
}
