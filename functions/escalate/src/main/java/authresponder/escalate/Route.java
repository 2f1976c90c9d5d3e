package authresponder.escalate;

import authresponder.core.policy.Severity;

/**
 * Who is paged for one kind of incident, how urgently, and what the page tells them first; taken from
 * the runbooks' policy (an escalation route, a verdict that pages), or named by a person.
 *
 * @param id         the route's name: the first part of the incident key that deduplicates pages
 * @param title      what broke, in a few words: it leads the subject line
 * @param runbook    the runbook file the page links to (login-failures.md), or null
 * @param condition  why this team is paged (the escalation's condition), or null
 * @param advice     the first thing to do (the verdict's advice), or null
 * @param minRegions regions that must be in ALARM at once for this route
 */
record Route(String id, String team, Severity severity, String title, String runbook, String condition, String advice, int minRegions) {

    Route withSeverity(Severity chosen) {
        return new Route(id, team, chosen, title, runbook, condition, advice, minRegions);
    }
}
