package authresponder.restart;

import static authresponder.restart.Fixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Lambda paths moto cannot show (it is Successful at once, with no RevisionId): a Lambda stand-in in
 * Lambda's wire format behind one AWS endpoint, the ledger in moto's DynamoDB behind the same endpoint.
 */
class LambdaWireTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private AwsFront front;
    private FakeLambda authoriser;

    @BeforeEach
    void start() {
        authoriser = new FakeLambda("authoriser", Map.of("JWKS_URL", "https://idp.example.com/jwks", "CACHE_TTL", "300"));
        front = new AwsFront(Fixture.MOTO.endpoint()).with("lambda", authoriser);
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private RestartAuthoriserHandler handler(String target) {
        return new RestartAuthoriserHandler(new Env(Fixture.settings(front.endpoint(), "{\"api-authoriser\": " + target + "}")));
    }

    private static final String RESTART = "{\"target\": \"api-authoriser\"}";

    @Test
    void primingBuildsTheClientsWithoutACallAndThePrimedHandlerRestarts() {
        RestartAuthoriserHandler handler = handler("{\"lambda\": \"authoriser\"}");
        handler.prime();
        assertEquals(List.of(), authoriser.requests, "priming calls nothing");

        FunctionHandler.Answer answer = invoke(handler, RESTART, TIMEOUT);
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals(1, authoriser.updates);
    }

    @Test
    void itWaitsWhileTheUpdateIsInProgress() {
        authoriser.inProgressReads = 3;
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\"}"), RESTART, TIMEOUT);
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals("Successful", ((RestartDetails) answer.result().details()).lambda().lastUpdateStatus());
        assertEquals(1, authoriser.updates);
        assertTrue(authoriser.requests.stream().filter(r -> r.startsWith("GET")).count() >= 4, authoriser.requests.toString());
    }

    @Test
    void aFailedUpdateIsAFailureWithLambdasReason() {
        authoriser.inProgressReads = 1;
        authoriser.settleAs = "Failed";
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\"}"), RESTART, TIMEOUT);
        assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("LastUpdateStatus Failed (EniLimitExceeded"), answer.result().summary());
    }

    @Test
    void anUpdateStillInProgressAtTheBudgetsEndIsPartial() {
        authoriser.inProgressReads = Integer.MAX_VALUE;
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\"}"), RESTART, Duration.ofSeconds(5));
        assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("still reports LastUpdateStatus InProgress"), answer.result().summary());
        assertTrue(answer.result().duration().compareTo(Duration.ofSeconds(5)) < 0, "took " + answer.result().duration());
    }

    @Test
    void aConflictingUpdateIsRetriedWithBackoff() {
        authoriser.conflicts = 2;
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\"}"), RESTART, TIMEOUT);
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertTrue(((RestartDetails) answer.result().details()).steps().getFirst().contains("3 attempts"),
                ((RestartDetails) answer.result().details()).steps().toString());
        assertEquals(1, authoriser.updates);
    }

    @Test
    void aConcurrentChangeIsNotOverwritten() {
        authoriser.interference = Map.of("FEATURE_FLAG", "on");
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\"}"), RESTART, TIMEOUT);
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals("on", authoriser.variables.get("FEATURE_FLAG"));
        assertEquals("300", authoriser.variables.get("CACHE_TTL"));
        assertTrue(authoriser.variables.containsKey(LambdaRestarter.MARKER));
        assertTrue(authoriser.requests.stream().filter(r -> r.startsWith("PUT")).count() == 2, authoriser.requests.toString());
    }

    @Test
    void anAliasIsMovedOnlyOnceTheUpdateIsDone() {
        authoriser.alias("live", "1");
        authoriser.inProgressReads = 2;
        FunctionHandler.Answer answer = invoke(handler("{\"lambda\": \"authoriser\", \"alias\": \"live\"}"), RESTART, TIMEOUT);
        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        assertEquals("2", authoriser.aliasVersion("live"));
        List<String> order = authoriser.requests.stream().filter(r -> !r.startsWith("GET")).toList();
        assertEquals(List.of("PUT /2015-03-31/functions/authoriser/configuration", "POST /2015-03-31/functions/authoriser/versions",
                "PUT /2015-03-31/functions/authoriser/aliases/live"), order);
    }

    @Test
    void twoInvocationsAtOnceRestartOnce() throws Exception {
        authoriser.inProgressReads = 2;
        RestartAuthoriserHandler handler = handler("{\"lambda\": \"authoriser\"}");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<FunctionHandler.Answer>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (String id : List.of("first", "second")) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return invoke(handler, "{\"target\": \"api-authoriser\", \"requestId\": \"" + id + "\"}", TIMEOUT);
                }));
            }
            start.countDown();
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<FunctionHandler.Answer> answer : answers) {
                outcomes.add(answer.get().result().outcome());
            }
            assertEquals(1, outcomes.stream().filter(o -> o == Outcome.DONE).count(), outcomes.toString());
            assertEquals(1, outcomes.stream().filter(o -> o == Outcome.COOLDOWN).count(), outcomes.toString());
        }
        assertEquals(1, authoriser.updates);
    }
}
