package authresponder.escalate;

import authresponder.core.BadInputException;
import authresponder.core.policy.Escalation;
import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import authresponder.core.policy.Runbook;
import authresponder.core.policy.Severity;
import authresponder.core.policy.Verdict;
import authresponder.core.policy.VerdictPolicy;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The escalation routes, as the runbooks' front matter sets them ({@link Policy}): the escalations of
 * the alarms routed to escalate (team, severity, condition, how many regions), the verdicts whose
 * actions page, and who answers for a failed action (the verdict's team). Nothing is decided here that
 * a runbook does not say, except the fallback for an alarm no runbook escalates: its runbook's owner.
 */
final class Routes {
    static final String ACTION_FAILED = "action-failed";
    static final String MANUAL = "manual";

    private final Policy policy;

    Routes(Policy policy) {
        this.policy = policy;
    }

    /** Every team a page can go to: each needs a topic. */
    Set<String> teams() {
        return policy.routing().teams().keySet();
    }

    /** The alarm's escalation routes, most regions first; an alarm with none pages its runbook's owner. */
    List<Route> forAlarm(String alarmName) {
        List<Escalation> escalations = policy.escalationsFor(alarmName);
        if (escalations.isEmpty()) {
            Runbook runbook = runbookOfAlarm(alarmName);
            return List.of(new Route(alarmName, runbook.owner(), Severity.HIGH, alarmName, file(runbook),
                    "alarm " + alarmName + (policy.routing().routes(alarmName, EscalateHandler.NAME) ? " is routed to escalate but" : "")
                            + " no runbook escalates it: its runbook's owner is paged", null, 1));
        }
        return escalations.stream().sorted(Comparator.comparingInt(Escalation::regions).reversed())
                .map(e -> new Route(alarmName, e.team(), e.severity(), alarmName + (e.regions() > 1 ? " in " + e.regions() + "+ regions" : ""),
                        file(runbookOfAlarm(alarmName)), e.condition(), null, e.regions()))
                .toList();
    }

    /** True when some escalation of the alarm needs several regions in ALARM: escalate then counts them. */
    boolean countsRegions(String alarmName) {
        return policy.escalationsFor(alarmName).stream().anyMatch(e -> e.regions() > 1);
    }

    /** The route of a verdict whose actions page; empty for a verdict automation handles, or an unknown one. */
    Optional<Route> forVerdict(String verdictName) {
        return verdict(verdictName).filter(v -> policy.verdict(v).actions().contains(pageAction()))
                .map(v -> verdictRoute(v, v.name(), v.name()));
    }

    /** Who answers for a failed action: the team of the verdict it followed, else the owner of the alarm's runbook. */
    Route actionFailed(String verdictName, String alarmName) {
        Optional<Verdict> verdict = verdictName == null ? Optional.empty() : verdict(verdictName);
        if (verdict.isPresent()) {
            return verdictRoute(verdict.get(), ACTION_FAILED, "Automation failed");
        }
        Runbook runbook = alarmName != null && policy.alarm(alarmName).isPresent()
                ? policy.runbookOfAlarm(alarmName) : policy.runbooks().getFirst();
        return new Route(ACTION_FAILED, runbook.owner(), Severity.HIGH, "Automation failed", file(runbook), null, null, 1);
    }

    /**
     * The verdict whose chain sent a step the command it got (Lambda's requestPayload): the one verdict whose actions
     * include the action of that function with that command. The function may carry the deployment's name before it.
     * Empty when no action or several verdicts' chains match.
     */
    Optional<String> verdictOfStep(String function, JsonObject command) {
        Set<String> actions = policy.routing().actions().entrySet().stream()
                .filter(a -> a.getValue().input() == Routing.Input.COMMAND && !a.getValue().command().isEmpty()
                        && (function.equals(a.getValue().function()) || function.endsWith("-" + a.getValue().function()))
                        && a.getValue().command().entrySet().stream().allMatch(field -> field.getValue().equals(command.get(field.getKey()))))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        List<Verdict> verdicts = Arrays.stream(Verdict.values())
                .filter(v -> policy.verdict(v) != null && policy.verdict(v).actions().stream().anyMatch(actions::contains)).toList();
        return verdicts.size() == 1 ? Optional.of(verdicts.getFirst().name()) : Optional.empty();
    }

    /** A page a person asks for: to a team, with a runbook to link (whose owner is the team when none is named). */
    Route manual(String team, String runbookId, Severity severity) {
        Runbook runbook = runbookId == null ? null : policy.runbooks().stream().filter(r -> r.id().equals(runbookId)).findFirst()
                .orElseThrow(() -> new BadInputException("unknown runbook '" + runbookId + "'; known: "
                        + String.join(", ", policy.routing().runbooks())));
        return new Route(MANUAL, team != null ? team : runbook.owner(), severity, "Page from a person",
                runbook == null ? null : file(runbook), null, null, 1);
    }

    private Route verdictRoute(Verdict verdict, String id, String title) {
        VerdictPolicy v = policy.verdict(verdict);
        return new Route(id, v.team(), v.severity(), title, file(policy.runbookOf(verdict)), null, v.advice(), 1);
    }

    private Runbook runbookOfAlarm(String alarmName) {
        return policy.alarm(alarmName).isPresent() ? policy.runbookOfAlarm(alarmName) : policy.runbooks().getFirst();
    }

    private String pageAction() {
        return policy.routing().chain().escalateWith();
    }

    private static Optional<Verdict> verdict(String name) {
        return Arrays.stream(Verdict.values()).filter(v -> v.name().equals(name)).findFirst();
    }

    private static String file(Runbook runbook) {
        return runbook.id() + ".md";
    }
}
