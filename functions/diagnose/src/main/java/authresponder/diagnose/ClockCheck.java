package authresponder.diagnose;

import authresponder.core.Budget;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Check 4: the IdP's HTTP Date against our clock (from the discovery answer, else the JWKS one), and a
 * sample token's iat/nbf/exp against now. Past the policy's threshold is a finding.
 */
final class ClockCheck implements CheckRunner.Check<Duration> {
    static final String NAME = "clock";

    private final CheckRunner.Running<DiscoveryCheck.Discovery> discovery;
    private final CheckRunner.Running<JwksCheck.LiveKeys> jwks;
    private final Optional<JWTClaimsSet> token;
    private final Duration threshold;

    ClockCheck(CheckRunner.Running<DiscoveryCheck.Discovery> discovery, CheckRunner.Running<JwksCheck.LiveKeys> jwks,
               Optional<JWTClaimsSet> token, Duration threshold) {
        this.discovery = discovery;
        this.jwks = jwks;
        this.token = token;
        this.threshold = threshold;
    }

    @Override
    public Finding<Duration> run(Budget budget) throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        Instant now = Instant.now();
        token.ifPresent(claims -> {
            putOffset(evidence, "tokenIatOffsetSeconds", claims.getIssueTime(), now);
            putOffset(evidence, "tokenNbfOffsetSeconds", claims.getNotBeforeTime(), now);
            putOffset(evidence, "tokenExpOffsetSeconds", claims.getExpirationTime(), now);
        });
        Optional<Duration> skew = idpSkew(budget);
        evidence.put("thresholdSeconds", threshold.toSeconds());
        if (skew.isEmpty()) {
            return Finding.skipped("the IdP sent no Date header we could read, so its clock is unknown");
        }
        long seconds = skew.get().toSeconds();
        evidence.put("idpSkewSeconds", seconds);
        if (skew.get().abs().compareTo(threshold) > 0) {
            return Finding.warn("the IdP's clock is " + signed(seconds) + " from ours (over " + threshold.toSeconds() + " s)", evidence, skew.get());
        }
        return Finding.ok("the IdP's clock is within " + threshold.toSeconds() + " s of ours (" + signed(seconds) + ")", evidence, skew.get());
    }

    /** The skew from discovery's answer, else from the JWKS answer: whichever came with a Date. */
    private Optional<Duration> idpSkew(Budget budget) throws CheckRunner.Unavailable, InterruptedException {
        CheckRunner.Unavailable first;
        try {
            Optional<Duration> skew = discovery.await(budget).skew();
            if (skew.isPresent()) {
                return skew;
            }
            first = null;
        } catch (CheckRunner.Unavailable e) {
            first = e;
        }
        try {
            return jwks.await(budget).skew();
        } catch (CheckRunner.Unavailable e) {
            throw first != null ? new CheckRunner.Unavailable("no answer from the IdP to read its clock from (" + first.getMessage() + ")") : e;
        }
    }

    private static void putOffset(Map<String, Object> evidence, String name, Date time, Instant now) {
        if (time != null) {
            evidence.put(name, Duration.between(now, time.toInstant()).toSeconds());
        }
    }

    private static String signed(long seconds) {
        return (seconds < 0 ? "" : "+") + seconds + " s";
    }
}
