package authresponder.flushcache;

/**
 * What a caller may ask: {@code {"action":"flush","scope":"jwks","dryRun":true}}. The scope names a set of
 * key patterns from configuration; the caller never sends a pattern or an endpoint. {@code force} with a
 * {@code reason} overrides the scope's cooldown, and the ledger records why.
 */
public record FlushCommand(String action, String scope, Boolean dryRun, Boolean force, String reason) {
    public static final String FLUSH = "flush";

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
