package authresponder.diagnose;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every threshold, phrase and team the verdict rules use, in one place. The defaults are the runbooks'
 * numbers (clock skew over 30 s breaks validation; a deploy in the last hour points away from the JWKS;
 * an evicting, full cache loops users on the login page).
 *
 * @param clockSkew          a difference between our clock and the IdP's (or a token's iat/nbf) past this is a finding
 * @param memoryPressure     used_memory / maxmemory at or above this is a full cache
 * @param evictions          evicted_keys (since the cache started) at or above this is eviction pressure
 * @param bulkExpiryShare    this share of the sampled token keys expiring within the same minute is a bulk expiry
 * @param bulkExpiryMinSample fewer sampled token keys than this say nothing about a pattern
 * @param deployWindow       an authoriser change this long before the alarm (or the command) is recent
 * @param logEvidence        this many matching log lines in the window count as evidence
 * @param slowPing           a cache PING slower than this is a warning
 * @param logPhrases         the authoriser's log phrases for each signal (exact, case-sensitive, as CloudWatch Logs matches)
 * @param flushScope         the flush-cache scope that holds the cached JWKS
 * @param identityTeam       paged when the IdP is down
 * @param authTeam           paged for a deploy or an unexplained failure
 * @param platformTeam       paged for clocks and cache capacity
 */
public record DiagnosePolicy(
        Duration clockSkew,
        double memoryPressure,
        long evictions,
        double bulkExpiryShare,
        int bulkExpiryMinSample,
        Duration deployWindow,
        long logEvidence,
        Duration slowPing,
        Map<LogSignal, List<String>> logPhrases,
        String flushScope,
        String identityTeam,
        String authTeam,
        String platformTeam) {

    /** What a log line says went wrong. */
    public enum LogSignal { INVALID_SIGNATURE, UNKNOWN_KID, TOKEN_EXPIRED }

    public static final DiagnosePolicy DEFAULTS = new DiagnosePolicy(
            Duration.ofSeconds(30),
            0.90,
            100,
            0.5,
            20,
            Duration.ofHours(1),
            5,
            Duration.ofMillis(500),
            Map.of(
                    LogSignal.INVALID_SIGNATURE, List.of("invalid_signature"),
                    LogSignal.UNKNOWN_KID, List.of("kid mismatch", "unable to find a signing key"),
                    LogSignal.TOKEN_EXPIRED, List.of("token_expired")),
            "jwks",
            "identity-platform",
            "auth-service",
            "platform");

    public DiagnosePolicy {
        logPhrases = Map.copyOf(logPhrases);
    }

    public DiagnosePolicy withDeployWindow(Duration window) {
        return new DiagnosePolicy(clockSkew, memoryPressure, evictions, bulkExpiryShare, bulkExpiryMinSample, window,
                logEvidence, slowPing, logPhrases, flushScope, identityTeam, authTeam, platformTeam);
    }
}
