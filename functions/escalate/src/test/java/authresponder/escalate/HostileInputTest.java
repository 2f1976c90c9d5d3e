package authresponder.escalate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.testkit.HostileCorpus;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus (testkit's hostile/*.json) through escalate's handler as Lambda calls it: each
 * case is answered as the corpus says, no team's topic gets a page and the ledger stays empty. And the
 * other side of best effort: a relayed result that is itself malformed still pages.
 */
class HostileInputTest {
    private static OnCall onCall;
    private static EscalateHandler handler;

    @BeforeAll
    static void start() {
        onCall = new OnCall();
        handler = new EscalateHandler(new Env(onCall.env()));
    }

    @AfterAll
    static void stop() {
        onCall.close();
    }

    static List<HostileCorpus.Case> cases() {
        return HostileCorpus.forFunction("escalate");
    }

    private static int ledgerItems() {
        return onCall.dynamo.scan(b -> b.tableName(onCall.table)).count();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answeredAsTheCorpusSaysAndNobodyIsPaged(HostileCorpus.Case c) {
        HostileCorpus.run(c, (event, response) -> handler.handleRequest(event, response,
                new LocalContext("escalate", Duration.ofSeconds(30))), Log::redirect);
        OnCall.TEAMS.forEach(team -> assertEquals(0, onCall.pages(team).size(), c + ": " + team + " was paged"));
        assertEquals(0, ledgerItems(), c + ": the ledger changed");
    }

    /** The failed flush sample with its relayed parts bent out of shape. */
    private static byte[] failedFlush(Consumer<JsonObject> bend) {
        JsonObject event = Samples.json("result-flush-cache-failed.json");
        event.addProperty("id", java.util.UUID.randomUUID().toString());
        event.getAsJsonObject("detail").getAsJsonObject("requestContext").addProperty("requestId", java.util.UUID.randomUUID().toString());
        bend.accept(event.getAsJsonObject("detail"));
        return Samples.bytes(event);
    }

    @Test
    void aMalformedRelayedResultStillPagesBestEffort() {
        List<Consumer<JsonObject>> bends = List.of(
                detail -> {
                    JsonObject response = detail.getAsJsonObject("responsePayload");
                    response.add("errorMessage", new JsonArray());
                    response.addProperty("errorType", 42);
                },
                detail -> {
                    // the alarm behind it, relayed inside the diagnosis it followed, with datapoints of the wrong shape
                    JsonObject alarm = detail.getAsJsonObject("requestPayload").getAsJsonObject("detail").getAsJsonObject("requestPayload");
                    JsonObject state = alarm.getAsJsonObject("detail").getAsJsonObject("state");
                    state.addProperty("reasonData", "{\"recentDatapoints\":[\"x\"],\"threshold\":\"high\"}");
                    alarm.add("resources", new JsonPrimitive("not a list"));
                },
                detail -> detail.add("requestPayload", new JsonPrimitive("not an object")),
                detail -> detail.getAsJsonObject("requestPayload").getAsJsonObject("detail").add("responsePayload",
                        new JsonPrimitive("{\"details\":{\"verdict\":7}}")));
        for (Consumer<JsonObject> bend : bends) {
            Answer answer = handler.handle(failedFlush(bend), new LocalContext("escalate", Duration.ofSeconds(30)));
            assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
            assertFalse(answer.result().summary().contains("Exception"), answer.result().summary());
            assertEquals(1, OnCall.TEAMS.stream().mapToInt(team -> onCall.pages(team).size()).sum(), answer.response());
            forgetPages(); // the next bend is the same incident: not to be taken for a repeat
        }
    }

    /** The sample alarm as a deployment names it (DEPLOYMENT_NAME-alarm: the contract with the CDK app). */
    private static byte[] named(String alarmName) {
        JsonObject event = Samples.json("alarm-auth-error-rate.json");
        event.getAsJsonObject("detail").addProperty("alarmName", alarmName);
        return Samples.bytes(event);
    }

    @Test
    void underADeploymentNameOnlyThatDeploymentsAlarmsAct() {
        java.util.Map<String, String> env = new java.util.HashMap<>(onCall.env());
        env.put("DEPLOYMENT_NAME", "prod");
        EscalateHandler prod = new EscalateHandler(new Env(env));
        for (String other : List.of("auth-error-rate", "staging-auth-error-rate", "prod-auth-401-spike", "prodauth-error-rate")) {
            Answer refused = prod.handle(named(other), new LocalContext("escalate", Duration.ofSeconds(30)));
            assertEquals(Outcome.REFUSED, refused.result().outcome(), refused.response());
            assertTrue(refused.result().summary().contains("'" + other + "' is not routed to escalate")
                    && refused.result().summary().contains("named prod-<alarm> in deployment prod"), refused.result().summary());
        }
        OnCall.TEAMS.forEach(team -> assertEquals(0, onCall.pages(team).size(), team));

        Answer paged = prod.handle(named("prod-auth-error-rate"), new LocalContext("escalate", Duration.ofSeconds(30)));
        assertEquals(Outcome.DONE, paged.result().outcome(), paged.response());
        List<OnCall.Envelope> pages = onCall.pages("auth-team");
        assertEquals(1, pages.size());
        assertTrue(pages.getFirst().text().contains("auth-error-rate"), pages.getFirst().text());
        forgetPages();
    }

    /** Empties the ledger again: every corpus case checks that it stays empty. */
    private static void forgetPages() {
        onCall.dynamo.scan(b -> b.tableName(onCall.table)).items().forEach(item -> onCall.dynamo.deleteItem(b -> b.tableName(onCall.table)
                .key(Map.of("pk", item.get("pk"), "sk", item.get("sk")))));
    }
}
