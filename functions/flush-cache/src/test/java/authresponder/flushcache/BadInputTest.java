package authresponder.flushcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.testkit.RedisServer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad input is refused with a clear error, over a live cache whose keys all stay where they are. */
class BadInputTest {
    private static RedisServer redis;
    private static Seed seed;
    private static FlushCacheHandler handler;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        seed = new Seed(redis.url()).keys("jwks:", 5).keys("token:", 50).keys("session:", 10);
        handler = Fixture.handler(Map.of("CACHE_URL", redis.url()), Fixture.noCooldown());
    }

    @AfterAll
    static void stop() {
        seed.close();
        redis.close();
    }

    private static Answer send(String event) {
        Answer answer = handler.handle(event.getBytes(StandardCharsets.UTF_8), new LocalContext("flush-cache", Duration.ofSeconds(10)));
        assertEquals(65, seed.size(), "bad input must not touch the cache: " + answer.response());
        return answer;
    }

    /** The published Function URL sample with its body (and method) replaced. */
    private static String url(String method, String body, boolean base64) {
        JsonObject request = Samples.json("function-url-flush-jwks-dry-run.json");
        request.getAsJsonObject("requestContext").getAsJsonObject("http").addProperty("method", method);
        request.addProperty("body", base64 ? Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)) : body);
        request.addProperty("isBase64Encoded", base64);
        return request.toString();
    }

    private static void assertBadInput(Answer answer, String expected) {
        assertEquals(Outcome.BAD_INPUT, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains(expected), answer.result().summary());
    }

    private static void assertHttp(Answer answer, int status, String expected) {
        assertEquals(status, answer.httpStatus(), answer.response());
        JsonObject response = JsonParser.parseString(answer.response()).getAsJsonObject();
        assertEquals(status, response.get("statusCode").getAsInt());
        JsonObject body = JsonParser.parseString(response.get("body").getAsString()).getAsJsonObject();
        assertEquals("BAD_INPUT", body.get("outcome").getAsString());
        assertTrue(body.get("summary").getAsString().contains(expected), body.toString());
    }

    @Test
    void malformedJson() {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":"), "not valid JSON");
        assertHttp(send(url("POST", "{\"action\":\"flush\"", false)), 400, "not valid JSON");
        assertHttp(send(url("POST", "[\"flush\"]", false)), 400, "must be a JSON object");
    }

    @Test
    void unknownField() {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":\"jwks\",\"dryrun\":true}"), "unknown field 'dryrun'");
        assertHttp(send(url("POST", "{\"action\":\"flush\",\"scope\":\"jwks\",\"pattern\":\"*\"}", false)), 400, "unknown field 'pattern'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sessions", "*", "jwks:*", "JWKS"})
    void unknownScope(String scope) {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":\"" + scope + "\"}"), "unknown scope");
    }

    @Test
    void emptyScope() {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":\"\"}"), "field 'scope' must not be empty");
    }

    @Test
    void missingOrUnknownAction() {
        assertBadInput(send("{\"scope\":\"jwks\"}"), "field 'action' is required");
        assertBadInput(send("{\"action\":\"restart\",\"scope\":\"jwks\"}"), "unknown action 'restart'");
        assertBadInput(send("{\"action\":\"flush\"}"), "field 'scope' is required");
    }

    @Test
    void wrongType() {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":\"jwks\",\"dryRun\":\"yes\"}"), "field 'dryRun' must be true or false");
        assertBadInput(send("{\"action\":\"flush\",\"scope\":[\"jwks\"]}"), "field 'scope' must be a string");
        assertHttp(send(url("POST", "{\"action\":\"flush\",\"scope\":7}", false)), 400, "field 'scope' must be a string");
    }

    @Test
    void wrongMethodIs405() {
        Answer answer = send(url("GET", "", false));
        assertHttp(answer, 405, "method GET is not allowed");
        assertTrue(answer.response().contains("\"allow\":\"POST\""), answer.response());
    }

    @Test
    void oversizedBodyIs413() {
        String big = "{\"action\":\"flush\",\"scope\":\"jwks\",\"dryRun\":true" + " ".repeat(FunctionHandler.MAX_COMMAND_BYTES) + "}";
        assertHttp(send(url("POST", big, false)), 413, "at most " + FunctionHandler.MAX_COMMAND_BYTES);
        assertHttp(send(url("POST", big, true)), 413, "at most " + FunctionHandler.MAX_COMMAND_BYTES);
    }

    @Test
    void base64Bodies() {
        assertHttp(send(url("POST", "{\"action\":\"flush\",\"scope\":\"everything\"}", true)), 400, "unknown scope 'everything'");
        JsonObject notBase64 = JsonParser.parseString(url("POST", "{}", false)).getAsJsonObject();
        notBase64.addProperty("body", "%%% not base64 %%%");
        notBase64.addProperty("isBase64Encoded", true);
        assertHttp(send(notBase64.toString()), 400, "not valid base64");
        Answer dryRun = send(url("POST", "{\"action\":\"flush\",\"scope\":\"jwks\",\"dryRun\":true}", true));
        assertEquals(200, dryRun.httpStatus(), dryRun.response());
        assertEquals(Outcome.DRY_RUN, dryRun.result().outcome());
    }

    @Test
    void theCallerPrincipalComesFromTheIamRequestContext() {
        Answer answer = send(Samples.text("function-url-flush-jwks-dry-run.json"));
        assertEquals(200, answer.httpStatus(), answer.response());
        assertEquals(Outcome.DRY_RUN, answer.result().outcome());
        assertEquals("arn:aws:sts::123456789012:assumed-role/commandbridge-ops-console/oncall-alice", answer.caller().principal());
        assertEquals("url:6f1c7c1e-3b1a-4c55-9d53-0c6a4b8f2e10", answer.result().requestKey());
        assertEquals(5, ((FlushReport) answer.result().details()).keys());
    }

    @Test
    void anAlarmIsNotACommandForFlushCache() {
        JsonObject alarm = Samples.json("diagnose-verdict-stale-key-cache.json").getAsJsonObject("detail").getAsJsonObject("requestPayload");
        Answer answer = send(alarm.toString());
        assertEquals(Outcome.REFUSED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("is not routed to flush-cache: runbooks/routing.json routes no alarm to it"),
                answer.result().summary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "**", "?*", "[a-z]*", "jwks:*,*"})
    void aPatternThatMatchesAnyKeyIsRefusedAtStartUp(String patterns) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new FlushCacheHandler(new Env(Map.of("CACHE_URL", redis.url(), "FLUSH_SCOPE_JWKS", patterns))));
        assertTrue(e.getMessage().startsWith("FLUSH_SCOPE_JWKS"), e.getMessage());
    }

    @Test
    void settingsAreCheckedAtStartUp() {
        assertTrue(assertThrows(ConfigException.class, () -> new FlushCacheHandler(new Env(Map.of())))
                .getMessage().contains("CACHE_URL"));
    }

    @Test
    void forceNeedsAReason() {
        assertBadInput(send("{\"action\":\"flush\",\"scope\":\"jwks\",\"force\":true}"), "needs a reason");
    }
}
