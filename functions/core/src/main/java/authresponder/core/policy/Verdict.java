package authresponder.core.policy;

/** What diagnose concludes. Each verdict belongs to exactly one runbook, which says what follows from it. */
public enum Verdict {
    STALE_KEY_CACHE,
    CLOCK_SKEW,
    SESSION_CACHE_PRESSURE,
    IDP_UNAVAILABLE,
    /** The IdP published what must not be trusted: secret key material, another issuer, a refused jwks_uri. */
    IDP_UNTRUSTED,
    RECENT_DEPLOY,
    HEALTHY,
    UNKNOWN
}
