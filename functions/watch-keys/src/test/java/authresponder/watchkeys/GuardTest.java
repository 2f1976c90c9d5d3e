package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.flushcache.FlushCacheHandler;
import authresponder.watchkeys.WatchReport.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** watch-keys acts only as the alarm path would: through the same dry run, cooldowns and ledger. */
class GuardTest {
    private final Fixture world = new Fixture();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aDryRunAsksEveryActionForItsDryRunAndChangesNothing() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.retire("rsa-1");

        Answer dry = world.invoke(Fixture.sample("check-all-dry-run.json"));

        assertEquals(Outcome.DRY_RUN, dry.result().outcome(), dry.response());
        WatchReport report = KeyChangeTest.report(dry);
        assertTrue(report.dryRun());
        assertEquals(Status.CHANGED, report.providers().getFirst().status());
        assertEquals(List.of(Outcome.DRY_RUN, Outcome.DRY_RUN), report.actions().stream().map(WatchReport.ActionReport::outcome).toList());
        assertTrue(report.actions().getFirst().summary().contains("1 key of scope jwks"), report.actions().getFirst().summary());
        assertTrue(world.cached(), "nothing flushed");
        assertNull(world.authoriserRestartedAt(), "nothing restarted");
        assertEquals(List.of(), world.notices(), "nobody told");

        Answer real = world.schedule();
        assertEquals(Outcome.DONE, real.result().outcome(), "the dry run recorded nothing: the change is still there to act on");
        assertFalse(world.cached());
    }

    @Test
    void aFlushCoolingDownKeepsTheChangeForTheNextRun() throws Exception {
        world.schedule();
        world.warmCache();
        // the alarm path flushed moments ago, before the provider published its new key
        FlushCacheHandler flushCache = new FlushCacheHandler(new Env(world.env));
        Answer flushed = flushCache.handle("{\"action\":\"flush\",\"scope\":\"jwks\"}".getBytes(StandardCharsets.UTF_8),
                new LocalContext("flush-cache", Duration.ofSeconds(30)));
        assertEquals(Outcome.DONE, flushed.result().outcome(), flushed.response());
        world.warmCache();
        world.idp.addRsaKey("rsa-2");

        Answer answer = world.schedule();

        assertEquals(Outcome.COOLDOWN, answer.result().outcome(), answer.response());
        assertEquals(List.of(Outcome.COOLDOWN), KeyChangeTest.report(answer).actions().stream().map(WatchReport.ActionReport::outcome).toList(),
                "the chain stops at a cooldown: no restart either");
        assertTrue(KeyChangeTest.provider(answer).note().startsWith("pending"), KeyChangeTest.provider(answer).note());
        assertTrue(world.cached(), "the cooldown holds");
        assertEquals(List.of(), world.notices());

        Answer again = world.schedule();
        assertEquals(Status.CHANGED, KeyChangeTest.provider(again).status(), "the change was not recorded as handled: it is looked at again");
        assertEquals(Outcome.COOLDOWN, again.result().outcome());
    }

    @Test
    void theLedgerRecordsTheFlushAsWatchKeysOnBehalfOfTheSchedule() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.addEcKey("ec-2");
        Answer answer = world.schedule();
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());

        var ledger = authresponder.core.ledger.Ledger.from(new Env(world.env));
        var recent = ledger.recent(java.time.Instant.now().minus(Duration.ofMinutes(5)), null, authresponder.core.Budget.of(Duration.ofSeconds(10)));
        var flush = recent.stream().filter(e -> e.action().equals("flush-jwks")).findFirst().orElseThrow();
        assertEquals("watch-keys (schedule)", flush.caller().principal());
        assertEquals("watch-keys:" + answer.result().requestKey(), flush.caller().requestKey());
        assertEquals(Outcome.DONE, flush.outcome());

        Answer redelivered = world.invoke(redeliveryOf(answer));
        assertEquals(Status.UNCHANGED, KeyChangeTest.provider(redelivered).status(), "the redelivered event finds the change recorded");
    }

    /** The same schedule event again: EventBridge delivers at least once. */
    private String redeliveryOf(Answer answer) {
        var event = authresponder.core.Json.parseObject(Fixture.sample("schedule.json"), "schedule.json");
        event.addProperty("time", answer.result().requestKey().substring("schedule:".length()));
        return authresponder.core.Json.write(event);
    }

    @Test
    void aRestartTargetThatDoesNotExistFailsTheRunAndTheTeamIsToldOnce() throws Exception {
        world.set("RESTART_TARGETS", "{\"api-authoriser\": {\"lambda\": \"no-such-function\"}}");
        world.schedule();
        world.warmCache();
        world.idp.replaceMaterial("ec-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
        assertEquals(List.of(Outcome.DONE, Outcome.FAILED), KeyChangeTest.report(answer).actions().stream().map(WatchReport.ActionReport::outcome).toList());
        assertFalse(world.cached(), "the flush before it happened");
        assertEquals(List.of("watch-keys: main: key change not yet handled"), world.notices().stream().map(Fixture.Notice::subject).toList());

        Answer retry = world.schedule();
        assertEquals(Status.CHANGED, KeyChangeTest.provider(retry).status(), "kept, tried again");
        assertEquals(List.of(), world.notices(), "told once per window");
    }
}
