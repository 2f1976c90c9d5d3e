package authresponder.escalate;

import java.util.List;

/**
 * Who is paged for one kind of incident, how urgently, and which runbook they open.
 *
 * @param id       the route's name, also the first part of the incident key that deduplicates pages
 * @param title    what broke, in a few words: it leads the subject line
 * @param runbook  the runbook file the page points to, relative to the runbook base
 * @param alarms   the alarm names that take this route
 * @param verdicts the diagnose verdicts that take this route
 */
public record Route(String id, String team, Severity severity, String title, String runbook, List<String> alarms, List<String> verdicts) {

    public Route {
        alarms = List.copyOf(alarms);
        verdicts = List.copyOf(verdicts);
    }

    Route withSeverity(Severity chosen) {
        return new Route(id, team, chosen, title, runbook, alarms, verdicts);
    }

    /** A page a person asked for, to a team they named: no runbook applies until they say which. */
    static Route manual(String team, Severity severity) {
        return new Route(Routes.MANUAL, team, severity, "Page from a person", null, List.of(), List.of());
    }
}
