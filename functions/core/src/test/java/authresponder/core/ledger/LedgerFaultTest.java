package authresponder.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Caller;
import authresponder.core.Env;
import authresponder.core.Outcome;
import authresponder.core.Result;
import authresponder.testkit.FaultProxy;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.MotoServer;
import authresponder.testkit.MovableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The ledger when DynamoDB's answers are lost or its writes fail: the real SDK client speaks to moto through a
 * {@link FaultProxy}, so the SDK's own retries meet what the network did.
 */
class LedgerFaultTest {
    private static final String PUT = "DynamoDB_20120810.PutItem";
    private static final String UPDATE = "DynamoDB_20120810.UpdateItem";

    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T03:00:00Z"));
    private final AtomicInteger acted = new AtomicInteger();
    private FaultProxy proxy;
    private DynamoDbClient dynamo;
    private Ledger ledger;

    @BeforeEach
    void start() {
        proxy = FaultProxy.in(MotoServer.shared().endpoint());
        dynamo = new AwsClients(new Env(proxy.awsEnvironment(MotoServer.shared().awsEnvironment()))).build(DynamoDbClient.builder());
        String table = "ledger-" + UUID.randomUUID();
        LedgerTable.create(dynamo, table, Ledger.TIME_INDEX);
        ledger = new Ledger(() -> dynamo, table, Duration.ofDays(30), clock);
    }

    @AfterEach
    void stop() {
        dynamo.close();
        proxy.close();
    }

    private static Request flush() {
        return Request.of("flush-jwks", "cache", new Caller(Caller.Kind.EVENT, "diagnose", "event:e-1"), Duration.ofMinutes(5));
    }

    private Result<Void> guarded() throws Exception {
        return ledger.guard(flush(), Budget.of(Duration.ofSeconds(30)), Void.class, go -> {
            acted.incrementAndGet();
            return Result.of(Outcome.DONE, "flushed", null);
        });
    }

    @Test
    void aClaimWhoseReplyWasLostIsRecognisedAsItsOwnAndActsOnce() throws Exception {
        proxy.arm(PUT, FaultProxy.Fault.LOSE_REPLY, 1); // the record commits, its answer is a 500, the SDK retries
        Result<Void> answer = guarded();
        assertEquals(Outcome.DONE, answer.outcome(), answer.summary());
        assertEquals(1, acted.get());
        assertTrue(proxy.calls(PUT) >= 3, "the retried claim and the lock: " + proxy.calls(PUT));

        Result<Void> redelivered = guarded();
        assertEquals(Outcome.DONE, redelivered.outcome());
        assertTrue(redelivered.warnings().getFirst().startsWith("repeat of request event:e-1"), redelivered.warnings().toString());
        assertEquals(1, acted.get());
    }

    @Test
    void aLostLockReplyIsAlsoOurOwn() throws Exception {
        Claim.Granted first = assertInstanceOf(Claim.Granted.class, ledger.claim(flush(), Budget.of(Duration.ofSeconds(30))));
        ledger.complete(first, Result.of(Outcome.DONE, "flushed", null), Budget.of(Duration.ofSeconds(30)));
        clock.advance(Duration.ofMinutes(6));
        Request next = Request.of("flush-jwks", "cache", new Caller(Caller.Kind.EVENT, "diagnose", "event:e-2"), Duration.ofMinutes(5));
        int before = proxy.calls(PUT);
        proxy.arm(PUT, FaultProxy.Fault.LOSE_REPLY, 2); // the claim's reply and the lock's reply are both lost
        assertInstanceOf(Claim.Granted.class, ledger.claim(next, Budget.of(Duration.ofSeconds(30))));
        assertTrue(proxy.calls(PUT) - before >= 4, "two writes, each retried once: " + (proxy.calls(PUT) - before));
    }

    @Test
    void whenTheEndCannotBeRecordedARetryNeverActsAgain() throws Exception {
        proxy.armAlways(UPDATE, FaultProxy.Fault.FAIL);
        Result<Void> answer = guarded();
        assertEquals(Outcome.DONE, answer.outcome());
        assertTrue(answer.warnings().getFirst().startsWith("the ledger did not record this action's end"), answer.warnings().toString());
        proxy.heal();

        Result<Void> soon = guarded(); // a redelivery while the first invocation could still be running
        assertEquals(Outcome.IN_PROGRESS, soon.outcome(), soon.summary());
        clock.advance(Duration.ofSeconds(14)); // past the first invocation's deadline and lease: once, it acted again here
        clock.advance(Duration.ofSeconds(30));
        Result<Void> later = guarded();
        assertEquals(Outcome.REFUSED, later.outcome(), later.summary());
        assertTrue(later.summary().contains("it may have acted"), later.summary());
        assertEquals(1, acted.get());
    }
}
