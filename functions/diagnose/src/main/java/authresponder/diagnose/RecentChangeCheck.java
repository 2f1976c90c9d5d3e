package authresponder.diagnose;

import authresponder.core.RestartMarker;
import authresponder.core.AwsClients;
import authresponder.core.Budget;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Check 9: when the authoriser function last changed (Lambda's LastModified: code or configuration),
 * measured back from the end of the window. The runbooks: a change in the last hour points away from the JWKS.
 * restart-authoriser restarts a Lambda authoriser by writing {@value #RESTART_MARKER} into its environment,
 * which moves LastModified too: a change within {@link #OWN_RESTART_SLACK} after that marker is our own
 * restart, not a deploy.
 */
final class RecentChangeCheck implements CheckRunner.Check<Facts.Change> {
    static final String NAME = "recent-change";
    /** The variable restart-authoriser sets (an ISO instant) just before its configuration update. */
    static final String RESTART_MARKER = RestartMarker.VARIABLE;
    /** How long after the marker the update may land and still be the restart's: seconds in practice. */
    static final Duration OWN_RESTART_SLACK = Duration.ofMinutes(1);

    private final Supplier<LambdaClient> lambda;
    private final String function;
    private final Instant reference;
    private final Duration window;

    RecentChangeCheck(Supplier<LambdaClient> lambda, String function, Instant reference, Duration window) {
        this.lambda = lambda;
        this.function = function;
        this.reference = reference;
        this.window = window;
    }

    @Override
    public Finding<Facts.Change> run(Budget budget) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("function", function);
        GetFunctionConfigurationResponse configuration;
        try {
            configuration = lambda.get().getFunctionConfiguration(r -> r.functionName(function)
                    .overrideConfiguration(AwsClients.within(budget, budget.remaining())));
        } catch (ResourceNotFoundException e) {
            return Finding.fail("the authoriser function " + function + " does not exist", evidence);
        } catch (SdkException e) {
            return Finding.fail("could not read the authoriser function " + function + ": " + e.getMessage(), evidence);
        }
        Instant lastModified = AwsTime.parse(configuration.lastModified());
        Duration before = Duration.between(lastModified, reference);
        evidence.put("lastModified", lastModified);
        evidence.put("minutesBefore", before.toMinutes());
        evidence.put("version", configuration.version());
        Instant restarted = restartMarker(configuration);
        boolean ownRestart = restarted != null && !lastModified.isBefore(restarted)
                && Duration.between(restarted, lastModified).compareTo(OWN_RESTART_SLACK) <= 0;
        evidence.put("ownRestart", ownRestart);
        Facts.Change change = new Facts.Change(function, lastModified, before, ownRestart);
        if (ownRestart) {
            return Finding.ok(function + " last changed at " + lastModified + ": auth-responder's own restart (" + RESTART_MARKER + "), not a deploy",
                    evidence, change);
        }
        if (!before.isNegative() && before.compareTo(window) <= 0) {
            return Finding.warn(function + " changed " + before.toMinutes() + " min before " + reference + " (within " + window.toMinutes() + " min)", evidence, change);
        }
        return Finding.ok(function + " last changed at " + lastModified + ", not within " + window.toMinutes() + " min before " + reference, evidence, change);
    }

    private static Instant restartMarker(GetFunctionConfigurationResponse configuration) {
        String marker = configuration.environment() == null || configuration.environment().variables() == null ? null
                : configuration.environment().variables().get(RESTART_MARKER);
        try {
            return marker == null ? null : Instant.parse(marker);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
