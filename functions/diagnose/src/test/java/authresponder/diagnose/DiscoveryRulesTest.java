package authresponder.diagnose;

import static authresponder.diagnose.Incident.check;
import static authresponder.diagnose.Incident.details;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.ConfigException;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.policy.Verdict;
import authresponder.diagnose.CheckReport.Status;
import authresponder.testkit.LocalIdp;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Discovery is not followed blindly: a discovery naming another issuer, or a jwks_uri off the issuer's host, is a
 * security finding and is never fetched. Every URL here is on the loopback interface: a refusal is shown by a
 * second local IdP that counts the connections it accepts, reached through another name for the same interface.
 */
class DiscoveryRulesTest {
    private static final String DIAGNOSE = "{\"action\":\"diagnose\"}";

    @Test
    void aDiscoveryNamingAnotherIssuerStopsThereAndPagesSecurity() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.discoveryIssuer("https://idp.attacker.example");
            String cached = cached(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNTRUSTED, diagnosis.verdict(), answer.response());
            assertEquals("discovery names issuer https://idp.attacker.example, not the configured " + incident.idp.issuer(), diagnosis.headline());
            assertEquals("iam-security", diagnosis.recommendedAction().team());
            assertEquals(Status.SKIPPED, check(answer, JwksCheck.NAME).status());
            assertTrue(check(answer, JwksCheck.NAME).summary().contains("not fetched: discovery names issuer"), check(answer, JwksCheck.NAME).summary());
            assertEquals(1, incident.idp.requestCount(), "discovery only: the other issuer's keys were never asked for");
            assertEquals(cached, cached(incident));
        }
    }

    @Test
    void aJwksUriOnAnotherHostIsNeverConnectedTo() {
        try (Incident incident = new Incident(); LocalIdp elsewhere = LocalIdp.start()) {
            incident.cacheLiveKeys().deployAuthoriser();
            // localhost is the loopback interface under another name than the issuer's 127.0.0.1
            incident.idp.discoveryJwksUri("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);
            String cached = cached(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNTRUSTED, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("is on localhost, neither the issuer's host (127.0.0.1) nor one IDP_JWKS_HOSTS allows"),
                    diagnosis.headline());
            assertEquals(0, elsewhere.connectionCount(), "no connection was opened to the other host");
            assertEquals(cached, cached(incident));
        }
    }

    @Test
    void aHostTheSettingsAllowIsFetched() {
        try (Incident incident = new Incident(); LocalIdp elsewhere = LocalIdp.start()) {
            incident.set("IDP_JWKS_HOSTS", "localhost").cacheLiveKeys().deployAuthoriser();
            incident.idp.discoveryJwksUri("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            assertEquals(Status.OK, check(answer, JwksCheck.NAME).status(), answer.response());
            assertEquals(1, elsewhere.requestCount());
        }
    }

    @Test
    void aDiscoveryNamingTwoJwksUrisIsNotReadAsTheLastOne() {
        try (Incident incident = new Incident(); LocalIdp elsewhere = LocalIdp.start()) {
            // even a host the settings allow: which of two jwks_uri members counts is not ours to guess
            incident.set("IDP_JWKS_HOSTS", "localhost").cacheLiveKeys().deployAuthoriser();
            incident.idp.discoverySecondJwksUri("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);
            String cached = cached(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            assertEquals(Status.FAIL, check(answer, DiscoveryCheck.NAME).status(), answer.response());
            assertTrue(check(answer, DiscoveryCheck.NAME).summary().contains("not a strict JSON object"), check(answer, DiscoveryCheck.NAME).summary());
            assertTrue(check(answer, DiscoveryCheck.NAME).summary().contains("jwks_uri"), check(answer, DiscoveryCheck.NAME).summary());
            assertEquals(0, elsewhere.connectionCount(), "the second jwks_uri was never connected to");
            assertTrue(details(answer).verdict() != Verdict.HEALTHY && details(answer).verdict() != Verdict.STALE_KEY_CACHE, answer.response());
            assertEquals(cached, cached(incident));
        }
    }

    @Test
    void aJwksThatRedirectsToAnotherHostIsNotFollowed() {
        try (Incident incident = new Incident(); LocalIdp elsewhere = LocalIdp.start()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.redirectJwks("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNTRUSTED, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("another host: not followed"), diagnosis.headline());
            assertEquals(0, elsewhere.connectionCount());
        }
    }

    @Test
    void theSettingsAreCheckedAtStartUp() {
        try (Incident incident = new Incident()) {
            incident.set("IDP_JWKS_HOSTS", "https://www.googleapis.com/oauth2");
            ConfigException hosts = assertThrows(ConfigException.class, () -> incident.handler(DiagnosePolicy.bundled()));
            assertTrue(hosts.getMessage().startsWith("IDP_JWKS_HOSTS: 'https://www.googleapis.com/oauth2' is not a host name"), hosts.getMessage());

            incident.set("IDP_JWKS_HOSTS", null).set("IDP_ISSUER", "http://203.0.113.7");
            ConfigException issuer = assertThrows(ConfigException.class, () -> incident.handler(DiagnosePolicy.bundled()));
            assertEquals("IDP_ISSUER: 'http://203.0.113.7' must use https (plain http only on the loopback interface)", issuer.getMessage());
        }
    }

    private static String cached(Incident incident) {
        try (Jedis jedis = incident.jedis()) {
            return jedis.keys("*") + " " + jedis.get(incident.jwksKey());
        }
    }
}
