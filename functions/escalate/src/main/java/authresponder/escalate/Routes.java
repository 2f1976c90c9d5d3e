package authresponder.escalate;

import authresponder.core.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The escalation routes: which incident pages which team. The thresholds behind the alarms are the
 * runbooks' (token validation failures over 5 % in two or more regions for 15 minutes → IAM/Security;
 * over 10 % for 10 minutes after a cache flush → Identity Platform; auth-service ErrorRate over 3 % →
 * auth-team at once; identity provider down → Identity Platform, who contact the vendor).
 */
final class Routes {
    static final String UNROUTED_ALARM = "unrouted-alarm";
    static final String ACTION_FAILED = "action-failed";
    static final String NEEDS_HUMAN = "diagnosis-needs-human";
    static final String MANUAL = "manual";

    /** Until the runbooks' front matter is loaded, the routes live here and nowhere else. */
    static final List<Route> DEFAULTS = List.of(
            new Route("token-validation-multi-region", "iam-security", Severity.CRITICAL,
                    "Token validation failing in 2+ regions", "login-failures.md",
                    List.of("auth-token-validation-multi-region"), List.of()),
            new Route("token-validation-after-flush", "identity-platform", Severity.HIGH,
                    "Token validation failing after cache flush", "token-cache-refresh.md",
                    List.of("auth-token-validation-after-flush"), List.of()),
            new Route("auth-service-error-rate", "auth-team", Severity.HIGH,
                    "auth-service error rate over 3%", "auth-service-degradation.md",
                    List.of("auth-service-error-rate"), List.of()),
            new Route("idp-unavailable", "identity-platform", Severity.HIGH,
                    "Identity provider unavailable", "idp-unavailable.md",
                    List.of(), List.of("IDP_UNAVAILABLE")),
            new Route("recent-deploy", "auth-team", Severity.HIGH,
                    "Sign-in failing after a deploy", "auth-service-degradation.md",
                    List.of(), List.of("RECENT_DEPLOY")),
            new Route(NEEDS_HUMAN, "identity-platform", Severity.HIGH,
                    "Sign-in failing, needs a person", "login-failures.md",
                    List.of(), List.of("CLOCK_SKEW", "SESSION_CACHE_PRESSURE", "UNKNOWN")),
            new Route(ACTION_FAILED, "identity-platform", Severity.HIGH,
                    "Automation failed", "token-cache-refresh.md",
                    List.of(), List.of()),
            new Route(UNROUTED_ALARM, "identity-platform", Severity.HIGH,
                    "Alarm with no escalation route", "login-failures.md",
                    List.of(), List.of()));

    private final Map<String, Route> byId = new LinkedHashMap<>();

    Routes(List<Route> routes) {
        routes.forEach(route -> byId.put(route.id(), route));
        for (String needed : List.of(UNROUTED_ALARM, ACTION_FAILED, NEEDS_HUMAN)) {
            if (!byId.containsKey(needed)) {
                throw new IllegalArgumentException("the escalation routes need a route named " + needed);
            }
        }
    }

    Route forAlarm(String alarmName) {
        return byId.values().stream().filter(route -> route.alarms().contains(alarmName)).findFirst()
                .orElse(byId.get(UNROUTED_ALARM));
    }

    /** The route of a verdict that needs a person; empty for a verdict automation handles (or a healthy one). */
    Optional<Route> forVerdict(String verdict) {
        return byId.values().stream().filter(route -> route.verdicts().contains(verdict)).findFirst();
    }

    Route actionFailed() {
        return byId.get(ACTION_FAILED);
    }

    /** For a verdict with no route of its own that diagnose still wants a person to see. */
    Route needsHuman() {
        return byId.get(NEEDS_HUMAN);
    }

    /** A route a person names in a command. */
    Route named(String id) {
        Route route = byId.get(id);
        if (route == null || MANUAL.equals(id)) {
            throw new BadInputException("unknown route '" + id + "'; known: " + String.join(", ", byId.keySet()));
        }
        return route;
    }

    /** Every team some route pages: each needs a topic. */
    Set<String> teams() {
        Set<String> teams = new TreeSet<>();
        byId.values().forEach(route -> teams.add(route.team()));
        return teams;
    }
}
