package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.KeyChange;
import authresponder.watchkeys.WatchReport.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each kind of change in a provider's signing keys, seen by the schedule, and what follows from it. */
class KeyChangeTest {
    private final Fixture world = new Fixture();

    @AfterEach
    void close() {
        world.close();
    }

    static WatchReport report(Answer answer) {
        return (WatchReport) answer.result().details();
    }

    static WatchReport.ProviderReport provider(Answer answer) {
        return report(answer).providers().getFirst();
    }

    @Test
    void theFirstLookRecordsTheKeysAndTouchesNothing() throws Exception {
        world.warmCache();

        Answer first = world.schedule();

        assertEquals(Outcome.NO_CHANGE, first.result().outcome(), first.response());
        assertEquals(Status.BASELINE, provider(first).status());
        assertEquals(List.of("ec-1", "rsa-1"), provider(first).kids());
        assertTrue(world.cached(), "nothing to compare with yet: nothing is flushed");
        assertEquals(List.of(), world.notices());

        Answer second = world.schedule();
        assertEquals(Outcome.NO_CHANGE, second.result().outcome());
        assertEquals(Status.UNCHANGED, provider(second).status());
        assertEquals(List.of(), report(second).actions());
    }

    @Test
    void anAddedKeyFlushesTheCachedJwksOnceAndTellsTheTeam() throws Exception {
        world.schedule();
        world.warmCache();
        world.redis.set("session:alice", "signed-in");
        world.idp.addRsaKey("rsa-2");

        Answer answer = world.schedule();

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(Status.CHANGED, provider(answer).status());
        KeyDiff added = provider(answer).changes().getFirst();
        assertEquals(KeyChange.ADDED, added.change());
        assertEquals("rsa-2", added.kid());
        assertEquals(List.of(world.idp.privateKey("rsa-2").computeThumbprint().toString()), added.after());
        assertEquals(List.of("flush-jwks", "restart-authoriser"), report(answer).actions().stream().map(WatchReport.ActionReport::action).toList());
        assertEquals(Outcome.DONE, report(answer).actions().getFirst().outcome());
        assertFalse(world.cached(), "the cached JWKS is gone: the next validation fetches the set with rsa-2");
        assertEquals("signed-in", world.redis.get("session:alice"), "sessions survive");
        assertTrue(answer.result().summary().contains("main: key rsa-2 added → flush-jwks DONE"), answer.result().summary());

        List<Fixture.Notice> notices = world.notices();
        assertEquals(1, notices.size());
        assertEquals("watch-keys: main: key rsa-2 added", notices.getFirst().subject());
        assertEquals("identity-platform", notices.getFirst().team());
        assertTrue(notices.getFirst().message().contains("- flush-jwks (flush-cache): DONE"), notices.getFirst().message());
        assertTrue(notices.getFirst().message().contains("runbooks/jwks-rotation-spike.md"));

        world.warmCache();
        Answer next = world.schedule();
        assertEquals(Outcome.NO_CHANGE, next.result().outcome(), "the change was recorded: it is acted on once");
        assertEquals(Status.UNCHANGED, provider(next).status());
        assertTrue(world.cached());
        assertEquals(List.of(), world.notices());
    }

    @Test
    void aRemovedKeyFlushesAndAsksForTheRestart() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.retire("ec-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        KeyDiff removed = provider(answer).changes().getFirst();
        assertEquals(KeyChange.REMOVED, removed.change());
        assertEquals("ec-1", removed.kid());
        assertEquals(List.of(), removed.after());
        assertEquals(List.of("flush-jwks", "restart-authoriser"),
                report(answer).actions().stream().map(WatchReport.ActionReport::action).toList());
        assertEquals(Outcome.DONE, report(answer).actions().get(1).outcome(), report(answer).actions().get(1).summary());
        assertFalse(world.cached());
        assertNotNull(world.authoriserRestartedAt(), "fresh execution environments: the retired key is gone from its memory too");
        String notice = world.notices().getFirst().message();
        assertTrue(notice.contains("- restart-authoriser (restart-authoriser): DONE"), notice);
    }

    @Test
    void withoutRestartTargetsTheFlushIsAllAndTheRestartIsSaidToBeSkipped() throws Exception {
        world.set("RESTART_TARGETS", "");
        world.schedule();
        world.idp.retire("ec-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
        WatchReport.ActionReport restart = report(answer).actions().get(1);
        assertEquals(Outcome.NO_CHANGE, restart.outcome());
        assertTrue(restart.summary().contains("skipped: restart-authoriser has no target configured"), restart.summary());
        assertNull(world.authoriserRestartedAt());
    }

    @Test
    void newMaterialUnderTheSameKidIsAChangeEvenThoughNoKidChanged() throws Exception {
        world.schedule();
        world.warmCache();
        String before = world.idp.privateKey("rsa-1").computeThumbprint().toString();
        world.idp.replaceMaterial("rsa-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(List.of("ec-1", "rsa-1"), provider(answer).kids(), "the same kids as before");
        KeyDiff changed = provider(answer).changes().getFirst();
        assertEquals(KeyChange.MATERIAL_CHANGED, changed.change());
        assertEquals(List.of(before), changed.before());
        assertNotEquals(changed.before(), changed.after());
        assertEquals(List.of("flush-jwks", "restart-authoriser"),
                report(answer).actions().stream().map(WatchReport.ActionReport::action).toList());
        assertFalse(world.cached());
        assertNotNull(world.authoriserRestartedAt(), "a verifier that finds the kid in memory would keep the old material");
        assertEquals("watch-keys: main: key rsa-1 has new material", world.notices().getFirst().subject());
    }

    @Test
    void anEncryptionKeyIsNoSigningKeyAndChangesNothing() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.addEncryptionKey("enc-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
        assertEquals(Status.UNCHANGED, provider(answer).status());
        assertTrue(world.cached());
    }

    @Test
    void severalChangesAtOnceRunEachActionOnce() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.addRsaKey("rsa-2");
        world.idp.retire("rsa-1");
        world.idp.replaceMaterial("ec-1");

        Answer answer = world.schedule();

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(List.of(KeyChange.MATERIAL_CHANGED, KeyChange.REMOVED, KeyChange.ADDED),
                provider(answer).changes().stream().map(KeyDiff::change).toList(), "in kid order: ec-1, rsa-1, rsa-2");
        assertEquals(List.of("flush-jwks", "restart-authoriser"),
                report(answer).actions().stream().map(WatchReport.ActionReport::action).toList());
        assertEquals("watch-keys: main: 3 signing-key changes", world.notices().getFirst().subject());
    }
}
