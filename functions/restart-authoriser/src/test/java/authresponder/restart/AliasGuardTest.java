package authresponder.restart;

import static authresponder.restart.Fixture.invoke;
import static authresponder.restart.Fixture.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Outcome;
import authresponder.core.ledger.Entry;
import authresponder.core.ledger.Ledger;
import authresponder.core.policy.Policy;
import authresponder.testkit.MotoServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * A restart through an alias publishes $LATEST and moves the alias to it: it must never deploy code or configuration
 * that the alias does not run already. Against moto's Lambda (versions, aliases, PublishVersion, UpdateAlias), through
 * the handler as Lambda calls it. AWS: "Lambda function aliases" and "Create a routing configuration for an alias"
 * (Lambda developer guide): an alias points to one version, or splits traffic to a second by weight.
 */
class AliasGuardTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final LambdaClient lambda = Fixture.lambda();

    AliasGuardTest() {
        Fixture.createRole();
    }

    @AfterEach
    void close() {
        lambda.close();
    }

    /** A function with version 1 published and alias live on it. */
    private String aliased(Map<String, String> variables) {
        String function = "authoriser-" + UUID.randomUUID().toString().substring(0, 8);
        Fixture.createFunction(lambda, function, variables);
        String first = lambda.publishVersion(b -> b.functionName(function)).version();
        lambda.createAlias(b -> b.functionName(function).name("live").functionVersion(first));
        return function;
    }

    /** What a refused restart must leave as it was: the alias, the versions, $LATEST's code and configuration. */
    private String state(String function) {
        var alias = lambda.getAlias(b -> b.functionName(function).name("live"));
        var latest = lambda.getFunctionConfiguration(b -> b.functionName(function));
        List<String> versions = lambda.listVersionsByFunction(b -> b.functionName(function)).versions().stream().map(v -> v.version()).toList();
        return alias.functionVersion() + " " + alias.routingConfig() + " " + versions + " " + latest.codeSha256() + " " + latest.environment().variables();
    }

    private static FunctionHandler.Answer restart(Map<String, String> settings) {
        return invoke(new RestartAuthoriserHandler(new Env(settings)), sample("restart-authoriser/command-restart.json"), TIMEOUT);
    }

    private static Map<String, String> settings(String function) {
        return Fixture.settings(Fixture.MOTO.endpoint(), "{\"api-authoriser\": {\"lambda\": \"" + function + "\", \"alias\": \"live\"}}");
    }

    @Test
    void afterARollbackNewerCodeInLatestIsNeverPublished() {
        String function = aliased(Map.of("JWKS_URL", "https://idp.example.com/jwks"));
        // a deploy updated $LATEST; the alias was rolled back to (left on) version 1
        lambda.updateFunctionCode(b -> b.functionName(function).zipFile(SdkBytes.fromByteArray(MotoServer.code("version 2, rolled back"))));
        String before = state(function);
        Map<String, String> settings = settings(function);

        FunctionHandler.Answer answer = restart(settings);

        assertEquals(Outcome.REFUSED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("alias live of " + function + " runs version 1, and $LATEST differs from it in CodeSha256"),
                answer.result().summary());
        assertTrue(answer.result().summary().contains("nothing was changed"), answer.result().summary());
        assertEquals(before, state(function), "no version published, the alias and $LATEST as they were");
        assertOnlyRefusalRecorded(settings);
        assertTrue(Policy.bundled().routing().chain().escalateOn().contains(Outcome.REFUSED), "the chain pages a refused restart");
    }

    @Test
    void latestWithOtherConfigurationIsNeverPublishedAndTheValuesAreNotShown() {
        String function = aliased(Map.of("JWKS_URL", "https://idp.example.com/jwks", "CLIENT_SECRET", "s3cr3t-value"));
        lambda.updateFunctionConfiguration(b -> b.functionName(function).environment(e -> e.variables(
                Map.of("JWKS_URL", "https://idp.example.com/jwks", "CLIENT_SECRET", "n3w-s3cr3t"))));
        String before = state(function);
        Map<String, String> settings = settings(function);

        FunctionHandler.Answer answer = restart(settings);

        assertEquals(Outcome.REFUSED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("differs from it in Environment (CLIENT_SECRET)"), answer.result().summary());
        assertTrue(!answer.response().contains("s3cr3t"), "the variables' values are never shown");
        assertEquals(before, state(function));
        assertOnlyRefusalRecorded(settings);
    }

    @Test
    void aWeightedAliasIsRefused() {
        String function = aliased(Map.of("A", "1"));
        String second = lambda.publishVersion(b -> b.functionName(function).description("canary")).version();
        // a canary: 10% of the alias's traffic to the second version (moto keeps a routing configuration as given)
        lambda.updateFunctionConfiguration(b -> b.functionName(function).environment(e -> e.variables(Map.of("A", "1"))));
        lambda.updateAlias(b -> b.functionName(function).name("live").routingConfig(r -> r.additionalVersionWeights(Map.of(second, 0.1))));
        String before = state(function);
        Map<String, String> settings = settings(function);

        FunctionHandler.Answer answer = restart(settings);

        assertEquals(Outcome.REFUSED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("alias live of " + function + " is weighted"), answer.result().summary());
        assertEquals(before, state(function));
        assertOnlyRefusalRecorded(settings);
    }

    @Test
    void latestEqualToTheAliasedVersionButForTheMarkerIsPublished() {
        String function = aliased(Map.of("A", "1", LambdaRestarter.MARKER, "an earlier restart"));
        lambda.updateFunctionConfiguration(b -> b.functionName(function).environment(e -> e.variables(Map.of("A", "1", LambdaRestarter.MARKER, "another"))));

        FunctionHandler.Answer answer = restart(settings(function));

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        String moved = lambda.getAlias(b -> b.functionName(function).name("live")).functionVersion();
        assertEquals("2", moved);
    }

    @Test
    void aDryRunSaysARealRunWouldBeRefused() {
        String function = aliased(Map.of("A", "1"));
        lambda.updateFunctionCode(b -> b.functionName(function).zipFile(SdkBytes.fromByteArray(MotoServer.code("newer"))));
        String before = state(function);

        FunctionHandler.Answer answer = invoke(new RestartAuthoriserHandler(new Env(settings(function))), "{\"dryRun\": true}", TIMEOUT);

        assertEquals(Outcome.DRY_RUN, answer.result().outcome(), answer.response());
        assertTrue(answer.result().warnings().stream().anyMatch(w -> w.contains("a real run would be refused") && w.contains("CodeSha256")),
                answer.result().warnings().toString());
        assertEquals(before, state(function));
    }

    /** The ledger holds the refused attempt only, and its cooldown is given back: nothing restarted. */
    private static void assertOnlyRefusalRecorded(Map<String, String> settings) {
        List<Entry> entries = Ledger.from(new Env(settings)).recent(Instant.now().minus(Duration.ofMinutes(5)), null, Budget.of(Duration.ofSeconds(10)));
        assertEquals(List.of(Outcome.REFUSED), entries.stream().map(Entry::outcome).toList());
    }
}
