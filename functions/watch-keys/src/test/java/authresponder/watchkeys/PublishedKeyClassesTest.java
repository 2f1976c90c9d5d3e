package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.watchkeys.WatchReport.Status;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What watch-keys counts as a signing key (RFC 7517/7518/8037): RSA and EC for signatures, OKP on Ed25519/Ed448.
 * A symmetric key or a private member in the published set is a security finding: never counted, never acted
 * on, its material never written anywhere. A malformed key is skipped; the others are still watched.
 */
class PublishedKeyClassesTest {
    private final Fixture world = new Fixture();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final PrintStream previousLog = Log.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));

    @AfterEach
    void close() {
        Log.redirect(previousLog);
        world.close();
    }

    @Test
    void aSymmetricKeyIsASecurityFindingThatIsNeverCountedNorActedOn() throws Exception {
        world.schedule();
        world.warmCache();
        String secret = new OctetSequenceKeyGenerator(256).keyID("hs-1").generate().toJSONString();
        world.idp.publishRawKey(secret);
        String material = secret.replaceAll(".*\"k\":\"([^\"]+)\".*", "$1");

        Answer answer = world.schedule();

        assertNothingDone(answer);
        assertTrue(answer.result().warnings().stream().anyMatch(w -> w.contains("security finding") && w.contains("kid hs-1 (oct): a symmetric key")),
                answer.result().warnings().toString());
        assertFalse(answer.response().contains(material), "the secret is never returned");
        assertFalse(logs.toString(StandardCharsets.UTF_8).contains(material), "the secret is never logged");
    }

    @Test
    void aPublishedPrivateKeyIsASecurityFindingThatIsNeverCountedNorActedOn() throws Exception {
        world.schedule();
        world.warmCache();
        RSAKey leaked = (RSAKey) world.idp.privateKey("rsa-1");
        // the private half of a new key, published whole: a real signing key in the wrong hands
        world.idp.publishRawKey(new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("leaked").generate().toJSONString());

        Answer answer = world.schedule();

        assertNothingDone(answer);
        assertTrue(answer.result().warnings().stream().anyMatch(w -> w.contains("kid leaked (RSA): private member(s) d, dp, dq, p, q, qi published")),
                answer.result().warnings().toString());
        assertEquals(List.of("ec-1", "rsa-1"), KeyChangeTest.provider(answer).kids());
        assertFalse(logs.toString(StandardCharsets.UTF_8).contains(leaked.getPrivateExponent().toString()));
    }

    @Test
    void aKeyAgreementKeyIsNotASigningKeyButEd25519Is() throws Exception {
        // PayPal's JWKS publishes an X25519 key (kty OKP, no use) beside its signing keys
        world.idp.publishRawKey(okp("X25519", Curve.X25519, "x25519-1"));
        world.idp.publishRawKey(okp("Ed25519", Curve.Ed25519, "ed-1"));

        Answer answer = world.schedule();

        assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
        assertEquals(Status.BASELINE, KeyChangeTest.provider(answer).status());
        assertEquals(List.of("ec-1", "ed-1", "rsa-1"), KeyChangeTest.provider(answer).kids());
    }

    @Test
    void oneMalformedKeyIsSkippedWithAWarningAndTheOthersAreStillWatched() throws Exception {
        world.idp.publishRawKey("{\"kty\":\"RSA\",\"kid\":\"broken\",\"e\":\"AQAB\"}");

        Answer baseline = world.schedule();

        assertEquals(Outcome.NO_CHANGE, baseline.result().outcome(), baseline.response());
        assertEquals(List.of("ec-1", "rsa-1"), KeyChangeTest.provider(baseline).kids());
        assertTrue(baseline.result().warnings().stream().anyMatch(w -> w.contains("skipped: kid broken (RSA): cannot be read")),
                baseline.result().warnings().toString());

        world.idp.addEcKey("ec-2");
        Answer change = world.schedule();
        assertEquals(Status.CHANGED, KeyChangeTest.provider(change).status(), "the well-formed keys are still watched: " + change.response());
        assertEquals("ec-2", KeyChangeTest.provider(change).changes().getFirst().kid());
    }

    /** No flush, no restart, no ledger record, no notice, the recorded keys as they were. */
    private void assertNothingDone(Answer answer) {
        assertEquals(Outcome.NO_CHANGE, answer.result().outcome(), answer.response());
        assertEquals(Status.UNCHANGED, KeyChangeTest.provider(answer).status());
        assertEquals(List.of("ec-1", "rsa-1"), KeyChangeTest.provider(answer).kids());
        assertEquals(List.of(), KeyChangeTest.report(answer).actions());
        assertTrue(world.cached(), "the cached JWKS is untouched");
        assertNull(world.authoriserRestartedAt(), "the authoriser was not restarted");
        assertEquals(List.of(), world.ledgerEntries());
        assertEquals(List.of(), world.notices());
    }

    /** An OKP public key made by the JDK, as a JWK with no use (as PayPal publishes its X25519 key). */
    private static String okp(String algorithm, Curve curve, String kid) throws Exception {
        byte[] encoded = KeyPairGenerator.getInstance(algorithm).generateKeyPair().getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
        return new OctetKeyPair.Builder(curve, Base64URL.encode(raw)).keyID(kid).build().toJSONString();
    }
}
