package authresponder.flushcache;

import authresponder.core.Redact;

/**
 * What a caller may ask: {@code {"action":"flush","scope":"jwks","dryRun":true}}. The scope names a set of
 * key patterns from configuration; the caller never sends a pattern or an endpoint. {@code force} with a
 * {@code reason} overrides the scope's cooldown, and the ledger records why; emptying the whole database
 * needs both, always. The reason is scrubbed of secrets as it arrives ({@link Redact#text}).
 */
public record FlushCommand(String action, String scope, Boolean dryRun, Boolean force, String reason) {
    public static final String FLUSH = "flush";

    public FlushCommand {
        reason = Redact.text(reason);
    }

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
