package authresponder.core.policy;

/**
 * Upper bounds on what one invocation may do.
 *
 * @param flushMaxKeys    keys flush-cache removes in one run at most; past it, a partial result (token-cache-refresh)
 * @param flushBatchSize  keys per SCAN page and per UNLINK (token-cache-refresh)
 * @param tokenSampleSize token keys diagnose samples for the expiry pattern, never more (token-expiry-clock-skew)
 */
public record Caps(int flushMaxKeys, int flushBatchSize, int tokenSampleSize) {
    public Caps {
        Policy.require(flushMaxKeys > 0 && flushBatchSize > 0 && tokenSampleSize > 0, "caps must be positive");
        Policy.require(flushBatchSize <= flushMaxKeys, "caps.flushBatchSize must not exceed caps.flushMaxKeys");
    }
}
