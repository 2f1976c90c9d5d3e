package authresponder.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AwsClients;
import authresponder.core.BadInputException;
import authresponder.core.Budget;
import authresponder.core.Caller;
import authresponder.core.Env;
import authresponder.core.Outcome;
import authresponder.core.Result;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.MotoServer;
import authresponder.testkit.MovableClock;
import authresponder.testkit.Ports;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The ledger against moto's DynamoDB, through the real SDK client. */
class LedgerTest {
    private static final Duration COOLDOWN = Duration.ofMinutes(15);
    private static DynamoDbClient dynamo;

    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T03:00:00Z"));
    private String table;
    private Ledger ledger;

    record Details(String what, int count) {}

    @BeforeAll
    static void client() {
        dynamo = new AwsClients(new Env(MotoServer.shared().awsEnvironment())).build(DynamoDbClient.builder());
    }

    @AfterAll
    static void close() {
        dynamo.close();
    }

    @BeforeEach
    void table() {
        table = "ledger-" + UUID.randomUUID();
        LedgerTable.create(dynamo, table, Ledger.TIME_INDEX);
        ledger = new Ledger(() -> dynamo, table, Duration.ofDays(30), clock);
    }

    private static Caller alarm(String stateTime) {
        return new Caller(Caller.Kind.ALARM, "auth-401-spike", "alarm:auth-401-spike@" + stateTime);
    }

    private static Request restart(Caller caller) {
        return Request.of("restart", "api-authoriser", caller, COOLDOWN);
    }

    private static Budget budget() {
        return Budget.of(Duration.ofSeconds(30));
    }

