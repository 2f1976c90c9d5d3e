package authresponder.watchkeys;

import authresponder.core.Outcome;
import com.google.gson.JsonElement;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * What one look at the providers found and did.
 *
 * @param providers each provider looked at
 * @param actions   the actions run for the changes seen (one flush serves every provider), empty when none changed
 * @param notices   the notices sent to the team, one line each
 */
public record WatchReport(boolean dryRun, List<ProviderReport> providers, List<ActionReport> actions, List<String> notices) {

    /** How a provider's keys stood. */
    public enum Status {
        /** First good look: its keys are recorded to compare with from now on. */
        BASELINE,
        /** The same signing keys as last time. */
        UNCHANGED,
        /** Keys added, removed or changed: see {@code changes}. */
        CHANGED,
        /** No usable key set (error, no answer, malformed, empty): nothing was compared or done. */
        UNREACHABLE
    }

    /**
     * @param kids         the signing key ids published now (empty when unreachable)
     * @param changes      each kid that changed since the keys last recorded
     * @param note         what became of it: recorded, brought in line, pending a cooldown, told to the team...
     * @param failingSince when it started failing, while it fails
     */
    public record ProviderReport(String name, URI issuer, Status status, URI jwksUri, List<String> kids,
                                 List<KeyDiff> changes, String note, Instant failingSince) {}

    /**
     * One action run for the changes, by the function that owns it.
     *
     * @param details that function's own details, as it reported them
     */
    public record ActionReport(String action, String function, Outcome outcome, String summary, JsonElement details) {}
}
