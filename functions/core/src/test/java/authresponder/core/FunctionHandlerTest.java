package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge every function shares, exercised through a minimal function that records what reached it. */
class FunctionHandlerTest {

    record Greet(String action, String name, Boolean dryRun, Integer times) {}

    /** A function that acts on commands and alarms, and fails on request: enough to see the edge's rules. */
    static class GreetHandler extends FunctionHandler<Greet, String> {
        final List<Greet> ran = new ArrayList<>();
        final List<Caller> callers = new ArrayList<>();

        GreetHandler() {
            super("diagnose", Greet.class, new Env(Map.of())); // a name the routing sends an alarm to
        }

        @Override
        protected Greet commandFor(Trigger trigger) {
            if (trigger instanceof Trigger.Alarm alarm) {
                return new Greet("greet", alarm.alarm().alarmName(), false, 1);
            }
            return super.commandFor(trigger);
        }

        @Override
        protected void check(Greet command) {
            if (!"greet".equals(command.action())) {
                throw new BadInputException("unknown action '" + command.action() + "'");
            }
        }

        @Override
        protected Result<String> run(Greet command, Invocation invocation) {
            ran.add(command);
            callers.add(invocation.caller());
            if ("fail".equals(command.name())) {
                return Result.of(Outcome.FAILED, "could not greet", null);
            }
            return Result.of(Boolean.TRUE.equals(command.dryRun()) ? Outcome.DRY_RUN : Outcome.DONE, "hello " + command.name(), command.name());
        }
    }

    private final GreetHandler handler = new GreetHandler();
    private final LocalContext context = new LocalContext("greet", Duration.ofSeconds(10));

    private FunctionHandler.Answer send(String event) {
        return handler.handle(event.getBytes(StandardCharsets.UTF_8), context);
    }

