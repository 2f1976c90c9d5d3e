package authresponder.escalate;

/**
 * A page asked for by hand, naming a team ({@code {"team": "identity-platform", "summary": "...", "dryRun": true}})
 * or a route, whose team, severity and runbook it then takes ({@code {"route": "idp-unavailable", "summary": "..."}}).
 * A page that follows an alarm or another function's result is read from that event instead: its command is
 * {@link #FROM_EVENT}.
 *
 * @param severity overrides the route's severity (a manual page to a team is HIGH unless said otherwise)
 * @param dryRun   compose the page and say where it would go, publish nothing
 */
public record EscalateCommand(String team, String route, String summary, Severity severity, boolean dryRun) {
    static final int MAX_SUMMARY = 300;
    static final EscalateCommand FROM_EVENT = new EscalateCommand(null, null, null, null, false);
}
