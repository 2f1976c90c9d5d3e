package authresponder.core.policy;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One runbook's front matter: the policy half of runbooks/ID.md (the prose below it is for people).
 * Its thresholds and caps are merged across runbooks into {@link Policy#thresholds()} and {@link Policy#caps()}.
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
        JsonObject thresholds) {

    /** Where a person reads it, relative to the repository root. */
    public String path() {
        return "runbooks/" + id + ".md";
    }
}
