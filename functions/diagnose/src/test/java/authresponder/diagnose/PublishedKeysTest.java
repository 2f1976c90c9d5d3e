package authresponder.diagnose;

import static authresponder.diagnose.Incident.check;
import static authresponder.diagnose.Incident.details;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.core.policy.Verdict;
import authresponder.diagnose.CheckReport.Status;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * What diagnose makes of the keys an IdP publishes, through the handler as Lambda calls it: secret material is a
 * security finding that pages iam-security and does nothing else; a key-agreement key is not a signing key; an IdP
 * with no signing key, or a sample token that does not verify, is never called HEALTHY.
 */
class PublishedKeysTest {
    private static final String DIAGNOSE = "{\"action\":\"diagnose\"}";

    @Test
    void aSymmetricKeyInTheJwksPagesSecurityAndNothingElse() throws Exception {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            String secret = new OctetSequenceKeyGenerator(256).keyID("hs-1").generate().toJSONString();
            incident.idp.publishRawKey(secret);
            Map<String, String> before = world(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Outcome.NO_CHANGE, answer.result().outcome());
            assertEquals(Verdict.IDP_UNTRUSTED, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("kid hs-1 (oct): a symmetric key"), diagnosis.headline());
            assertEquals("iam-security", diagnosis.recommendedAction().team());
            assertEquals(Status.WARN, check(answer, JwksCheck.NAME).status());
            assertEquals(List.of(), check(answer, CachedKeysCheck.NAME).evidence().get("missingFromCache"), "the secret key is not counted");
            assertFalse(answer.response().contains(secret.replaceAll(".*\"k\":\"([^\"]+)\".*", "$1")), "the secret is never returned");
            assertEquals(before, world(incident), "nothing changed: the cache and the authoriser are as they were");
        }
    }

    @Test
    void aPrivateKeyInTheJwksPagesSecurity() throws Exception {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.publishRawKey(new RSAKeyGenerator(2048).keyID("leaked").generate().toJSONString());
            Map<String, String> before = world(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNTRUSTED, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("kid leaked (RSA): private member(s) d, dp, dq, p, q, qi published"), diagnosis.headline());
            assertEquals(before, world(incident));
        }
    }

    @Test
    void aKeyAgreementKeyIsNotASigningKey() throws Exception {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().tokenKeys(50).deployAuthoriser();
            // PayPal's JWKS publishes an X25519 key (kty OKP, no use) beside its signing keys
            byte[] encoded = KeyPairGenerator.getInstance("X25519").generateKeyPair().getPublic().getEncoded();
            incident.idp.publishRawKey(new OctetKeyPair.Builder(Curve.X25519, Base64URL.encode(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length)))
                    .keyID("x25519-1").build().toJSONString());

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            assertEquals(Verdict.HEALTHY, details(answer).verdict(), answer.response());
            assertTrue(check(answer, JwksCheck.NAME).summary().startsWith("2 signing key(s) rsa-1, ec-1"), check(answer, JwksCheck.NAME).summary());
            assertEquals(List.of("kid x25519-1 (OKP): curve X25519 is for key agreement, not signatures"),
                    check(answer, JwksCheck.NAME).evidence().get("notSigning"));
        }
    }

    @Test
    void oneMalformedKeyIsSkippedWithAWarningAndTheOthersAreStillCompared() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().tokenKeys(50).deployAuthoriser();
            incident.idp.publishRawKey("{\"kty\":\"RSA\",\"kid\":\"broken\",\"e\":\"AQAB\"}");

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            CheckReport jwks = check(answer, JwksCheck.NAME);
            assertEquals(Status.WARN, jwks.status(), answer.response());
            assertTrue(jwks.summary().contains("2 signing key(s) rsa-1, ec-1") && jwks.summary().contains("skipped, cannot be read: kid broken (RSA)"),
                    jwks.summary());
            assertEquals(Status.OK, check(answer, CachedKeysCheck.NAME).status(), "the readable keys are still compared with the cache");
        }
    }

    @Test
    void anIdpThatPublishesNoSigningKeyIsNotHealthy() {
        try (Incident incident = new Incident()) {
            incident.idp.retire("rsa-1");
            incident.idp.retire("ec-1");
            incident.idp.addEncryptionKey("enc-1");
            incident.cacheLiveKeys().tokenKeys(50).deployAuthoriser();
            Map<String, String> before = world(incident);

            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNAVAILABLE, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("jwks: the JWKS publishes no signing key"), diagnosis.headline());
            assertEquals(before, world(incident));
        }
    }

    @Test
    void aSampleTokenWithABadSignatureIsNotHealthy() throws Exception {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().tokenKeys(50).deployAuthoriser();
            String forged = incident.idp.token("rsa-1").signedWith(new RSAKeyGenerator(2048).keyID("rsa-1").generate()).sign();
            Map<String, String> before = world(incident);

            Answer answer = incident.diagnose("{\"action\":\"diagnose\",\"sampleToken\":\"" + forged + "\"}", Incident.deployLongAgo());

            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.UNKNOWN, diagnosis.verdict(), answer.response());
            assertEquals("the sample token (kid rsa-1) is not valid: bad signature", diagnosis.headline());
            assertFalse(answer.response().contains(forged), "the token is never returned");
            assertEquals(before, world(incident));
        }
    }

    /** Every Redis key with its value, and the authoriser's configuration: what a diagnosis must leave as it was. */
    private static Map<String, String> world(Incident incident) {
        Map<String, String> world = new TreeMap<>();
        try (Jedis jedis = incident.jedis()) {
            for (String key : jedis.keys("*")) {
                world.put("redis:" + key, jedis.type(key) + ":" + ("string".equals(jedis.type(key)) ? jedis.get(key) : jedis.hgetAll(key).toString()));
            }
        }
        var config = incident.lambda.getFunctionConfiguration(b -> b.functionName(Incident.FUNCTION));
        world.put("authoriser", config.codeSha256() + " " + config.environment() + " " + config.lastModified());
        return world;
    }
}
