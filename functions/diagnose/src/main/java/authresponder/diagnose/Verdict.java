package authresponder.diagnose;

/** What a diagnosis concludes: the one word a person reads first, and what the routing matches on. */
public enum Verdict {
    /** The cache holds keys the IdP no longer signs with, or lacks one it does: flush-cache fixes it. */
    STALE_KEY_CACHE,
    /** Our clock and the IdP's disagree past the threshold: tokens look expired or not yet valid. */
    CLOCK_SKEW,
    /** The cache is full and evicting, refusing clients, or a mass of tokens expires at once. */
    SESSION_CACHE_PRESSURE,
    /** The IdP's discovery or JWKS does not answer, or answers with an error. */
    IDP_UNAVAILABLE,
    /** The authoriser changed shortly before the alarm: the change is the first suspect. */
    RECENT_DEPLOY,
    /** Every check passed and the logs are quiet. */
    HEALTHY,
    /** Something is wrong (or could not be checked) and no rule explains it: a human looks. */
    UNKNOWN;

    public enum Confidence { HIGH, MEDIUM, LOW }
}