    @Test
    void aFlappingAlarmActsOnceWithinTheCooldown() {
        Claim first = ledger.claim(restart(alarm("2026-11-22T03:00:00Z")), budget());
        Claim.Granted granted = assertInstanceOf(Claim.Granted.class, first);
        ledger.complete(granted, Result.of(Outcome.DONE, "restarted", null), budget());

        clock.advance(Duration.ofMinutes(2));
        Claim second = ledger.claim(restart(alarm("2026-11-22T03:02:00Z")), budget());
        Claim.CoolingDown cooling = assertInstanceOf(Claim.CoolingDown.class, second);
        assertEquals("alarm:auth-401-spike@2026-11-22T03:00:00Z", cooling.holder().requestKey());
        assertEquals(Instant.parse("2026-11-22T03:15:00Z"), cooling.holder().until());
        Result<Void> answer = cooling.answer(Void.class);
        assertEquals(Outcome.COOLDOWN, answer.outcome());
        assertTrue(answer.summary().contains("cooling down until 2026-11-22T03:15:00Z"), answer.summary());

        clock.advance(Duration.ofMinutes(14));
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(alarm("2026-11-22T03:16:00Z")), budget()));
    }

    @Test
    void aRedeliveredEventAnswersWithTheFirstOutcomeAndDetails() {
        Caller caller = alarm("2026-11-22T03:00:00Z");
        Claim.Granted granted = assertInstanceOf(Claim.Granted.class, ledger.claim(restart(caller), budget()));
        ledger.complete(granted, Result.of(Outcome.DONE, "restarted api-authoriser", new Details("env", 3)), budget());

        clock.advance(Duration.ofSeconds(5));
        Claim.Duplicate repeat = assertInstanceOf(Claim.Duplicate.class, ledger.claim(restart(caller), budget()));
        Result<Details> answer = repeat.answer(Details.class);
        assertEquals(Outcome.DONE, answer.outcome());
        assertEquals("restarted api-authoriser", answer.summary());
        assertEquals(new Details("env", 3), answer.details());
        assertTrue(answer.warnings().getFirst().startsWith("repeat of request alarm:auth-401-spike@"), answer.warnings().toString());
    }

    @Test
    void aRepeatWhileTheFirstIsStillRunningIsInProgressNotDone() {
        Caller caller = alarm("2026-11-22T03:00:00Z");
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(caller), budget()));
        Claim.Duplicate repeat = assertInstanceOf(Claim.Duplicate.class, ledger.claim(restart(caller), budget()));
        Result<Void> answer = repeat.answer(Void.class);
        assertEquals(Outcome.IN_PROGRESS, answer.outcome(), answer.summary());
        assertEquals(202, answer.outcome().httpStatus());
        assertEquals(3, answer.outcome().exitCode());
        assertNull(repeat.first().outcome());
    }

    @Test
    void aRequestWhoseInvocationEndedUnrecordedIsNeverActedOnAgain() {
        Caller caller = alarm("2026-11-22T03:00:00Z");
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(caller), Budget.of(Duration.ofSeconds(30))));
        clock.advance(Duration.ofSeconds(20));
        assertEquals(Outcome.IN_PROGRESS, assertInstanceOf(Claim.Duplicate.class, ledger.claim(restart(caller), budget())).answer(Void.class).outcome());
        clock.advance(Duration.ofSeconds(30)); // past its lease: it may have acted, so it is not taken over
        Result<Void> after = assertInstanceOf(Claim.Duplicate.class, ledger.claim(restart(caller), budget())).answer(Void.class);
        assertEquals(Outcome.REFUSED, after.outcome());
        assertTrue(after.summary().contains("it may have acted"), after.summary());
    }

    @Test
    void aFailedRequestMayBeRetriedByItsOwnRedeliveryButOthersWait() {
        Caller caller = alarm("2026-11-22T03:00:00Z");
        Claim.Granted granted = assertInstanceOf(Claim.Granted.class, ledger.claim(restart(caller), budget()));
        ledger.complete(granted, Result.of(Outcome.FAILED, "update timed out", null), budget());

        assertInstanceOf(Claim.CoolingDown.class, ledger.claim(restart(alarm("2026-11-22T03:01:00Z")), budget()));
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(caller), budget()));
    }

    @Test
    void aFailureWithoutEffectGivesTheCooldownBack() {
        Claim.Granted granted = assertInstanceOf(Claim.Granted.class, ledger.claim(restart(alarm("2026-11-22T03:00:00Z")), budget()));
        ledger.release(granted, budget());
        ledger.complete(granted, Result.of(Outcome.FAILED, "never reached the target", null), budget());

        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(alarm("2026-11-22T03:01:00Z")), budget()));
    }

    @Test
    void anActionThatChangedNothingReleasesTheCooldown() throws Exception {
        Result<Void> refused = ledger.guard(restart(alarm("2026-11-22T03:00:00Z")), budget(), Void.class,
                go -> Result.of(Outcome.REFUSED, "the deployment is paused", null));
        assertEquals(Outcome.REFUSED, refused.outcome());
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(alarm("2026-11-22T03:01:00Z")), budget()));
    }

    @Test
    void anOverrideSkipsTheCooldownAndIsAudited() {
        assertInstanceOf(Claim.Granted.class, ledger.claim(restart(alarm("2026-11-22T03:00:00Z")), budget()));
        Caller sre = new Caller(Caller.Kind.FUNCTION_URL, "arn:aws:sts::123456789012:assumed-role/ops/jo", "request:abc");
        Request forced = restart(sre).force(true, "401s persist after the first restart");
        assertInstanceOf(Claim.Granted.class, ledger.claim(forced, budget()));

        Entry audited = ledger.recent(clock.instant().minusSeconds(60), "api-authoriser", budget()).stream()
                .filter(e -> e.caller().requestKey().equals("request:abc")).findFirst().orElseThrow();
        assertEquals("401s persist after the first restart", audited.reason());
        assertEquals(sre, audited.caller());

        Claim.CoolingDown next = assertInstanceOf(Claim.CoolingDown.class, ledger.claim(restart(alarm("2026-11-22T03:05:00Z")), budget()));
        assertEquals("request:abc", next.holder().requestKey());
        assertEquals("401s persist after the first restart", next.holder().reason());
    }

    @Test
    void anOverrideNeedsAReason() {
        BadInputException e = assertThrows(BadInputException.class, () -> restart(alarm("t")).force(true, " "));
        assertTrue(e.getMessage().contains("reason"));
        assertEquals(restart(alarm("t")), restart(alarm("t")).force(false, null));
    }

    @Test
    void twoConcurrentClaimsOnOneTargetGrantExactlyOne() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 10; round++) {
                String target = "target-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Claim>> claims = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Request request = Request.of("restart", target, alarm("2026-11-22T03:00:0" + i + "Z"), COOLDOWN);
                    claims.add(pool.submit(() -> {
                        start.await();
                        return ledger.claim(request, budget());
                    }));
                }
                start.countDown();
                List<Claim> answers = new ArrayList<>();
                for (Future<Claim> claim : claims) {
                    answers.add(claim.get());
                }
                assertEquals(1, answers.stream().filter(Claim.Granted.class::isInstance).count(), "round " + round + ": " + answers);
                assertEquals(1, answers.stream().filter(Claim.CoolingDown.class::isInstance).count(), "round " + round + ": " + answers);
            }
        }
    }

    @Test
    void twoConcurrentDeliveriesOfOneEventActOnce() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 10; round++) {
                Request request = Request.of("restart", "target-" + round, alarm("2026-11-22T03:00:00Z"), COOLDOWN);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Claim>> claims = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    claims.add(pool.submit(() -> {
                        start.await();
                        return ledger.claim(request, budget());
                    }));
                }
                start.countDown();
                List<Claim> answers = List.of(claims.get(0).get(), claims.get(1).get());
                assertEquals(1, answers.stream().filter(Claim.Granted.class::isInstance).count(), answers.toString());
                assertEquals(1, answers.stream().filter(Claim.Duplicate.class::isInstance).count(), answers.toString());
            }
        }
    }

    @Test
    void aFailingActionIsRecordedAndThrownOn() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> ledger.guard(restart(alarm("2026-11-22T03:00:00Z")),
                budget(), Void.class, go -> {
                    throw new IllegalStateException("the update stayed InProgress");
                }));
        assertEquals("the update stayed InProgress", thrown.getMessage());
        Entry entry = ledger.recent(clock.instant().minusSeconds(1), null, budget()).getFirst();
        assertEquals(Outcome.FAILED, entry.outcome());
        assertEquals("IllegalStateException: the update stayed InProgress", entry.summary());
    }

    @Test
    void recentListsWhatWasDoneNewestFirstAndByTarget() throws Exception {
        Instant start = clock.instant();
        for (String target : List.of("api-authoriser", "oidc", "api-authoriser")) {
            clock.advance(Duration.ofMinutes(20));
            Request request = Request.of("restart", target, alarm(clock.instant().toString()), COOLDOWN);
            ledger.guard(request, budget(), Void.class, go -> Result.of(Outcome.DONE, "restarted " + target, null));
        }
        clock.advance(Duration.ofMinutes(1));
        ledger.guard(Request.of("flush", "jwks", alarm("dry"), Duration.ofMinutes(5)).dryRun(true), budget(), Void.class,
                go -> Result.of(Outcome.DRY_RUN, "would flush jwks:*", null));

        List<Entry> all = ledger.recent(start, null, budget());
        assertEquals(List.of("flush jwks", "restart api-authoriser", "restart oidc", "restart api-authoriser"),
                all.stream().map(e -> e.action() + " " + e.target()).toList());
        assertTrue(all.getFirst().dryRun());
        assertEquals(Outcome.DONE, all.get(1).outcome());
        assertEquals(Caller.Kind.ALARM, all.get(1).caller().kind());

        assertEquals(2, ledger.recent(start, "api-authoriser", budget()).size());
        assertEquals(1, ledger.recent(start.plus(Duration.ofMinutes(50)), "api-authoriser", budget()).size());
    }

    @Test
    void aDryRunSaysWhatARealRunWouldMeet() throws Exception {
        ledger.guard(restart(alarm("2026-11-22T03:00:00Z")), budget(), Void.class, go -> Result.of(Outcome.DONE, "restarted", null));
        Result<Void> dry = ledger.guard(restart(alarm("2026-11-22T03:01:00Z")).dryRun(true), budget(), Void.class, go -> {
            assertInstanceOf(Claim.DryRun.class, go);
            return Result.of(Outcome.DRY_RUN, "would restart api-authoriser", null);
        });
        assertEquals(Outcome.DRY_RUN, dry.outcome());
        assertTrue(dry.warnings().getFirst().contains("a real run now would answer COOLDOWN"), dry.warnings().toString());
        // the dry run took no lock: the next real request still meets the first one's cooldown, not the dry run's
        Claim.CoolingDown cooling = assertInstanceOf(Claim.CoolingDown.class, ledger.claim(restart(alarm("2026-11-22T03:02:00Z")), budget()));
        assertEquals("alarm:auth-401-spike@2026-11-22T03:00:00Z", cooling.holder().requestKey());
    }

    @Test
    void anUnreachableLedgerRefusesToActButADryRunStillWorks() throws Exception {
        Map<String, String> dead = new HashMap<>(MotoServer.shared().awsEnvironment());
        dead.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + Ports.free());
        dead.put("LEDGER_TABLE", table);
        Ledger unreachable = Ledger.from(new Env(dead));
        List<String> acted = new ArrayList<>();

        Result<Void> refused = unreachable.guard(restart(alarm("2026-11-22T03:00:00Z")), budget(), Void.class, go -> {
            acted.add("restart");
            return Result.of(Outcome.DONE, "restarted", null);
        });
        assertEquals(Outcome.REFUSED, refused.outcome());
        assertTrue(refused.summary().contains("the action ledger is unavailable"), refused.summary());
        assertEquals(List.of(), acted);

        Result<Void> dry = unreachable.guard(restart(alarm("2026-11-22T03:00:00Z")).dryRun(true), budget(), Void.class,
                go -> Result.of(Outcome.DRY_RUN, "would restart", null));
        assertEquals(Outcome.DRY_RUN, dry.outcome());
        assertTrue(dry.warnings().getFirst().contains("a real run now would be REFUSED"), dry.warnings().toString());
    }

    @Test
    void aMissingTableOrSettingRefusesToAct() {
        Ledger noTable = new Ledger(() -> dynamo, "no-such-table", Duration.ofDays(30), clock);
        assertInstanceOf(Claim.Unavailable.class, noTable.claim(restart(alarm("t")), budget()));
        Claim unset = Ledger.from(new Env(MotoServer.shared().awsEnvironment())).claim(restart(alarm("t")), budget());
        assertEquals("LEDGER_TABLE is not set", assertInstanceOf(Claim.Unavailable.class, unset).problem());
    }
}
