package authresponder.core.policy;

import java.time.Duration;

/**
 * The figures the functions judge by, each defined once in the runbook named beside it. Every one
 * is required: a runbook that drops or misspells one fails to load.
 *
 * @param evictionsPerMinute          cache evictions per minute that mean session-cache pressure (login-failures)
 * @param memoryUsedRatio             used memory / maxmemory that means session-cache pressure (login-failures)
 * @param cacheHitRatioLow            a keyspace hit ratio below this is reported as suspicious (login-failures)
 * @param cachePingSlow               a cache PING slower than this is reported (login-failures)
 * @param deployWindow                a change to the authoriser this recent points to the deploy (jwks-rotation-spike)
 * @param recoveryAfterRestart        401s should be back at baseline this soon after a restart (jwks-rotation-spike)
 * @param jwksCacheTtl                the JWKS cache TTL recommended to the owners (jwks-rotation-spike)
 * @param clockSkew                   clock difference against the identity provider that is a finding (token-expiry-clock-skew)
 * @param bulkExpiryShare             share of sampled tokens expiring in the same minute that is a bulk expiry (token-expiry-clock-skew)
 * @param expiryGracePeriod           the most grace a person should grant expired tokens (token-expiry-clock-skew)
 * @param validationLatencyP99        p99 validation time that is degraded (auth-service-degradation)
 * @param validationLatencyCheckCache p99 validation time above which the cache is the first suspect (auth-service-degradation)
 * @param validationLatencyTarget     p99 validation time of a recovered service (auth-service-degradation)
 * @param validationSuccessTarget     validation success ratio of a recovered service (auth-service-degradation)
 */
public record Thresholds(
        int evictionsPerMinute,
        double memoryUsedRatio,
        double cacheHitRatioLow,
        Duration cachePingSlow,
        Duration deployWindow,
        Duration recoveryAfterRestart,
        Duration jwksCacheTtl,
        Duration clockSkew,
        double bulkExpiryShare,
        Duration expiryGracePeriod,
        Duration validationLatencyP99,
        Duration validationLatencyCheckCache,
        Duration validationLatencyTarget,
        double validationSuccessTarget) {

    public Thresholds {
        Policy.require(evictionsPerMinute > 0, "thresholds.evictionsPerMinute must be positive");
        for (var ratio : new double[] {memoryUsedRatio, cacheHitRatioLow, bulkExpiryShare, validationSuccessTarget}) {
            Policy.require(ratio > 0 && ratio <= 1, "thresholds: ratios must be above 0 and at most 1, got " + ratio);
        }
    }
}
