package authresponder.restart;

import static authresponder.restart.Fixture.invoke;
import static authresponder.restart.Fixture.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Outcome;
import authresponder.core.ledger.Entry;
import authresponder.core.ledger.Ledger;
import authresponder.core.Budget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** restart-authoriser against moto's Lambda and DynamoDB, through its one handler, fed the samples. */
class RestartAuthoriserHandlerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static LambdaClient lambda;

    @BeforeAll
    static void role() {
        lambda = Fixture.lambda();
        Fixture.createRole();
    }

    @AfterAll
    static void close() {
        lambda.close();
    }

    private static String newFunction(Map<String, String> variables) {
        String name = "authoriser-" + UUID.randomUUID().toString().substring(0, 8);
        Fixture.createFunction(lambda, name, variables);
        return name;
    }

    private static RestartAuthoriserHandler handler(String targets) {
        return new RestartAuthoriserHandler(new Env(Fixture.settings(Fixture.MOTO.endpoint(), targets)));
    }

    private static Map<String, String> variables(String function) {
        return lambda.getFunctionConfiguration(b -> b.functionName(function)).environment().variables();
    }

    @Test
    void aRestartKeepsEveryOtherEnvironmentVariable() {
        Map<String, String> before = Map.of("JWKS_URL", "https://idp.example.com/.well-known/jwks.json", "CACHE_TTL", "300", "LOG_LEVEL", "info");
        String function = newFunction(before);
        RestartAuthoriserHandler handler = handler("{\"api-authoriser\": {\"lambda\": \"" + function + "\"}}");

        FunctionHandler.Answer answer = invoke(handler, sample("restart-authoriser/command-restart.json"), TIMEOUT);

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        Map<String, String> after = variables(function);
        assertEquals(before.size() + 1, after.size(), after.toString());
        before.forEach((name, value) -> assertEquals(value, after.get(name), name));
        RestartDetails details = (RestartDetails) answer.result().details();
        assertEquals(details.lambda().marker(), after.get(LambdaRestarter.MARKER));
        assertEquals("$LATEST environment update", details.lambda().way());
        assertEquals(3, details.lambda().keptVariables());
        assertEquals("Successful", details.lambda().lastUpdateStatus());
        assertTrue(answer.result().summary().contains("$LATEST"), answer.result().summary());
    }

    @Test
    void anAliasTargetPublishesAVersionAndMovesTheAlias() {
        String function = newFunction(Map.of("JWKS_URL", "https://idp.example.com/jwks"));
        String first = lambda.publishVersion(b -> b.functionName(function)).version();
        lambda.createAlias(b -> b.functionName(function).name("live").functionVersion(first));
        RestartAuthoriserHandler handler = handler("{\"api-authoriser\": {\"lambda\": \"" + function + "\", \"alias\": \"live\"}}");

        FunctionHandler.Answer answer = invoke(handler, sample("restart-authoriser/command-restart.json"), TIMEOUT);

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        String moved = lambda.getAlias(b -> b.functionName(function).name("live")).functionVersion();
        RestartDetails.LambdaRestart details = ((RestartDetails) answer.result().details()).lambda();
        assertEquals("new version + alias move", details.way());
        assertEquals(first, details.fromVersion());
        assertEquals(moved, details.toVersion());
        assertFalse(first.equals(moved), "the alias still points to " + first);
        Map<String, String> published = lambda.getFunctionConfiguration(b -> b.functionName(function).qualifier(moved)).environment().variables();
        assertEquals("https://idp.example.com/jwks", published.get("JWKS_URL"));
        assertEquals(details.marker(), published.get(LambdaRestarter.MARKER));
        assertTrue(answer.result().summary().contains("moved alias live from " + first), answer.result().summary());
    }

    @Test
    void aDryRunSaysWhatItWouldDoAndChangesNothing() {
        String function = newFunction(Map.of("JWKS_URL", "https://idp.example.com/jwks", "CACHE_TTL", "300"));
        RestartAuthoriserHandler handler = handler("{\"oidc\": {\"lambda\": \"" + function + "\"}}");

        FunctionHandler.Answer answer = invoke(handler, sample("restart-authoriser/command-dry-run.json"), TIMEOUT);

        assertEquals(Outcome.DRY_RUN, answer.result().outcome(), answer.response());
        assertEquals(Map.of("JWKS_URL", "https://idp.example.com/jwks", "CACHE_TTL", "300"), variables(function));
        List<String> steps = ((RestartDetails) answer.result().details()).steps();
        assertTrue(steps.getFirst().contains("keeping its 2 other variables"), steps.toString());
        assertTrue(steps.get(1).contains("LastUpdateStatus is Successful"), steps.toString());
    }

    @Test
    void anAlarmRestartsNothingSinceTheRoutingSendsNoneHereAndARepeatedRequestRestartsOnce() {
        String function = newFunction(Map.of("JWKS_URL", "https://idp.example.com/jwks"));
        Map<String, String> settings = Fixture.settings(Fixture.MOTO.endpoint(), "{\"api-authoriser\": {\"lambda\": \"" + function + "\"}}");
        RestartAuthoriserHandler handler = new RestartAuthoriserHandler(new Env(settings));

        // An EC2 alarm from 2019 once restarted the authoriser: only what runbooks/routing.json routes here acts.
        String alarm = sample("alarms/auth-invalid-signature-alarm.json").replace("\"time\": \"2026-11-21T03:12:26Z\"",
                "\"time\": \"" + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"");
        FunctionHandler.Answer refused = invoke(handler, alarm, TIMEOUT);
        assertEquals(Outcome.REFUSED, refused.result().outcome(), refused.response());
        assertTrue(refused.result().summary().contains("alarm 'auth-invalid-signature' is not routed to restart-authoriser"),
                refused.result().summary());
        assertNull(variables(function).get(LambdaRestarter.MARKER), "an unrouted alarm restarted the authoriser");

        String command = "{\"target\": \"api-authoriser\", \"requestId\": \"INC-1\"}";
        FunctionHandler.Answer first = invoke(handler, command, TIMEOUT);
        assertEquals(Outcome.DONE, first.result().outcome(), first.response());
        String marker = variables(function).get(LambdaRestarter.MARKER);

        FunctionHandler.Answer redelivered = invoke(handler, command, TIMEOUT);
        assertEquals(Outcome.DONE, redelivered.result().outcome(), redelivered.response());
        assertEquals(first.result().summary(), redelivered.result().summary());
        assertTrue(redelivered.result().warnings().getFirst().startsWith("repeat of request request:INC-1"));

        FunctionHandler.Answer again = invoke(handler, "{\"target\": \"api-authoriser\", \"requestId\": \"INC-2\"}", TIMEOUT);
        assertEquals(Outcome.COOLDOWN, again.result().outcome(), again.response());
        assertTrue(again.result().summary().contains("request:INC-1"), again.result().summary());
        assertEquals(marker, variables(function).get(LambdaRestarter.MARKER), "acted again within the cooldown");

        FunctionHandler.Answer forced = invoke(handler, sample("restart-authoriser/command-force.json"), TIMEOUT);
        assertEquals(Outcome.DONE, forced.result().outcome(), forced.response());

        List<Entry> recorded = Ledger.from(new Env(settings)).recent(Instant.now().minusSeconds(60), "api-authoriser", Budget.of(TIMEOUT));
        assertEquals(List.of(Outcome.DONE, Outcome.COOLDOWN, Outcome.DONE), recorded.reversed().stream().map(Entry::outcome).toList());
        assertEquals("401s persist 5 minutes after the automatic restart", recorded.getFirst().reason());
        assertEquals("request:sre-2026-11-22-0320", recorded.getFirst().caller().requestKey());
    }

    @Test
    void aFinishedFlushLeadsToARestartAndAFlushInCooldownDoesNot() {
        String function = newFunction(Map.of());
        RestartAuthoriserHandler handler = handler("{\"api-authoriser\": {\"lambda\": \"" + function + "\"}, "
                + "\"oidc\": {\"eks\": \"prod\", \"namespace\": \"auth\", \"deployments\": [\"oidc-provider\"]}}");

        FunctionHandler.Answer done = invoke(handler, sample("restart-authoriser/flush-cache-done.json"), TIMEOUT);
        assertEquals(Outcome.DONE, done.result().outcome(), done.response());
        assertEquals("api-authoriser", ((RestartDetails) done.result().details()).target());

        FunctionHandler.Answer cooling = invoke(handler, sample("restart-authoriser/flush-cache-cooldown.json"), TIMEOUT);
        assertEquals(Outcome.BAD_INPUT, cooling.result().outcome());
        assertTrue(cooling.result().summary().contains("outcome COOLDOWN"), cooling.result().summary());
    }

    @Test
    void aFunctionUrlCallerIsAuditedByItsPrincipal() {
        String function = newFunction(Map.of());
        Map<String, String> settings = Fixture.settings(Fixture.MOTO.endpoint(), "{\"api-authoriser\": {\"lambda\": \"" + function + "\"}}");
        FunctionHandler.Answer answer = invoke(new RestartAuthoriserHandler(new Env(settings)), sample("restart-authoriser/function-url-restart.json"), TIMEOUT);
        assertEquals(200, answer.httpStatus(), answer.response());
        Entry entry = Ledger.from(new Env(settings)).recent(Instant.now().minusSeconds(60), null, Budget.of(TIMEOUT)).getFirst();
        assertEquals("arn:aws:sts::123456789012:assumed-role/commandbridge-operator/jo", entry.caller().principal());
        assertEquals("request:console-7f3c9a", entry.caller().requestKey());
    }

    @Test
    void badCommandsAreRefusedAndNothingIsDone() {
        String function = newFunction(Map.of("A", "1"));
        RestartAuthoriserHandler handler = handler("{\"api-authoriser\": {\"lambda\": \"" + function + "\"}, "
                + "\"oidc\": {\"eks\": \"prod\", \"namespace\": \"auth\", \"deployments\": [\"oidc-provider\"]}}");
        Map<String, String> cases = Map.of(
                "{\"target\": \"arn:aws:lambda:eu-west-2:123456789012:function:x\"}", "unknown target",
                "{}", "name a target: one of [api-authoriser, oidc]",
                "{\"target\": \"api-authoriser\", \"force\": true}", "force: true needs a reason",
                "{\"target\": \"api-authoriser\", \"reason\": \"why not\"}", "reason goes with force: true",
                "{\"target\": \"api-authoriser\", \"dryrun\": true}", "unknown field 'dryrun'");
        cases.forEach((command, message) -> {
            FunctionHandler.Answer answer = invoke(handler, command, TIMEOUT);
            assertEquals(Outcome.BAD_INPUT, answer.result().outcome(), command);
            assertTrue(answer.result().summary().contains(message), command + " → " + answer.result().summary());
        });
        FunctionHandler.Answer ok = invoke(handler, sample("alarms/auth-invalid-signature-ok.json"), TIMEOUT);
        assertEquals(Outcome.REFUSED, ok.result().outcome(), "not routed here: " + ok.response());
        assertEquals(Map.of("A", "1"), variables(function));
    }

    @Test
    void withoutItsLedgerItRefusesToActButStillDryRuns() {
        String function = newFunction(Map.of("A", "1"));
        Map<String, String> settings = Fixture.settings(Fixture.MOTO.endpoint(), "{\"api-authoriser\": {\"lambda\": \"" + function + "\"}}");
        settings.put("LEDGER_TABLE", "no-such-table");
        RestartAuthoriserHandler handler = new RestartAuthoriserHandler(new Env(settings));

        FunctionHandler.Answer refused = invoke(handler, sample("restart-authoriser/command-restart.json"), TIMEOUT);
        assertEquals(Outcome.REFUSED, refused.result().outcome(), refused.response());
        assertTrue(refused.result().summary().contains("action ledger is unavailable"), refused.result().summary());
        assertEquals(Map.of("A", "1"), variables(function));

        FunctionHandler.Answer dry = invoke(handler, "{\"dryRun\": true}", TIMEOUT);
        assertEquals(Outcome.DRY_RUN, dry.result().outcome(), dry.response());
        assertTrue(dry.result().warnings().stream().anyMatch(w -> w.contains("would be REFUSED")), dry.result().warnings().toString());
    }

    @Test
    void targetsAreCheckedAtStartUp() {
        Map<String, String> cases = Map.of(
                "[]", "must be a JSON object",
                "{}", "names no target",
                "{\"Api\": {\"lambda\": \"f\"}}", "lower-case",
                "{\"a\": {\"lambda\": \"f\", \"eks\": \"c\"}}", "exactly one of",
                "{\"a\": {\"eks\": \"c\", \"namespace\": \"auth\"}}", "deployments",
                "{\"a\": {\"lambda\": \"f\", \"qualifier\": \"3\"}}", "unknown field 'qualifier'");
        cases.forEach((targets, message) -> {
            ConfigException e = assertThrows(ConfigException.class, () -> Target.parse("RESTART_TARGETS", targets), targets);
            assertTrue(e.getMessage().contains(message) && e.getMessage().contains("RESTART_TARGETS"), e.getMessage());
        });
        assertNull(((Target.Lambda) Target.parse("T", "{\"a\": {\"lambda\": \"f\"}}").get("a")).alias());
    }
}
