package authresponder.runner.drill;

import authresponder.core.FunctionHandler;
import authresponder.core.Json;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.core.Trigger;
import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Lambda's asynchronous invocation, on this machine, for the functions the EventBridge rules target: moto
 * delivers a rule's event to an SQS queue that stands in for the function, and this drains those queues,
 * as AWS documents it:
 * <ul>
 * <li>"How Lambda handles asynchronous invocations" (docs.aws.amazon.com/lambda/latest/dg/invocation-async.html)
 * and "Error handling and automatic retries" (invocation-async-error-handling.html): an invocation that
 * returns an error (the handler throws) is retried up to the function's {@code MaximumRetryAttempts}, while the
 * event is younger than {@code MaximumEventAgeInSeconds} (both from the synthesized
 * AWS::Lambda::EventInvokeConfig). Lambda waits about a minute before the first retry and two before the
 * second; the drill runs them at once and says so. A function runs at most its reserved concurrency at once.</li>
 * <li>"Capturing records of Lambda asynchronous invocations" (invocation-async-retain-records.html): after
 * the last attempt Lambda sends an invocation record ({@code version}, {@code timestamp}, {@code requestContext}
 * with {@code requestId}, {@code functionArn}, {@code condition}, {@code approximateInvokeCount};
 * {@code requestPayload}; {@code responseContext} with {@code statusCode}, {@code executedVersion},
 * {@code functionError}; {@code responsePayload}) to the on-success or on-failure destination. To an
 * EventBridge bus it is the detail of an event from source {@code lambda} with detail-type "Lambda Function
 * Invocation Result - Success" or "- Failure"; to an SQS queue it is the message body.</li>
 * </ul>
 * Every handler is the real one, invoked through {@code handleRequest} as the Lambda runtime invokes it.
 */
final class AsyncLambda {
    /** One deployed function: its stand-in queue and its asynchronous-invoke configuration, as synthesized. */
    record Function(String id, String arn, String qualifier, String queueUrl, int retries, Duration maxEventAge,
                    String onSuccess, String onFailure, int concurrency, Duration timeout, FunctionHandler<?, ?> handler, String unwired) {}

    /**
     * One attempt of one invocation: what it was asked (the action, if any), how it ended, its full answer.
     *
     * @param outcome null when the function is not built into this runner
     * @param error   the error Lambda saw (the handler threw), else null
     */
    record Step(String function, String action, int attempt, Outcome outcome, String summary, Duration took, JsonObject result, String error) {
        boolean wired() {
            return outcome != null;
        }
    }

