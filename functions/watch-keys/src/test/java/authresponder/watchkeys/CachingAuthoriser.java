package authresponder.watchkeys;

import authresponder.testkit.LocalIdp;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Date;
import redis.clients.jedis.Jedis;

/**
 * An authoriser as the runbooks picture it: it checks each token against the JWKS cached in Redis under
 * {@code jwks:<issuer>}, and fetches the provider's JWKS into the cache only on a miss, for an hour. It never
 * refetches for an unknown kid or a bad signature: that stale cache is what turns a rotation into 401s.
 */
final class CachingAuthoriser {
    private final Jedis redis;
    private final LocalIdp idp;
    private final HttpClient http = HttpClient.newHttpClient();
    private int fetches;

    CachingAuthoriser(Jedis redis, LocalIdp idp) {
        this.redis = redis;
        this.idp = idp;
    }

    static String cacheKey(LocalIdp idp) {
        return "jwks:" + idp.issuer();
    }

    /** 200 for a token signed by a key in the cached set, 401 otherwise. */
    int validate(String token) throws Exception {
        JWKSet keys = JWKSet.parse(cachedJwks());
        SignedJWT jwt = SignedJWT.parse(token);
        JWK key = keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        if (key == null) {
            return 401;
        }
        JWSVerifier verifier = key instanceof ECKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAKey) key);
        boolean valid;
        try {
            valid = jwt.verify(verifier);
        } catch (JOSEException wrongKeyType) {
            valid = false;
        }
        valid = valid && idp.issuer().equals(jwt.getJWTClaimsSet().getIssuer()) && jwt.getJWTClaimsSet().getExpirationTime().after(new Date());
        return valid ? 200 : 401;
    }

    /** How often it had to go to the provider. */
    int fetches() {
        return fetches;
    }

    private String cachedJwks() throws Exception {
        String cached = redis.get(cacheKey(idp));
        if (cached != null) {
            return cached;
        }
        String fresh = http.send(HttpRequest.newBuilder(idp.jwksUri()).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        fetches++;
        redis.setex(cacheKey(idp), 3600, fresh);
        return fresh;
    }
}
