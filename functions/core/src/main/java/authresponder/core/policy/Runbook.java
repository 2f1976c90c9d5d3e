package authresponder.core.policy;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One runbook's front matter: the policy half of runbooks/ID.md (the prose below it is for people).
 * Its thresholds and caps are merged across runbooks into {@link Policy#thresholds()} and {@link Policy#caps()}.
 *
 * @param keyWatch what watch-keys does on a signing-key change: in the one runbook that owns it, else left out (null)
 */
public record Runbook(
        String id,
        String title,
        String owner,
        List<Alarm> alarms,
        Map<Verdict, VerdictPolicy> verdicts,
        Map<String, Duration> cooldowns,
        JsonObject caps,
        List<Escalation> escalations,
        JsonObject thresholds,
        KeyWatch keyWatch) {

    /** The components a runbook may leave out. */
    static final Set<String> OPTIONAL = Set.of("keyWatch");

    /** Where a person reads it, relative to the repository root. */
    public String path() {
        return "runbooks/" + id + ".md";
    }
}
