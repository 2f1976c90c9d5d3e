package authresponder.diagnose;

import com.google.gson.JsonObject;

/**
 * What to do next, as the runbook's verdict chain says: an action of routing.json (flush-jwks: the
 * flush-cache function with {"action":"flush","scope":"jwks"}), a page (the escalate function and the
 * team), or nothing. The next function reads it from {@code details.recommendedAction}.
 *
 * @param action   the runbook action name (flush-jwks, page), or null when nothing needs doing
 * @param function the function that carries it out, or null
 * @param command  the command for that function, as a person would send it; null with no action
 * @param team     the team to page, for a page; else null
 * @param why      what the paged person reads first (the runbook's advice, or the reason of a conflict)
 */
public record RecommendedAction(String action, String function, JsonObject command, String team, String why) {

    public static RecommendedAction none(String why) {
        return new RecommendedAction(null, null, null, null, why);
    }

    public RecommendedAction because(String reason) {
        return new RecommendedAction(action, function, command, team, reason);
    }

    /** "flush-cache {"action":"flush","scope":"jwks"}", "page auth-team (escalate)", or "none". */
    public String describe() {
        if (team != null) {
            return "page " + team + " (" + function + ")";
        }
        return function == null ? "none" : function + " " + command;
    }
}
