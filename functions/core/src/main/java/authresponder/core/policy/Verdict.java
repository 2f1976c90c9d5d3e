package authresponder.core.policy;

/** What diagnose concludes. Each verdict belongs to exactly one runbook, which says what follows from it. */
public enum Verdict {
    STALE_KEY_CACHE,
    CLOCK_SKEW,
    SESSION_CACHE_PRESSURE,
    IDP_UNAVAILABLE,
    RECENT_DEPLOY,
    HEALTHY,
    UNKNOWN
}
