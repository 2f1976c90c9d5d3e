package authresponder.infra;

import authresponder.infra.Policy.AlarmRoute;
import authresponder.infra.Policy.AlarmSpec;
import authresponder.infra.Policy.ResultRoute;
import authresponder.infra.Policy.Signal;
import java.util.List;
import java.util.Set;

/**
 * The seed runbooks' thresholds and routes, held here until runbooks/ carries them as front matter;
 * then {@link Policy#load()} reads those files instead and this class goes.
 */
final class BuiltInPolicy {
    private static final String DIAGNOSE = "diagnose";
    private static final String ESCALATE = "escalate";

    static final Policy POLICY = new Policy(
            List.of(
                    new AlarmSpec("auth-401-spike", "Share of requests answered 401 above 5x its normal level",
                            new Signal.Baseline("unauthorized", "requests"), "Sum", 60, 5, 2, 2),
                    new AlarmSpec("auth-error-rate", "auth-service ErrorRate above 3%",
                            new Signal.Metric("errorRate"), "Average", 60, 3, 3, 3),
                    new AlarmSpec("auth-invalid-signature", "Authoriser log lines with invalid_signature or kid mismatch",
                            new Signal.LogMatches("InvalidSignature", List.of("invalid_signature", "kid mismatch")), "Sum", 60, 5, 1, 1),
                    new AlarmSpec("auth-token-validation-latency", "Token validation p99 above 1 s (metric in milliseconds)",
                            new Signal.Metric("tokenValidationLatency"), "p99", 60, 1000, 3, 3),
                    new AlarmSpec("auth-validation-failures-sustained", "Token validation failures above 5% for 15 minutes",
                            new Signal.Ratio("tokenValidationFailures", "tokenValidations"), "Sum", 60, 5, 15, 15),
                    new AlarmSpec("auth-validation-failures-after-flush", "Token validation failures above 10% for 10 minutes",
                            new Signal.Ratio("tokenValidationFailures", "tokenValidations"), "Sum", 60, 10, 10, 10)),
            List.of(
                    new AlarmRoute("auth-401-spike", DIAGNOSE),
                    new AlarmRoute("auth-error-rate", DIAGNOSE),
                    new AlarmRoute("auth-error-rate", ESCALATE),
                    new AlarmRoute("auth-invalid-signature", DIAGNOSE),
                    new AlarmRoute("auth-token-validation-latency", DIAGNOSE),
                    new AlarmRoute("auth-validation-failures-sustained", ESCALATE),
                    new AlarmRoute("auth-validation-failures-after-flush", ESCALATE)),
            List.of(
                    new ResultRoute(DIAGNOSE, "details.verdict", List.of("STALE_KEY_CACHE"), "flush-cache"),
                    new ResultRoute(DIAGNOSE, "details.verdict",
                            List.of("CLOCK_SKEW", "SESSION_CACHE_PRESSURE", "IDP_UNAVAILABLE", "RECENT_DEPLOY", "UNKNOWN"), ESCALATE),
                    new ResultRoute("flush-cache", "outcome", List.of("DONE"), "restart-authoriser"),
                    new ResultRoute("flush-cache", "outcome", List.of("PARTIAL", "REFUSED"), ESCALATE),
                    new ResultRoute("restart-authoriser", "outcome", List.of("PARTIAL", "REFUSED"), ESCALATE)),
            Set.of("identity-platform", "iam-security", "auth-team"));

    private BuiltInPolicy() {}
}
