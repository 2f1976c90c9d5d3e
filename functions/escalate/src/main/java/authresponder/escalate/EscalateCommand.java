package authresponder.escalate;

import authresponder.core.Redact;
import authresponder.core.policy.Severity;

/**
 * A page asked for by hand: {@code {"team": "identity-platform", "summary": "...", "dryRun": true}}, or
 * {@code {"runbook": "login-failures", "summary": "..."}} to link a runbook and page its owner (a team
 * and a runbook together page the team with the link). A page that follows an alarm or another
 * function's result is read from that event instead: its command is {@link #FROM_EVENT}.
 *
 * @param severity HIGH unless said otherwise
 * @param dryRun   compose the page and say where it would go, publish nothing
 */
public record EscalateCommand(String team, String runbook, String summary, Severity severity, Boolean dryRun) {
    static final int MAX_SUMMARY = 300;

    /** The summary is scrubbed of secrets as it arrives ({@link Redact#text}): logged, kept and paged only so. */
    public EscalateCommand {
        summary = Redact.text(summary);
    }
    static final EscalateCommand FROM_EVENT = new EscalateCommand(null, null, null, null, false);

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