    private final Map<String, Function> functions;
    private final SqsClient sqs;
    private final EventBridgeClient events;
    private final Policy policy;
    private final Timeline timeline;
    private final BiConsumer<String, Integer> beforeAttempt;
    private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());

    /** @param beforeAttempt told the function and the attempt just before each attempt runs: how a scenario breaks something mid-chain */
    AsyncLambda(Map<String, Function> functions, SqsClient sqs, EventBridgeClient events, Policy policy, Timeline timeline,
                BiConsumer<String, Integer> beforeAttempt) {
        this.functions = functions;
        this.sqs = sqs;
        this.events = events;
        this.policy = policy;
        this.timeline = timeline;
        this.beforeAttempt = beforeAttempt;
    }

    List<Step> steps() {
        synchronized (steps) {
            return List.copyOf(steps);
        }
    }

    /**
     * Runs what is queued for the functions, and what their records start, until nothing is left: each wave takes
     * every queued event, runs them at once (each function within its reserved concurrency), and the records they
     * send queue the next wave.
     */
    void drain() {
        while (true) {
            List<Callable<Void>> wave = new ArrayList<>();
            for (Function function : functions.values()) {
                Semaphore concurrency = new Semaphore(Math.max(1, function.concurrency()));
                for (Message message : queued(function)) {
                    wave.add(() -> {
                        concurrency.acquireUninterruptibly();
                        try {
                            invoke(function, message);
                            return null;
                        } finally {
                            concurrency.release();
                        }
                    });
                }
            }
            if (wave.isEmpty()) {
                return;
            }
            try (ExecutorService lambda = Executors.newFixedThreadPool(wave.size())) {
                for (Future<Void> done : lambda.invokeAll(wave)) {
                    done.get(); // the drill's own failure (moto refused a record...) stops the drill, never silently
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the functions ran", e);
            }
        }
    }

    private List<Message> queued(Function function) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(function.queueUrl()).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
            if (messages.isEmpty()) {
                return all;
            }
            all.addAll(messages);
        }
    }

    private void invoke(Function function, Message message) {
        JsonElement payload = payload(message.body());
        String action = action(function.id(), payload);
        Instant queuedAt = Instant.ofEpochMilli(Long.parseLong(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP)));
        String requestId = UUID.randomUUID().toString();
        int attempts = 0;
        Attempt last = null;
        String condition;
        while (true) {
            if (Duration.between(queuedAt, Instant.now()).compareTo(function.maxEventAge()) > 0) {
                condition = "EventAgeExceeded";
                break;
            }
            attempts++;
            timeline.note("lambda", function.id() + " ← " + describe(payload, action) + (attempts > 1 ? ", retry " + (attempts - 1) + " of "
                    + function.retries() + " (Lambda would wait " + (attempts - 1) + " min first; the drill does not)" : ""));
            beforeAttempt.accept(function.id(), attempts);
            last = attempt(function, action, attempts, message.body());
            if (last == null || last.error() == null) {
                condition = "Success";
                break;
            }
            if (attempts > function.retries()) {
                condition = "RetriesExhausted";
                break;
            }
        }
        if (last != null) {
            deliver(function, record(function, requestId, condition, attempts, payload, last));
        }
        sqs.deleteMessage(r -> r.queueUrl(function.queueUrl()).receiptHandle(message.receiptHandle()));
    }

    private record Attempt(JsonObject response, String errorType, String error) {}

    /** One run of the handler as the Java runtime makes it: the event in, the answer out, or an error when it throws. */
    private Attempt attempt(Function function, String action, int attempt, String event) {
        if (function.handler() == null) {
            timeline.note(function.id(), "NOT WIRED: " + function.unwired());
            steps.add(new Step(function.id(), action, attempt, null, "not wired", Duration.ZERO, new JsonObject(), null));
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Instant started = Instant.now();
        Throwable thrown = null;
        try {
            function.handler().handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                    new LocalContext(function.id(), function.timeout()));
        } catch (Exception | Error e) {
            thrown = e;
        }
        Duration took = Duration.between(started, Instant.now());
        JsonObject result = payload(out.toString(StandardCharsets.UTF_8)) instanceof JsonObject o ? o : new JsonObject();
        Outcome outcome = result.has("outcome") ? Outcome.valueOf(result.get("outcome").getAsString()) : Outcome.FAILED;
        String summary = result.has("summary") ? result.get("summary").getAsString() : String.valueOf(thrown);
        String error = thrown == null ? null : thrown.getClass().getSimpleName() + ": " + thrown.getMessage();
        steps.add(new Step(function.id(), action, attempt, outcome, summary, took, result, error));
        timeline.done(function.id(), outcome + ": " + summary + (thrown == null ? "" : " — the handler threw " + thrown.getClass().getSimpleName()), took);
        return new Attempt(result, thrown == null ? null : thrown.getClass().getName(), thrown == null ? null : String.valueOf(thrown.getMessage()));
    }

    /** The invocation record, in the shape "Capturing records of Lambda asynchronous invocations" documents. */
    private static JsonObject record(Function function, String requestId, String condition, int attempts, JsonElement payload, Attempt last) {
        JsonObject requestContext = new JsonObject();
        requestContext.addProperty("requestId", requestId);
        requestContext.addProperty("functionArn", function.arn() + ":" + function.qualifier());
        requestContext.addProperty("condition", condition);
        requestContext.addProperty("approximateInvokeCount", attempts);
        JsonObject responseContext = new JsonObject();
        responseContext.addProperty("statusCode", 200);
        responseContext.addProperty("executedVersion", "$LATEST");
        JsonElement responsePayload = last.response();
        if (last.error() != null) {
            responseContext.addProperty("functionError", "Unhandled");
            JsonObject error = new JsonObject();
            error.addProperty("errorMessage", last.error());
            error.addProperty("errorType", last.errorType());
            error.add("stackTrace", new JsonArray());
            responsePayload = error;
        }
        JsonObject record = new JsonObject();
        record.addProperty("version", "1.0");
        record.addProperty("timestamp", Instant.now().toString());
        record.add("requestContext", requestContext);
        record.add("requestPayload", payload);
        record.add("responseContext", responseContext);
        record.add("responsePayload", responsePayload);
        return record;
    }

    /** The record to the destination its condition names: an EventBridge bus (an event from "lambda") or an SQS queue (the body). */
    private void deliver(Function function, JsonObject record) {
        boolean success = "Success".equals(record.getAsJsonObject("requestContext").get("condition").getAsString());
        String destination = success ? function.onSuccess() : function.onFailure();
        String kind = success ? "success" : "failure";
        if (destination == null) {
            timeline.note("lambda", function.id() + ": no " + kind + " destination, the record goes nowhere");
            return;
        }
        String[] arn = destination.split(":", 6);
        switch (arn[2]) {
            case "events" -> {
                PutEventsResponse put = events.putEvents(r -> r.entries(e -> e.eventBusName(destination).source("lambda")
                        .detailType(success ? Trigger.FunctionResult.SUCCESS : Trigger.FunctionResult.FAILURE)
                        .resources(destination, record.getAsJsonObject("requestContext").get("functionArn").getAsString())
                        .detail(Json.write(record))));
                if (put.failedEntryCount() > 0) {
                    throw new IllegalStateException("the bus refused " + function.id() + "'s " + kind + " record: " + put.entries());
                }
                timeline.note("lambda", function.id() + "'s " + kind + " record → bus " + arn[5].substring("event-bus/".length()));
            }
            case "sqs" -> {
                String queue = sqs.getQueueUrl(r -> r.queueName(arn[5])).queueUrl();
                sqs.sendMessage(r -> r.queueUrl(queue).messageBody(Json.write(record)));
                timeline.note("lambda", function.id() + "'s " + kind + " record → queue " + arn[5]);
            }
            default -> throw new IllegalStateException(function.id() + ": the drill does not deliver records to " + destination);
        }
    }

    /**
     * What an event asks of a function, for the timeline and the final table: the runbooks' action whose command
     * it carries (a rule's input), the paging action for a relayed record sent to the function that pages, the
     * function itself for its schedule; null for an alarm.
     */
    private String action(String function, JsonElement payload) {
        if (!(payload instanceof JsonObject event)) {
            return null;
        }
        Routing routing = policy.routing();
        if (!event.has("detail-type")) {
            return routing.actions().entrySet().stream()
                    .filter(a -> a.getValue().function().equals(function) && a.getValue().command().entrySet().stream()
                            .allMatch(field -> field.getValue().equals(event.get(field.getKey()))))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }
        String detailType = event.get("detail-type").getAsString();
        if (detailType.startsWith("Lambda Function Invocation Result")) {
            String page = routing.chain().escalateWith();
            return routing.action(page).function().equals(function) ? page : null;
        }
        return "Scheduled Event".equals(detailType) ? function : null;
    }

    private static String describe(JsonElement payload, String action) {
        if (!(payload instanceof JsonObject event) || !event.has("detail-type")) {
            return action == null ? "a command" : "the " + action + " command (a rule's input)";
        }
        String detailType = event.get("detail-type").getAsString();
        JsonObject detail = event.has("detail") && event.get("detail").isJsonObject() ? event.getAsJsonObject("detail") : new JsonObject();
        if (detailType.startsWith("Lambda Function Invocation Result")) {
            String from = detail.getAsJsonObject("requestContext").get("functionArn").getAsString().split(":")[6];
            return from + "'s " + (detailType.endsWith("Success") ? "success" : "failure") + " record";
        }
        if (detail.has("alarmName")) {
            return "alarm " + detail.get("alarmName").getAsString();
        }
        return detailType;
    }

    private static JsonElement payload(String body) {
        try {
            return body.isBlank() ? new JsonObject() : JsonParser.parseString(body);
        } catch (JsonParseException notJson) {
            return new JsonPrimitive(body);
        }
    }
}