    private static String url(String method, String body, boolean base64) {
        JsonObject event = new JsonObject();
        event.addProperty("version", "2.0");
        event.addProperty("rawPath", "/");
        JsonObject headers = new JsonObject();
        headers.addProperty("content-type", "application/json");
        event.add("headers", headers);
        JsonObject requestContext = new JsonObject();
        requestContext.addProperty("requestId", "req-1");
        JsonObject http = new JsonObject();
        http.addProperty("method", method);
        requestContext.add("http", http);
        JsonObject iam = new JsonObject();
        iam.addProperty("userArn", "arn:aws:sts::123456789012:assumed-role/ops-console/alice");
        iam.addProperty("accountId", "123456789012");
        JsonObject authorizer = new JsonObject();
        authorizer.add("iam", iam);
        requestContext.add("authorizer", authorizer);
        event.add("requestContext", requestContext);
        if (body != null) {
            event.addProperty("body", base64 ? Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)) : body);
        }
        event.addProperty("isBase64Encoded", base64);
        return Json.write(event);
    }

    @Test
    void directCommandRunsAndAnswersWithTypedResult() {
        FunctionHandler.Answer answer = send("{\"action\":\"greet\",\"name\":\"ops\",\"dryRun\":true,\"requestId\":\"r-42\"}");
        assertEquals(Outcome.DRY_RUN, answer.result().outcome());
        assertEquals(new Greet("greet", "ops", true, null), handler.ran.getFirst());
        assertEquals(new Caller(Caller.Kind.CONSOLE, "console", "request:r-42"), handler.callers.getFirst());
        JsonObject response = Json.parseObject(answer.response(), "response");
        assertEquals("diagnose", response.get("function").getAsString());
        assertEquals("hello ops", response.get("summary").getAsString());
    }

    @Test
    void badCommandsAreRefusedWithAClearErrorAndNoAction() {
        Map<String, String> cases = Map.of(
                "{not json", "not valid JSON",
                "[1,2]", "must be a JSON object",
                "{\"action\":\"greet\",\"nmae\":\"x\"}", "unknown field 'nmae'",
                "{\"action\":\"greet\",\"dryRun\":\"yes\"}", "field 'dryRun' must be true or false",
                "{\"action\":\"greet\",\"times\":1.5}", "field 'times' must be a whole number",
                "{\"action\":\"wave\"}", "unknown action 'wave'",
                "{\"detail-type\":\"Something Else\",\"source\":\"aws.s3\",\"detail\":{}}", "unsupported EventBridge event");
        cases.forEach((event, message) -> {
            FunctionHandler.Answer answer = send(event);
            assertEquals(Outcome.BAD_INPUT, answer.result().outcome(), event);
            assertTrue(answer.result().summary().contains(message), answer.result().summary());
        });
        assertTrue(handler.ran.isEmpty());
    }

    @Test
    void functionUrlPostIsRunWithTheCallerPrincipalAndAnswersHttp() {
        FunctionHandler.Answer answer = send(url("POST", "{\"action\":\"greet\",\"name\":\"url\"}", true));
        assertEquals(200, answer.httpStatus());
        JsonObject response = Json.parseObject(answer.response(), "response");
        assertEquals(200, response.get("statusCode").getAsInt());
        assertEquals("hello url", Json.parseObject(response.get("body").getAsString(), "body").get("summary").getAsString());
        Caller caller = handler.callers.getFirst();
        assertEquals(Caller.Kind.FUNCTION_URL, caller.kind());
        assertEquals("arn:aws:sts::123456789012:assumed-role/ops-console/alice", caller.principal());
        assertEquals("url:req-1", caller.requestKey());
    }

    @Test
    void functionUrlRefusesWrongMethodOversizeAndBadBodiesWithTheRightStatus() {
        assertEquals(405, send(url("GET", null, false)).httpStatus());
        assertTrue(send(url("GET", null, false)).response().contains("\"allow\":\"POST\""));
        String big = "{\"action\":\"greet\",\"name\":\"" + "x".repeat(FunctionHandler.MAX_COMMAND_BYTES) + "\"}";
        assertEquals(413, send(url("POST", big, false)).httpStatus());
        assertEquals(400, send(url("POST", "{oops", false)).httpStatus());
        assertEquals(400, send(url("POST", null, false)).httpStatus());
        assertEquals(400, send(url("POST", "%%%", true)).httpStatus());
        assertTrue(handler.ran.isEmpty());
    }

    /** An alarm event as EventBridge delivers it, sent now (the routing sends auth-login-failures to diagnose). */
    static String alarm(String name, String stateTimestamp) {
        return """
                {"version":"0","id":"e1","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",
                 "account":"123456789012","time":"%s","region":"eu-west-2",
                 "resources":["arn:aws:cloudwatch:eu-west-2:123456789012:alarm:%s"],
                 "detail":{"alarmName":"%s",
                   "state":{"value":"ALARM","reason":"Threshold Crossed","timestamp":"%s",
                            "reasonData":"{\\"version\\":\\"1.0\\",\\"threshold\\":5.0,\\"recentDatapoints\\":[7.5]}"},
                   "previousState":{"value":"OK","timestamp":"2026-11-20T10:00:00.000+0000"},
                   "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"Auth","name":"Http401"},"period":60,"stat":"Sum"},"returnData":true}]}}}
                """.formatted(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), name, name, stateTimestamp);
    }

    @Test
    void alarmEventBecomesACommandKeyedByAlarmAndStateTime() {
        FunctionHandler.Answer answer = send(alarm("auth-login-failures", "2026-11-21T03:00:04.123+0000"));
        assertEquals(Outcome.DONE, answer.result().outcome());
        assertEquals("alarm:auth-login-failures@2026-11-21T03:00:04.123Z", handler.callers.getFirst().requestKey());
        assertEquals(Caller.Kind.ALARM, handler.callers.getFirst().kind());
    }

    @Test
    void eventDrivenFailureIsRethrownToLambdaButADirectOneIsAnswered() throws Exception {
        GreetHandler failing = new GreetHandler() {
            @Override
            protected Greet commandFor(Trigger trigger) {
                return trigger instanceof Trigger.Alarm ? new Greet("greet", "fail", false, 1) : super.commandFor(trigger);
            }
        };
        String alarmFail = alarm("auth-login-failures", "2026-11-21T03:00:04.123+0000");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ActionFailedException thrown = assertThrows(ActionFailedException.class, () -> failing.handleRequest(
                new ByteArrayInputStream(alarmFail.getBytes(StandardCharsets.UTF_8)), out, context));
        assertEquals("could not greet", thrown.getMessage());

        ByteArrayOutputStream direct = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream("{\"action\":\"greet\",\"name\":\"fail\"}".getBytes(StandardCharsets.UTF_8)), direct, context);
        assertTrue(direct.toString(StandardCharsets.UTF_8).contains("\"outcome\":\"FAILED\""));
    }

    @Test
    void functionResultsAreRefusedByAFunctionThatDoesNotTakeThem() {
        String relayed = """
                {"detail-type":"Lambda Function Invocation Result - Success","source":"lambda",
                 "detail":{"requestContext":{"requestId":"abc","functionArn":"arn:aws:lambda:eu-west-2:123456789012:function:diagnose:$LATEST"},
                           "responsePayload":{"outcome":"DONE"}}}
                """;
        FunctionHandler.Answer answer = send(relayed);
        assertEquals(Outcome.BAD_INPUT, answer.result().outcome());
        assertTrue(answer.result().summary().contains("not started by other functions' results"));
        assertNull(answer.result().details());
        assertFalse(answer.response().contains("Exception"));
    }
}
