package authresponder.diagnose;

import java.util.Map;

/**
 * What to do next: a function with its command (flush-cache {"action":"flush","scope":"jwks"}), or a team
 * to page through escalate, or nothing. The next function reads it from {@code details.recommendedAction}.
 *
 * @param function the function to run next (flush-cache, escalate), or null when nothing needs doing
 * @param command  the command for that function, as a person would type it; null for a page
 * @param team     the team to page (with escalate), or null
 * @param why      one sentence a person reads
 */
public record RecommendedAction(String function, Map<String, Object> command, String team, String why) {
    public static final String FLUSH_CACHE = "flush-cache";
    public static final String ESCALATE = "escalate";

    public static RecommendedAction run(String function, Map<String, Object> command, String why) {
        return new RecommendedAction(function, Map.copyOf(command), null, why);
    }

    public static RecommendedAction page(String team, String why) {
        return new RecommendedAction(ESCALATE, null, team, why);
    }

    public static RecommendedAction none(String why) {
        return new RecommendedAction(null, null, null, why);
    }

    /** "flush-cache {"action":"flush","scope":"jwks"}", "page identity-platform (escalate)", or "none". */
    public String describe() {
        if (team != null) {
            return "page " + team + " (escalate)";
        }
        if (function != null) {
            return function + " " + authresponder.core.Json.write(new java.util.TreeMap<>(command));
        }
        return "none";
    }
}
