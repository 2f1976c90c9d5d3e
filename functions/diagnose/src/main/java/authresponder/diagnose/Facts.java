package authresponder.diagnose;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the checks established, and nothing else: the only input of {@link VerdictRules}. A null part
 * means that check could not tell (skipped, failed or timed out); {@link #notChecked} says which and why.
 *
 * @param alarmed    an alarm started this diagnosis (something is known to be wrong)
 * @param idpSkew    the IdP's Date header minus our clock
 * @param notChecked one line per check that could not tell, e.g. "logs: log group /aws/lambda/x does not exist"
 */
public record Facts(
        boolean alarmed,
        Idp idp,
        KeyDrift keys,
        Duration idpSkew,
        SampleToken token,
        CacheHealth cache,
        ExpiryPattern expiry,
        LogCounts logs,
        Change change,
        List<String> notChecked) {

    public Facts {
        notChecked = notChecked == null ? List.of() : List.copyOf(notChecked);
    }

    /**
     * Whether the IdP's two endpoints answered; a problem names the failure (status, timeout, refused).
     *
     * @param untrusted what the IdP published that must not be trusted, one line each: secret key material in
     *                  its JWKS, a discovery naming another issuer, a jwks_uri the rules refuse
     */
    public record Idp(Reach discovery, Reach jwks, String problem, List<String> untrusted) {
        public enum Reach { ANSWERED, FAILED, UNKNOWN }

        public Idp {
            untrusted = untrusted == null ? List.of() : List.copyOf(untrusted);
        }

        public Idp(Reach discovery, Reach jwks, String problem) {
            this(discovery, jwks, problem, List.of());
        }

        public boolean down() {
            return discovery == Reach.FAILED || jwks == Reach.FAILED;
        }
    }

    /**
     * The cached JWKS against the live one.
     *
     * @param cached           false when the cache holds no JWKS at all (the authoriser fetches on demand: not stale)
     * @param missingFromCache live signing kids the cache lacks
     * @param retiredInCache   cached kids the IdP no longer publishes
     * @param changedMaterial  kids whose key material differs between cache and IdP
     */
    public record KeyDrift(boolean cached, List<String> missingFromCache, List<String> retiredInCache, List<String> changedMaterial) {
        public KeyDrift {
            missingFromCache = List.copyOf(missingFromCache);
            retiredInCache = List.copyOf(retiredInCache);
            changedMaterial = List.copyOf(changedMaterial);
        }

        /** Tokens signed now cannot be validated from this cache. */
        public boolean stale() {
            return cached && (!missingFromCache.isEmpty() || !changedMaterial.isEmpty());
        }
    }

    /** The sample token's key id and what is wrong with it; the token itself is never kept. */
    public record SampleToken(String kid, Set<TokenProblem> problems, Duration issuedAhead) {
        public SampleToken {
            problems = Set.copyOf(problems);
        }
    }

    public enum TokenProblem { UNKNOWN_KID, BAD_SIGNATURE, EXPIRED, NOT_YET_VALID, WRONG_ISSUER, WRONG_AUDIENCE }

    /**
     * Cache INFO figures over all primaries (the fullest one's memory).
     *
     * @param memoryRatio        used_memory / maxmemory, null without a maxmemory
     * @param evictionsPerMinute evicted_keys growth measured across the check
     * @param evictedSinceStart  evicted_keys: every eviction since the cache started
     */
    public record CacheHealth(Double memoryRatio, double evictionsPerMinute, long evictedSinceStart, long rejectedConnections,
                              Double hitRatio, Duration ping, List<String> unreachable) {
        /** @param unreachable a cluster's primaries (or slots) out of reach, one line each: "127.0.0.1:7002 (slots 10923-16383): refused" */
        public CacheHealth {
            unreachable = unreachable == null ? List.of() : List.copyOf(unreachable);
        }

        /** A cache whose every slot has a reachable primary. */
        public CacheHealth(Double memoryRatio, double evictionsPerMinute, long evictedSinceStart, long rejectedConnections, Double hitRatio, Duration ping) {
            this(memoryRatio, evictionsPerMinute, evictedSinceStart, rejectedConnections, hitRatio, ping, List.of());
        }
    }

    /** The sampled token keys' TTLs: the share that expires within the busiest minute. */
    public record ExpiryPattern(int sampled, int withoutTtl, double busiestMinuteShare, Instant busiestMinute) {}

    /**
     * Matching log lines in the window, per signal and in total; capped when a count reached the read
     * limit (at least that many). A line can carry two signals ("invalid_signature: kid mismatch"):
     * signatureErrors and total count it once.
     *
     * @param signatureErrors distinct lines with an invalid signature or an unknown kid
     * @param total           distinct lines with any signal
     */
    public record LogCounts(long invalidSignature, long unknownKid, long tokenExpired, long signatureErrors, long total, boolean capped) {}

    /**
     * When the authoriser last changed, and how long before the reference time (the alarm, or now).
     *
     * @param ownRestart the change was restart-authoriser's own environment update, not a deploy
     */
    public record Change(String target, Instant lastModified, Duration beforeReference, boolean ownRestart) {}
}
