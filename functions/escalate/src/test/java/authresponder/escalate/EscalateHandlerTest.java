package authresponder.escalate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.ActionFailedException;
import authresponder.core.Budget;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.core.ledger.Entry;
import authresponder.core.ledger.Ledger;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deduplication, failures, the ledger's absence, bad input and configuration, against moto and dead endpoints. */
class EscalateHandlerTest {
    private static final String ERROR_RATE = "alarm-auth-error-rate.json";
    private static final String INCIDENT = "auth-error-rate/auth-team";

    private OnCall onCall;
    private EscalateHandler handler;

    @BeforeEach
    void start() {
        onCall = new OnCall();
        handler = new EscalateHandler(new Env(onCall.env()));
    }

    @AfterEach
    void stop() {
        onCall.close();
    }

    private static Answer invoke(EscalateHandler handler, byte[] event, Duration timeout) {
        return handler.handle(event, new LocalContext("escalate", timeout));
    }

    private Answer invoke(byte[] event) {
        return invoke(handler, event, Duration.ofSeconds(30));
    }

    private List<Entry> pagesInLedger(String incident) {
        Ledger ledger = new Ledger(() -> onCall.dynamo, onCall.table, Duration.ofDays(1), Clock.systemUTC());
        return ledger.recent(Instant.now().minusSeconds(600), incident, Budget.of(Duration.ofSeconds(10)));
    }

    private int pagesEverywhere() {
        return OnCall.TEAMS.stream().mapToInt(team -> onCall.pages(team).size()).sum();
    }

    @Test
    void primingBuildsTheClientsWithoutPagingOrRecordingAndThePrimedHandlerPages() {
        handler.prime();
        assertEquals(0, pagesEverywhere());
        assertEquals(0, onCall.dynamo.scan(b -> b.tableName(onCall.table)).count(), "priming writes nothing to the ledger");

        assertEquals(Outcome.DONE, invoke(Samples.bytes(ERROR_RATE)).result().outcome());
        assertEquals(1, onCall.pages("auth-team").size());
    }

    @Test
    void theSameIncidentPagesOnceAndRepeatsGoToTheLedger() {
        assertEquals(Outcome.DONE, invoke(Samples.bytes(ERROR_RATE)).result().outcome());

        Answer refired = invoke(Samples.bytes(Samples.refired(ERROR_RATE, "2026-11-22T03:12:31.870+0000")));
        assertEquals(Outcome.COOLDOWN, refired.result().outcome(), refired.response());
        assertTrue(refired.result().summary().startsWith("not paged again: auth-team was paged about " + INCIDENT + " at "),
                refired.result().summary());

        Answer redelivered = invoke(Samples.bytes(ERROR_RATE));
        assertEquals(Outcome.DONE, redelivered.result().outcome(), "a redelivery answers as the first time");
        assertTrue(redelivered.result().warnings().getFirst().startsWith("repeat of request alarm:auth-error-rate@"),
                redelivered.result().warnings().toString());

        assertEquals(1, onCall.pages("auth-team").size());
        List<Entry> recorded = pagesInLedger(INCIDENT);
        assertEquals(List.of(Outcome.COOLDOWN, Outcome.DONE), recorded.stream().map(Entry::outcome).toList());
        assertEquals(List.of("page", "page"), recorded.stream().map(Entry::action).toList());
    }

    @Test
    void aDryRunSaysWhenARealPageWouldBeARepeat() {
        invoke(Samples.bytes("command-page-runbook.json"));
        JsonObject command = Samples.json("command-page-runbook.json");
        command.addProperty("dryRun", true);

        Answer dry = invoke(Samples.bytes(command));

        assertEquals(Outcome.DRY_RUN, dry.result().outcome(), dry.response());
        assertTrue(dry.result().warnings().getFirst().contains("a real page now would be recorded as a repeat, not sent"),
                dry.result().warnings().toString());
        assertEquals(1, onCall.pages("iam-security").size());
    }

