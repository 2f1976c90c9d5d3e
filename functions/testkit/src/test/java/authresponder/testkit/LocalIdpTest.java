package authresponder.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class LocalIdpTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(URI uri, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void publishesDiscoveryAndJwksAndSignsVerifiableTokens() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            HttpResponse<String> discovery = get(idp.discoveryUri(), Duration.ofSeconds(5));
            assertEquals(200, discovery.statusCode());
            assertTrue(discovery.body().contains("\"issuer\":\"" + idp.issuer() + "\""));
            assertTrue(discovery.body().contains("\"jwks_uri\":\"" + idp.jwksUri() + "\""));

            HttpResponse<String> jwks = get(idp.jwksUri(), Duration.ofSeconds(5));
            assertEquals(200, jwks.statusCode());
            assertEquals("public, max-age=300", jwks.headers().firstValue("Cache-Control").orElseThrow());
            JWKSet set = JWKSet.parse(jwks.body());
            assertEquals(2, set.getKeys().size());
            assertFalse(set.getKeyByKeyId("rsa-1").isPrivate(), "only public keys are published");

            SignedJWT rsaToken = SignedJWT.parse(idp.token("rsa-1").sign());
            assertTrue(rsaToken.verify(new RSASSAVerifier((RSAKey) set.getKeyByKeyId("rsa-1"))));
            assertEquals(idp.issuer(), rsaToken.getJWTClaimsSet().getIssuer());
            assertEquals(LocalIdp.DEFAULT_AUDIENCE, rsaToken.getJWTClaimsSet().getAudience().getFirst());
            SignedJWT ecToken = SignedJWT.parse(idp.token("ec-1").sign());
            assertTrue(ecToken.verify(new ECDSAVerifier((ECKey) set.getKeyByKeyId("ec-1"))));
        }
    }

    @Test
    void tokenTimesAndIssuerAreChosenByTheTest() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            Instant past = Instant.parse("2026-01-01T00:00:00Z");
            SignedJWT token = SignedJWT.parse(idp.token().issuedAt(past).notBefore(past)
                    .expiresAt(past.plusSeconds(60)).issuer("https://elsewhere").audience("other").sign());
            assertEquals("rsa-1", token.getHeader().getKeyID());
            assertEquals(past, token.getJWTClaimsSet().getIssueTime().toInstant());
            assertEquals(past.plusSeconds(60), token.getJWTClaimsSet().getExpirationTime().toInstant());
            assertEquals("https://elsewhere", token.getJWTClaimsSet().getIssuer());
            assertEquals("other", token.getJWTClaimsSet().getAudience().getFirst());
        }
    }

    @Test
    void rotatesKeysAndChangesMaterialUnderTheSameKid() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            idp.addRsaKey("rsa-2");
            idp.retire("rsa-1");
            idp.addEncryptionKey("enc-1");
            JWKSet set = JWKSet.parse(get(idp.jwksUri(), Duration.ofSeconds(5)).body());
            assertEquals(java.util.List.of("ec-1", "rsa-2", "enc-1"), set.getKeys().stream().map(k -> k.getKeyID()).toList());
            assertEquals(KeyUse.ENCRYPTION, set.getKeyByKeyId("enc-1").getKeyUse());
            assertEquals("rsa-1", SignedJWT.parse(idp.token("rsa-1").sign()).getHeader().getKeyID(), "a retired key still signs");

            RSAKey before = (RSAKey) idp.privateKey("rsa-2");
            idp.replaceMaterial("rsa-2");
            RSAKey published = (RSAKey) JWKSet.parse(get(idp.jwksUri(), Duration.ofSeconds(5)).body()).getKeyByKeyId("rsa-2");
            assertNotEquals(before.getModulus(), published.getModulus());
            SignedJWT oldMaterial = SignedJWT.parse(idp.token("rsa-2").signedWith(before).sign());
            assertEquals("rsa-2", oldMaterial.getHeader().getKeyID());
            assertFalse(oldMaterial.verify(new RSASSAVerifier(published)), "old material no longer verifies");
            assertThrows(IllegalArgumentException.class, () -> idp.addRsaKey("rsa-2"));
        }
    }

    @Test
    void sendsASkewedDateAndTheChosenCacheControl() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            idp.dateSkew(Duration.ofMinutes(-5));
            idp.cacheControl("no-store");
            HttpResponse<String> jwks = get(idp.jwksUri(), Duration.ofSeconds(5));
            Instant date = ZonedDateTime.parse(jwks.headers().firstValue("Date").orElseThrow(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            long skew = Duration.between(Instant.now(), date).toSeconds();
            assertTrue(skew <= -295 && skew >= -305, "Date is five minutes behind, got " + skew + " s");
            assertEquals("no-store", jwks.headers().firstValue("Cache-Control").orElseThrow());
            idp.cacheControl(null);
            assertTrue(get(idp.jwksUri(), Duration.ofSeconds(5)).headers().firstValue("Cache-Control").isEmpty());
        }
    }

    @Test
    void answersLateWhenToldTo() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            idp.latency(Duration.ofMillis(300));
            long started = System.nanoTime();
            assertEquals(200, get(idp.jwksUri(), Duration.ofSeconds(5)).statusCode());
            assertTrue(System.nanoTime() - started >= 300_000_000L, "waited before answering");
        }
    }

    @Test
    void answers500InAnOutageAndHealsAgain() throws Exception {
        try (LocalIdp idp = LocalIdp.start()) {
            idp.mode(LocalIdp.Mode.ERROR_500);
            assertEquals(500, get(idp.jwksUri(), Duration.ofSeconds(5)).statusCode());
            assertEquals(500, get(idp.discoveryUri(), Duration.ofSeconds(5)).statusCode());
            idp.heal();
            assertEquals(200, get(idp.jwksUri(), Duration.ofSeconds(5)).statusCode());
        }
    }

    @Test
    void aBlackHoleAcceptsAndNeverAnswersUntilClosed() throws Exception {
        LocalIdp idp = LocalIdp.start();
        idp.mode(LocalIdp.Mode.BLACK_HOLE);
        try {
            assertThrows(HttpTimeoutException.class, () -> get(idp.jwksUri(), Duration.ofMillis(300)));
            assertEquals(1, idp.requestCount(), "the request was accepted and read");
            var pending = http.sendAsync(HttpRequest.newBuilder(idp.discoveryUri()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            while (idp.requestCount() < 2) {
                Thread.sleep(10);
            }
            idp.close();
            // close() releases the held request: the client sees the connection end, not a 30 s timeout
            var ended = pending.handle((response, error) -> error != null ? "error" : "status " + response.statusCode())
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(ended.equals("error"), "no response after close, got " + ended);
        } finally {
            idp.close();
        }
        assertThrows(java.io.IOException.class, () -> get(idp.jwksUri(), Duration.ofSeconds(1)), "nothing listens after close");
    }
}
