package authresponder.diagnose;

import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import authresponder.core.policy.Thresholds;
import authresponder.core.policy.Verdict;
import authresponder.core.policy.VerdictPolicy;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the verdict rules judge by, in one place: the thresholds, caps, teams and actions come from the
 * runbooks' front matter ({@link Policy#bundled()}); the few figures only diagnose uses are named here.
 *
 * @param clockSkew          a clock difference against the IdP (or a token's iat) past this is a finding
 * @param memoryUsedRatio    used_memory / maxmemory at or above this is a full cache
 * @param evictionsPerMinute evictions per minute (measured over the check) at or above this is eviction pressure
 * @param cacheHitRatioLow   a hit ratio below this is reported, not decisive
 * @param cachePingSlow      a PING slower than this is reported
 * @param bulkExpiryShare    this share of the sampled token keys expiring within one minute is a bulk expiry
 * @param expiryGracePeriod  the most grace a person should consider for tokens expired in bulk (the page names it)
 * @param tokenSampleSize    token keys sampled (SCAN) at most
 * @param deployWindow       an authoriser change this long before the window's end is recent
 * @param recommendations    per verdict, the first action of its runbook chain (or the page, or nothing)
 */
public record DiagnosePolicy(
        Duration clockSkew,
        double memoryUsedRatio,
        int evictionsPerMinute,
        double cacheHitRatioLow,
        Duration cachePingSlow,
        double bulkExpiryShare,
        Duration expiryGracePeriod,
        int tokenSampleSize,
        Duration deployWindow,
        Map<Verdict, RecommendedAction> recommendations) {

    /** Matching log lines in the window below this are noise, not evidence. */
    public static final long LOG_EVIDENCE_LINES = 5;
    /** Fewer sampled token keys than this say nothing about an expiry pattern. */
    public static final int BULK_EXPIRY_MIN_SAMPLE = 20;
    /** The authoriser's log phrases for each signal: exact, case-sensitive, as CloudWatch Logs matches a quoted term. */
    public static final Map<LogSignal, List<String>> LOG_PHRASES = Map.of(
            LogSignal.INVALID_SIGNATURE, List.of("invalid_signature"),
            LogSignal.UNKNOWN_KID, List.of("kid mismatch", "unable to find a signing key"),
            LogSignal.TOKEN_EXPIRED, List.of("token_expired"));

    /** What a log line says went wrong. */
    public enum LogSignal { INVALID_SIGNATURE, UNKNOWN_KID, TOKEN_EXPIRED }

    public DiagnosePolicy {
        recommendations = Map.copyOf(recommendations);
    }

    public static DiagnosePolicy bundled() {
        return from(Policy.bundled());
    }

    public static DiagnosePolicy from(Policy policy) {
        Thresholds t = policy.thresholds();
        Map<Verdict, RecommendedAction> recommendations = new EnumMap<>(Verdict.class);
        for (Verdict verdict : Verdict.values()) {
            recommendations.put(verdict, recommendation(policy, verdict));
        }
        return new DiagnosePolicy(t.clockSkew(), t.memoryUsedRatio(), t.evictionsPerMinute(), t.cacheHitRatioLow(), t.cachePingSlow(),
                t.bulkExpiryShare(), t.expiryGracePeriod(), policy.caps().tokenSampleSize(), t.deployWindow(), recommendations);
    }

    /** The verdict's first runbook action; a page names the verdict's team. The runbook's advice says why. */
    private static RecommendedAction recommendation(Policy policy, Verdict verdict) {
        VerdictPolicy rules = policy.verdict(verdict);
        return policy.firstAction(verdict).map(name -> {
            Routing.Action action = policy.routing().action(name);
            boolean page = name.equals(policy.routing().chain().escalateWith());
            return new RecommendedAction(name, action.function(), action.command(), page ? rules.team() : null, rules.advice());
        }).orElseGet(() -> RecommendedAction.none(rules.advice()));
    }

    public RecommendedAction recommendation(Verdict verdict) {
        return recommendations.get(verdict);
    }

    public DiagnosePolicy withDeployWindow(Duration window) {
        return new DiagnosePolicy(clockSkew, memoryUsedRatio, evictionsPerMinute, cacheHitRatioLow, cachePingSlow, bulkExpiryShare,
                expiryGracePeriod, tokenSampleSize, window, recommendations);
    }
}
