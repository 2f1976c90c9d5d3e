package authresponder.diagnose;

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
 */
final class RecentChangeCheck implements CheckRunner.Check<Facts.Change> {
    static final String NAME = "recent-change";

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
        Facts.Change change = new Facts.Change(function, lastModified, before);
        if (!before.isNegative() && before.compareTo(window) <= 0) {
            return Finding.warn(function + " changed " + before.toMinutes() + " min before " + reference + " (within " + window.toMinutes() + " min)", evidence, change);
        }
        return Finding.ok(function + " last changed at " + lastModified + ", not within " + window.toMinutes() + " min before " + reference, evidence, change);
    }
}
