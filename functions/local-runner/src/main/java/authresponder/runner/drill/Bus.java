package authresponder.runner.drill;

import authresponder.core.AlarmEvent;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Json;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.core.Trigger;
import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import authresponder.core.policy.Verdict;
import authresponder.runner.Main;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What EventBridge and Lambda do between the alarms and the functions in AWS, on this machine and from the
 * same routing data (runbooks/routing.json): an alarm's state change goes to the functions routed for it;
 * diagnose's result, relayed as a Lambda destination event, starts its verdict's chain of actions; each
 * action's function gets the action's command (an EventBridge rule target's input, with the relayed event's
 * id as its request id), or the relayed result itself when the action takes the result; the next step
 * follows each outcome as the chain rules say. Every handler is the real one, built with the stage's
 * settings and invoked through handle(), as Lambda does.
 */
final class Bus {
    static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(30);

    /** One function invocation: what it was asked (the action, if any), how it ended, its full answer. */
    record Step(String function, String action, Outcome outcome, String summary, Duration took, JsonObject result) {
        boolean wired() {
            return outcome != null;
        }
    }

    private final Policy policy;
    private final Env env;
    private final Timeline timeline;
    private final Map<String, FunctionHandler<?, ?>> handlers = new ConcurrentHashMap<>();
    private final Map<String, String> unwired = new ConcurrentHashMap<>();
    private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());

    Bus(Policy policy, Env env, Timeline timeline) {
        this.policy = policy;
        this.env = env;
        this.timeline = timeline;
    }

    List<Step> steps() {
        synchronized (steps) {
            return List.copyOf(steps);
        }
    }

    /** Functions this runner could not build (not landed yet, or misconfigured), with why. */
    Map<String, String> unwired() {
        return Map.copyOf(unwired);
    }

    /** An alarm changed state: deliver it as the routing says, and follow what comes of it. */
    void alarm(JsonObject event) {
        AlarmEvent alarm = AlarmEvent.from(event);
        List<String> functions = policy.routing().functionsFor(alarm.alarmName(), alarm.state());
        timeline.note("alarm", alarm.alarmName() + " → " + alarm.state()
                + (functions.isEmpty() ? " (routes to no function)" : " → " + String.join(", ", functions)));
        for (String function : functions) {
            Step step = invoke(function, null, event);
            if (function.equals("diagnose") && step.wired()) {
                verdict(step).ifPresent(verdict -> follow(verdict, step));
            }
        }
    }

    /** An EventBridge schedule fires for a function ("Scheduled Event"). */
    void schedule(String function) {
        JsonObject event = new JsonObject();
        event.addProperty("version", "0");
        event.addProperty("id", UUID.randomUUID().toString());
        event.addProperty("detail-type", "Scheduled Event");
        event.addProperty("source", "aws.events");
        event.addProperty("account", AlarmEvents.ACCOUNT);
        event.addProperty("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        event.addProperty("region", AlarmEvents.REGION);
        event.add("resources", new com.google.gson.JsonArray());
        event.getAsJsonArray("resources").add("arn:aws:events:" + AlarmEvents.REGION + ":" + AlarmEvents.ACCOUNT + ":rule/" + function + "-every-minute");
        event.add("detail", new JsonObject());
        timeline.note("schedule", function + "-every-minute → " + function);
        invoke(function, function, event);
    }

    /** The verdict in a diagnose answer: details.verdict, which the EventBridge rules match on. */
    static Optional<Verdict> verdict(Step diagnosis) {
        JsonObject details = diagnosis.result().has("details") && diagnosis.result().get("details").isJsonObject()
                ? diagnosis.result().getAsJsonObject("details") : null;
        if (details == null || !details.has("verdict")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Verdict.valueOf(details.get("verdict").getAsString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void follow(Verdict verdict, Step diagnosis) {
        Optional<String> next = policy.firstAction(verdict);
        if (next.isEmpty()) {
            timeline.note("route", verdict + ": no action (" + policy.runbookOf(verdict).path() + ")");
            return;
        }
        Step previous = diagnosis;
        while (next.isPresent()) {
            String action = next.get();
            Routing.Action route = policy.routing().action(action);
            JsonObject relayed = destinationEvent(previous);
            JsonObject input = route.input() == Routing.Input.RESULT ? relayed : withRequestId(route.command(), relayed);
            timeline.note("route", verdict + " → " + action + " → " + route.function());
            Step step = invoke(route.function(), action, input);
            if (!step.wired()) {
                return;
            }
            next = policy.nextAction(verdict, action, step.outcome());
            if (next.isEmpty() && policy.routing().chain().stopOn().contains(step.outcome())) {
                timeline.note("route", action + " ended " + step.outcome() + ": the chain stops here");
            }
            previous = step;
        }
    }

    private Step invoke(String function, String action, JsonObject event) {
        FunctionHandler<?, ?> handler = handler(function);
        if (handler == null) {
            timeline.note(function, "NOT WIRED: " + unwired.get(function));
            Step step = new Step(function, action, null, "not wired", Duration.ZERO, new JsonObject());
            steps.add(step);
            return step;
        }
        Instant started = Instant.now();
        FunctionHandler.Answer answer = handler.handle(Json.write(event).getBytes(StandardCharsets.UTF_8), new LocalContext(function, FUNCTION_TIMEOUT));
        Duration took = Duration.between(started, Instant.now());
        JsonObject result = Json.parseObject(Json.write(answer.result()), "a result");
        Step step = new Step(function, action, answer.result().outcome(), answer.result().summary(), took, result);
        steps.add(step);
        timeline.done(function, step.outcome() + ": " + step.summary(), took);
        return step;
    }

    private FunctionHandler<?, ?> handler(String function) {
        if (unwired.containsKey(function)) {
            return null;
        }
        return handlers.computeIfAbsent(function, name -> {
            try {
                return Main.handler(name, env);
            } catch (RuntimeException e) {
                unwired.put(name, e.getMessage());
                return null;
            }
        });
    }

    /** A function's answer as a Lambda destination relays it onto EventBridge ("Lambda Function Invocation Result - ..."). */
    static JsonObject destinationEvent(Step step) {
        boolean success = step.outcome() != Outcome.FAILED;
        String arn = "arn:aws:lambda:" + AlarmEvents.REGION + ":" + AlarmEvents.ACCOUNT + ":function:" + step.function() + ":$LATEST";
        JsonObject requestContext = new JsonObject();
        requestContext.addProperty("requestId", UUID.randomUUID().toString());
        requestContext.addProperty("functionArn", arn);
        requestContext.addProperty("condition", success ? "Success" : "RetriesExhausted");
        requestContext.addProperty("approximateInvokeCount", 1);
        JsonObject responseContext = new JsonObject();
        responseContext.addProperty("statusCode", 200);
        responseContext.addProperty("executedVersion", "$LATEST");
        JsonObject detail = new JsonObject();
        detail.addProperty("version", "1.0");
        detail.addProperty("timestamp", Instant.now().toString());
        detail.add("requestContext", requestContext);
        detail.add("requestPayload", new JsonObject());
        detail.add("responseContext", responseContext);
        detail.add("responsePayload", step.result());
        JsonObject event = new JsonObject();
        event.addProperty("version", "0");
        event.addProperty("id", UUID.randomUUID().toString());
        event.addProperty("detail-type", success ? Trigger.FunctionResult.SUCCESS : Trigger.FunctionResult.FAILURE);
        event.addProperty("source", "lambda");
        event.addProperty("account", AlarmEvents.ACCOUNT);
        event.addProperty("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        event.addProperty("region", AlarmEvents.REGION);
        event.add("resources", new com.google.gson.JsonArray());
        event.getAsJsonArray("resources").add(arn);
        event.add("detail", detail);
        return event;
    }

    /** The action's command, as an EventBridge input transformer sends it: the relayed event's id makes redeliveries one request. */
    private static JsonObject withRequestId(JsonObject command, JsonObject relayed) {
        command.addProperty("requestId", "event:" + relayed.get("id").getAsString());
        return command;
    }
}
