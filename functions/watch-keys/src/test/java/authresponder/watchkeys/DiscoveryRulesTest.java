package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.testkit.LocalIdp;
import authresponder.watchkeys.WatchReport.Status;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * watch-keys follows a discovery document only where the rules allow: a jwks_uri off the issuer's host, or a JWKS
 * redirecting off it, is never connected to, and the look fails as any failed look does (nothing flushed or
 * restarted, the team told). The other host is a second local IdP reached as localhost, counting its connections.
 */
class DiscoveryRulesTest {
    private final Fixture world = new Fixture();
    private final LocalIdp elsewhere = LocalIdp.start();

    @AfterEach
    void close() {
        elsewhere.close();
        world.close();
    }

    @Test
    void aJwksUriOnAnotherHostIsNeverConnectedTo() throws Exception {
        assertRefused(idp -> idp.discoveryJwksUri("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH),
                "is on localhost, neither the issuer's host (127.0.0.1) nor one IDP_JWKS_HOSTS allows: not fetched");
    }

    @Test
    void aJwksRedirectingToAnotherHostIsNotFollowed() throws Exception {
        assertRefused(idp -> idp.redirectJwks("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH),
                "redirects to http://localhost:" + elsewhere.port() + ", another host: not followed");
    }

    @Test
    void aHostTheSettingsAllowIsWatched() throws Exception {
        world.set("IDP_JWKS_HOSTS", "localhost");
        world.idp.discoveryJwksUri("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);

        Answer answer = world.schedule();

        assertEquals(Status.BASELINE, KeyChangeTest.provider(answer).status(), answer.response());
        assertEquals(1, elsewhere.requestCount());
    }

    private void assertRefused(Consumer<LocalIdp> discovery, String problem) throws Exception {
        world.schedule();
        world.warmCache();
        discovery.accept(world.idp);

        Answer answer = world.schedule();

        assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
        WatchReport.ProviderReport provider = KeyChangeTest.provider(answer);
        assertEquals(Status.UNREACHABLE, provider.status());
        assertTrue(provider.note().contains(problem), provider.note());
        assertEquals(0, elsewhere.connectionCount(), "no connection was opened to the other host");
        assertEquals(List.of(), KeyChangeTest.report(answer).actions());
        assertTrue(world.cached(), "the cached JWKS is kept");
        assertNull(world.authoriserRestartedAt());
        assertEquals(List.of(), world.ledgerEntries());
        List<Fixture.Notice> notices = world.notices();
        assertEquals(List.of("watch-keys: main is failing"), notices.stream().map(Fixture.Notice::subject).toList());
        assertTrue(notices.getFirst().message().contains(problem), notices.getFirst().message());
    }
}
