package authresponder.diagnose;

import authresponder.core.Budget;
import authresponder.core.Redact;
import authresponder.diagnose.Facts.TokenProblem;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Check 5: a sample token from the command, verified against the live JWKS with nimbus-jose-jwt: which
 * of unknown kid, bad signature, expired, not yet valid, wrong issuer (wrong audience) applies. Only its
 * kid, alg, iss, aud, times and hash appear in the report; the token itself never does.
 */
final class SampleTokenCheck implements CheckRunner.Check<Facts.SampleToken> {
    static final String NAME = "sample-token";

    private final SignedJWT token;
    private final CheckRunner.Running<JwksCheck.LiveKeys> jwks;
    private final URI issuer;
    private final Optional<String> audience;

    SampleTokenCheck(SignedJWT token, CheckRunner.Running<JwksCheck.LiveKeys> jwks, URI issuer, Optional<String> audience) {
        this.token = token;
        this.jwks = jwks;
        this.issuer = issuer;
        this.audience = audience;
    }

    @Override
    public Finding<Facts.SampleToken> run(Budget budget) throws Exception {
        JWTClaimsSet claims = claims(token);
        String kid = token.getHeader().getKeyID();
        Instant now = Instant.now();
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("tokenHash", Redact.hash(token.serialize()));
        evidence.put("kid", kid);
        evidence.put("alg", token.getHeader().getAlgorithm().getName());
        evidence.put("iss", claims.getIssuer());
        evidence.put("aud", claims.getAudience());
        Optional.ofNullable(claims.getIssueTime()).ifPresent(t -> evidence.put("iat", t.toInstant()));
        Optional.ofNullable(claims.getNotBeforeTime()).ifPresent(t -> evidence.put("nbf", t.toInstant()));
        Optional.ofNullable(claims.getExpirationTime()).ifPresent(t -> evidence.put("exp", t.toInstant()));

        Set<TokenProblem> problems = EnumSet.noneOf(TokenProblem.class);
        if (claims.getExpirationTime() != null && !claims.getExpirationTime().toInstant().isAfter(now)) {
            problems.add(TokenProblem.EXPIRED);
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now)) {
            problems.add(TokenProblem.NOT_YET_VALID);
        }
        if (!DiscoveryCheck.sameIssuer(claims.getIssuer(), issuer)) {
            problems.add(TokenProblem.WRONG_ISSUER);
        }
        audience.ifPresent(expected -> {
            if (claims.getAudience() == null || !claims.getAudience().contains(expected)) {
                problems.add(TokenProblem.WRONG_AUDIENCE);
            }
        });
        Duration issuedAhead = claims.getIssueTime() == null ? null : positive(Duration.between(now, claims.getIssueTime().toInstant()));

        String signature;
        try {
            JwksCheck.LiveKeys live = jwks.await(budget);
            Optional<JWK> key = live.signing().stream().filter(k -> k.getKeyID() != null && k.getKeyID().equals(kid)).findFirst();
            if (key.isEmpty()) {
                problems.add(TokenProblem.UNKNOWN_KID);
                signature = "kid " + kid + " is not in the live JWKS";
            } else if (verifies(key.get())) {
                signature = "verified with the live key " + kid;
            } else {
                problems.add(TokenProblem.BAD_SIGNATURE);
                signature = "does not verify with the live key " + kid;
            }
        } catch (CheckRunner.Unavailable e) {
            signature = "not verified: " + e.getMessage();
        }
        evidence.put("signature", signature);
        evidence.put("problems", problems.stream().map(Enum::name).toList());
        Facts.SampleToken fact = new Facts.SampleToken(kid, problems, issuedAhead);
        if (problems.isEmpty()) {
            return Finding.ok("the sample token (kid " + kid + ") is valid: signature " + signature, evidence, fact);
        }
        return Finding.warn("the sample token (kid " + kid + "): " + String.join(", ", problems.stream().map(p -> p.name().toLowerCase().replace('_', ' ')).toList())
                + "; signature " + signature, evidence, fact);
    }

    private boolean verifies(JWK key) {
        try {
            JWSVerifier verifier = new DefaultJWSVerifierFactory().createJWSVerifier(token.getHeader(), ((AsymmetricJWK) key).toPublicKey());
            return token.verify(verifier);
        } catch (JOSEException | ClassCastException e) {
            return false;
        }
    }

    private static JWTClaimsSet claims(SignedJWT token) throws ParseException {
        return token.getJWTClaimsSet();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