    @Test
    void aPageThatCannotBePublishedFailsForLambdaToRetryAndHoldsNoCooldown() throws IOException {
        onCall.deleteTopic("identity-platform");
        byte[] event = Samples.bytes("alarm-validation-failures-sustained.json");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ActionFailedException thrown = assertThrows(ActionFailedException.class, () ->
                handler.handleRequest(new ByteArrayInputStream(event), out, new LocalContext("escalate", Duration.ofSeconds(30))));
        assertTrue(thrown.getMessage().startsWith("could not page identity-platform about auth-validation-failures-sustained/"), thrown.getMessage());
        assertTrue(thrown.getMessage().contains("NotFound"), thrown.getMessage());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"outcome\":\"FAILED\""));

        onCall.topic("identity-platform");
        Answer next = invoke(Samples.bytes(Samples.refired("alarm-validation-failures-sustained.json", "2026-11-22T03:33:10.220+0000")));
        assertEquals(Outcome.DONE, next.result().outcome(), "the failed page held no cooldown: " + next.response());
        Answer retried = invoke(event);
        assertEquals(Outcome.COOLDOWN, retried.result().outcome(), "Lambda's retry of the failed event: paged meanwhile");
        assertEquals(1, onCall.pages("identity-platform").size());
    }

    @Test
    void anSnsThatKeepsFailingIsRetriedThenFails() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        HttpServer sns = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sns.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = ("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Receiver</Type>"
                    + "<Code>InternalFailure</Code><Message>injected</Message></Error><RequestId>r-1</RequestId></ErrorResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        sns.start();
        try {
            Answer answer = invoke(new EscalateHandler(new Env(withoutLedger("http://127.0.0.1:" + sns.getAddress().getPort()))),
                    Samples.bytes(ERROR_RATE), Duration.ofSeconds(30));

            assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
            assertEquals(3, requests.get(), "the SDK's standard retries");
            assertTrue(answer.result().summary().contains("InternalFailure") || answer.result().summary().contains("injected"),
                    answer.result().summary());
            assertTrue(answer.result().warnings().stream().anyMatch(w -> w.contains("paged without deduplication")),
                    answer.result().warnings().toString());
        } finally {
            sns.stop(0);
        }
    }

    @Test
    void anSnsThatNeverAnswersFailsWithinTheBudget() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer sns = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sns.setExecutor(Executors.newCachedThreadPool());
        sns.createContext("/", exchange -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        sns.start();
        try {
            Duration lambdaTimeout = Duration.ofSeconds(4);
            Answer answer = invoke(new EscalateHandler(new Env(withoutLedger("http://127.0.0.1:" + sns.getAddress().getPort()))),
                    Samples.bytes(ERROR_RATE), lambdaTimeout);

            assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
            assertTrue(answer.result().duration().compareTo(lambdaTimeout) < 0, "took " + answer.result().duration());
        } finally {
            release.countDown();
            sns.stop(0);
        }
    }

    private Map<String, String> withoutLedger(String endpoint) {
        Map<String, String> env = new HashMap<>(onCall.env());
        env.remove("LEDGER_TABLE");
        env.put("AWS_ENDPOINT_URL", endpoint);
        return env;
    }

    @Test
    void anUnreachableLedgerDoesNotStopThePage() {
        Map<String, String> env = new HashMap<>(onCall.env());
        env.put("LEDGER_TABLE", "no-such-table");

        Answer answer = invoke(new EscalateHandler(new Env(env)), Samples.bytes(ERROR_RATE), Duration.ofSeconds(30));

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        List<OnCall.Envelope> pages = onCall.pages("auth-team");
        assertEquals(1, pages.size());
        assertTrue(pages.getFirst().text().contains("\nTried: unknown (the action ledger could not be read)\n"), pages.getFirst().text());
        assertEquals(2, answer.result().warnings().size(), answer.result().warnings().toString());
    }

    @Test
    void eventsThatNeedNoPersonPageNoOne() {
        JsonObject ownFailure = Samples.json("result-flush-cache-failed.json");
        ownFailure.getAsJsonObject("detail").getAsJsonObject("requestContext")
                .addProperty("functionArn", "arn:aws:lambda:eu-west-2:123456789012:function:escalate:$LATEST");

        Map<byte[], String> events = Map.of(
                Samples.bytes("alarm-auth-error-rate-ok.json"), "alarm auth-error-rate is OK: nothing to page",
                Samples.bytes("result-diagnose-stale-key-cache.json"), "verdict STALE_KEY_CACHE needs no person: its runbook does not page",
                Samples.bytes(ownFailure), "escalate does not page about its own results (that would loop): its failures go to its dead-letter queue");
        events.forEach((event, why) -> {
            Answer answer = invoke(event);
            assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
            assertEquals(why, answer.result().summary());
        });
        assertEquals(0, pagesEverywhere());
    }

    @Test
    void badCommandsAreRefusedAndPageNoOne() {
        Map<String, String> commands = Map.of(
                "{\"team\":\"nobody\",\"summary\":\"x\"}", "unknown team 'nobody'; known: auth-team, backend, iam-security, identity-platform",
                "{\"summary\":\"x\"}", "name a team (one of auth-team, backend, iam-security, identity-platform) or a runbook to page its owner",
                "{\"team\":\"auth-team\"}", "a page needs a summary: what is wrong, in a sentence",
                "{\"runbook\":\"no-such-runbook\",\"summary\":\"x\"}", "unknown runbook 'no-such-runbook'; known: login-failures, ",
                "{\"team\":\"auth-team\",\"summary\":\"x\",\"topic\":\"arn:aws:sns:eu-west-2:123456789012:mine\"}", "unknown field 'topic'",
                "{\"team\":\"auth-team\",\"summary\":\"" + "s".repeat(301) + "\"}", "the summary is 301 characters; at most 300",
                "{\"team\":\"auth-team\",\"summary\":\"x\",\"severity\":\"SEV0\"}", "field 'severity' must be one of CRITICAL, HIGH, MEDIUM, LOW",
                "{\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\"time\":\"2026-11-22T03:00:00Z\",\"detail\":{}}",
                "escalate is not started by a schedule");
        commands.forEach((command, error) -> {
            Answer answer = invoke(command.getBytes(StandardCharsets.UTF_8));
            assertEquals(Outcome.BAD_INPUT, answer.result().outcome(), command);
            assertTrue(answer.result().summary().startsWith(error), answer.result().summary());
        });
        assertEquals(0, pagesEverywhere());
    }

    @Test
    void everyRoutedTeamNeedsATopic() {
        Map<String, String> env = new HashMap<>(onCall.env());
        env.put("ESCALATION_TOPICS", "iam-security=" + onCall.topics.get("iam-security"));
        ConfigException missing = assertThrows(ConfigException.class, () -> new EscalateHandler(new Env(env)));
        assertEquals("ESCALATION_TOPICS has no topic for team auth-team, backend, identity-platform, which the runbooks can page",
                missing.getMessage());

        env.put("ESCALATION_TOPICS", "iam-security:arn:aws:sns:eu-west-2:123456789012:x");
        assertTrue(assertThrows(ConfigException.class, () -> new EscalateHandler(new Env(env))).getMessage()
                .startsWith("ESCALATION_TOPICS must be team=sns-topic-arn pairs"));

        env.remove("ESCALATION_TOPICS");
        assertEquals("ESCALATION_TOPICS is not set", assertThrows(ConfigException.class, () -> new EscalateHandler(new Env(env))).getMessage());
    }
}
