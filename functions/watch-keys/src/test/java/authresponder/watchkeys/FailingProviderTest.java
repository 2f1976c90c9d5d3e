package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.testkit.LocalIdp;
import authresponder.watchkeys.WatchReport.Status;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A provider that fails is never read as "every key removed": nothing is flushed or recorded, and the team
 * hears of it once per notice window, and once more when it answers again.
 */
class FailingProviderTest {
    private final Fixture world = new Fixture();

    @AfterEach
    void close() {
        world.close();
    }

    enum Failure {
        ERROR_500(idp -> idp.mode(LocalIdp.Mode.ERROR_500), "discovery answered HTTP 500"),
        BLACK_HOLE(idp -> idp.mode(LocalIdp.Mode.BLACK_HOLE), "discovery did not answer: no answer within"),
        MALFORMED_JSON(idp -> idp.mode(LocalIdp.Mode.MALFORMED_JWKS), "the JWKS is not a valid JWK set"),
        EMPTY_KEY_SET(idp -> idp.publishedKids().forEach(idp::retire), "publishes no signing key"),
        ONLY_ENCRYPTION_KEYS(idp -> {
            idp.publishedKids().forEach(idp::retire);
            idp.addEncryptionKey("enc-1");
        }, "publishes no signing key"),
        OTHER_ISSUER(idp -> idp.discoveryIssuer("https://impostor.example"), "discovery names issuer 'https://impostor.example'");

        final Consumer<LocalIdp> apply;
        final String problem;

        Failure(Consumer<LocalIdp> apply, String problem) {
            this.apply = apply;
            this.problem = problem;
        }
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void aFailedLookFlushesNothingAndForgetsNoKey(Failure failure) throws Exception {
        world.schedule();
        world.warmCache();
        failure.apply.accept(world.idp);

        Answer answer = world.schedule();

        assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
        WatchReport.ProviderReport provider = KeyChangeTest.provider(answer);
        assertEquals(Status.UNREACHABLE, provider.status());
        assertTrue(provider.note().contains(failure.problem), provider.note());
        assertEquals(List.of(), provider.changes());
        assertEquals(List.of(), KeyChangeTest.report(answer).actions(), "no action on a failed look");
        assertTrue(world.cached(), "the cached JWKS is kept");
        assertEquals(200, world.authoriser.validate(world.idp.token("rsa-1").sign()));
        assertTrue(answer.result().duration().compareTo(Duration.ofSeconds(10)) < 0, "the fetch timeout (1s) bounds the look: no hang");

        List<Fixture.Notice> notices = world.notices();
        assertEquals(1, notices.size());
        assertEquals("watch-keys: main is failing", notices.getFirst().subject());
        assertTrue(notices.getFirst().message().contains(failure.problem), notices.getFirst().message());

        world.idp.heal();
        if (failure == Failure.EMPTY_KEY_SET || failure == Failure.ONLY_ENCRYPTION_KEYS) {
            return; // its keys are gone for good: the next good look is a real change, tested elsewhere
        }
        Answer healed = world.schedule();
        assertEquals(Outcome.NO_CHANGE, healed.result().outcome(), healed.response());
        assertEquals(Status.UNCHANGED, KeyChangeTest.provider(healed).status(), "the same keys as before the failure: nothing to do");
        assertTrue(world.cached());
        assertEquals(List.of("watch-keys: main answers again"), world.notices().stream().map(Fixture.Notice::subject).toList());
    }

    @Test
    void aFailingProviderIsToldOncePerWindowNotEveryMinute() throws Exception {
        world.schedule();
        world.idp.mode(LocalIdp.Mode.ERROR_500);

        world.schedule();
        assertEquals(1, world.notices().size());
        for (int minute = 0; minute < 5; minute++) {
            world.clock.advance(Duration.ofMinutes(1));
            Answer again = world.schedule();
            assertEquals(Status.UNREACHABLE, KeyChangeTest.provider(again).status());
            assertTrue(KeyChangeTest.provider(again).note().contains("identity-platform was told at"), KeyChangeTest.provider(again).note());
            assertNotNull(KeyChangeTest.provider(again).failingSince());
        }
        assertEquals(List.of(), world.notices(), "told once in the window");

        world.clock.advance(Duration.ofMinutes(30));
        world.schedule();
        assertEquals(List.of("watch-keys: main is failing"), world.notices().stream().map(Fixture.Notice::subject).toList(),
                "told again once the window has passed");
    }

    @Test
    void aFlappingProviderIsToldOncePerWindowToo() throws Exception {
        world.schedule();
        world.idp.mode(LocalIdp.Mode.ERROR_500);
        world.schedule();
        world.idp.heal();
        world.schedule();
        assertEquals(List.of("watch-keys: main is failing", "watch-keys: main answers again"),
                world.notices().stream().map(Fixture.Notice::subject).toList());

        world.clock.advance(Duration.ofMinutes(2));
        world.idp.mode(LocalIdp.Mode.ERROR_500);
        world.schedule();
        world.idp.heal();
        world.schedule();
        assertEquals(List.of(), world.notices(), "within the window, neither the failure nor the recovery is told again");
    }

    @Test
    void aRotationDuringAnOutageIsActedOnWhenTheProviderAnswersAgain() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.mode(LocalIdp.Mode.BLACK_HOLE);
        world.schedule();
        world.idp.heal();
        world.idp.addEcKey("ec-2");

        Answer answer = world.schedule();

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals("ec-2", KeyChangeTest.provider(answer).changes().getFirst().kid());
        assertEquals(false, world.cached());
    }

    @Test
    void oneFailingProviderDoesNotHoldUpAnother() throws Exception {
        try (LocalIdp second = LocalIdp.start()) {
            world.set("WATCH_KEYS_PROVIDERS", "main=" + world.idp.issuer() + ", " + second.issuer());
            world.schedule();
            world.warmCache();
            world.idp.mode(LocalIdp.Mode.BLACK_HOLE);
            second.addRsaKey("rsa-2");

            Answer answer = world.schedule();

            assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
            var providers = KeyChangeTest.report(answer).providers();
            assertEquals(Status.UNREACHABLE, providers.stream().filter(p -> p.name().equals("main")).findFirst().orElseThrow().status());
            var other = providers.stream().filter(p -> p.name().equals(second.issuer())).findFirst().orElseThrow();
            assertEquals(Status.CHANGED, other.status());
            assertEquals(Outcome.DONE, KeyChangeTest.report(answer).actions().getFirst().outcome());
            assertEquals(false, world.cached(), "one flush serves every provider");
        }
    }
}
