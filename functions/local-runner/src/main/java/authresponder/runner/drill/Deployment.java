package authresponder.runner.drill;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Json;
import authresponder.runner.Main;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import authresponder.core.policy.Policy;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.InputTransformer;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The synthesized app stood up in moto for one scenario: the event buses, the queues, and every EventBridge
 * rule of every stack with its event pattern, schedule and targets' inputs exactly as synthesized. moto
 * matches the patterns, applies the input transformers and delivers to queues and other buses (in other
 * regions too), but does not invoke Lambda: each function's target is an SQS queue that {@link AsyncLambda}
 * drains as Lambda would. The rules' retry policies and dead-letter queues (EventBridge's delivery to Lambda)
 * are not exercised: delivery to a queue does not fail.
 */
final class Deployment {
    private final Synthesis synthesis;
    private final Policy policy;
    private final Map<String, EventBridgeClient> buses = new HashMap<>();
    private final SqsClient sqs;
    /** Function ARN (and alias ARN) → the function's stand-in queue ARN. */
    private final Map<String, String> standIns = new HashMap<>();
    private final Map<String, AsyncLambda.Function> functions = new LinkedHashMap<>();

    /**
     * Creates everything in moto, which the stage has just reset.
     *
     * @param settings each function's settings, by function id
     */
    Deployment(Synthesis synthesis, Policy policy, Map<String, String> aws, Function<String, Map<String, String>> settings) {
        this.synthesis = synthesis;
        this.policy = policy;
        for (CfnTemplate stack : synthesis.stacks()) {
            Map<String, String> regional = new HashMap<>(aws);
            regional.put("AWS_REGION", stack.region());
            buses.computeIfAbsent(stack.region(), region -> new AwsClients(new Env(regional)).build(EventBridgeClient.builder()));
        }
        CfnTemplate responder = synthesis.responder();
        Map<String, String> primary = new HashMap<>(aws);
        primary.put("AWS_REGION", responder.region());
        sqs = new AwsClients(new Env(primary)).build(SqsClient.builder());
        EventBridgeClient events = buses.get(responder.region());
        responder.ofType("AWS::Events::EventBus").values().forEach(bus -> events.createEventBus(r -> r.name(bus.get("Name").getAsString())));
        responder.ofType("AWS::SQS::Queue").keySet().forEach(id -> sqs.createQueue(r -> r.queueName(responder.queueName(id))));
        responder.ofType("AWS::Lambda::Function").forEach((id, function) -> standIn(responder, id, function, settings));
        for (CfnTemplate stack : synthesis.stacks()) {
            stack.ofType("AWS::Events::Rule").forEach((id, rule) -> createRule(stack, id, rule));
        }
    }

    /** The functions as Lambda's asynchronous invocation runs them. */
    AsyncLambda lambda(Timeline timeline, BiConsumer<String, Integer> beforeAttempt) {
        return new AsyncLambda(functions, sqs, buses.get(synthesis.responder().region()), policy, timeline, beforeAttempt);
    }

    /** Functions this runner could not build (not landed yet, or misconfigured), with why. */
    Map<String, String> unwired() {
        Map<String, String> unwired = new LinkedHashMap<>();
        functions.values().stream().filter(f -> f.unwired() != null).forEach(f -> unwired.put(f.id(), f.unwired()));
        return unwired;
    }

    /**
     * An alarm as the alarm stacks synthesize it (AlarmName, AlarmRule...): the one named as the runbook names it, or
     * with the deployment's name before it, whichever the stacks hold.
     */
    JsonObject alarm(String runbookName) {
        List<String> candidates = List.of(runbookName, synthesis.name() + "-" + runbookName);
        for (CfnTemplate stack : synthesis.alarms()) {
            for (String type : List.of("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")) {
                for (JsonObject alarm : stack.ofType(type).values()) {
                    if (candidates.contains(stack.resolveText(alarm.get("AlarmName")))) {
                        return stack.resolve(alarm).getAsJsonObject();
                    }
                }
            }
        }
        throw new IllegalStateException("the synthesized alarm stacks have no alarm named " + candidates);
    }

    /** CloudWatch puts an alarm's state change on the default bus of the alarm's region; the rules take it from there. */
    void alarm(JsonObject event) {
        String region = event.get("region").getAsString();
        EventBridgeClient events = buses.get(region);
        if (events == null) {
            throw new IllegalStateException("the deployment has no stack in " + region);
        }
        List<String> resources = new ArrayList<>();
        event.getAsJsonArray("resources").forEach(r -> resources.add(r.getAsString()));
        PutEventsResponse put = events.putEvents(r -> r.entries(e -> e.source(event.get("source").getAsString())
                .detailType(event.get("detail-type").getAsString()).time(Instant.parse(event.get("time").getAsString()))
                .resources(resources).detail(Json.write(event.get("detail")))));
        if (put.failedEntryCount() > 0) {
            throw new IllegalStateException("the default bus of " + region + " refused the alarm event: " + put.entries());
        }
    }

    /**
     * A schedule rule fires: EventBridge sends its targets a "Scheduled Event" (moto does not run schedules, so
     * the drill sends it, to the targets the synthesized rule names). Returns the rules that fired.
     */
    List<String> schedule(String functionId) {
        CfnTemplate responder = synthesis.responder();
        String functionArn = functions.get(functionId).arn();
        List<String> fired = new ArrayList<>();
        responder.ofType("AWS::Events::Rule").forEach((id, rule) -> {
            if (!rule.has("ScheduleExpression")) {
                return;
            }
            for (JsonElement target : responder.resolve(rule.get("Targets")).getAsJsonArray()) {
                if (target.getAsJsonObject().get("Arn").getAsString().startsWith(functionArn)) {
                    String queue = sqs.getQueueUrl(r -> r.queueName(queueName(standIns.get(target.getAsJsonObject().get("Arn").getAsString())))).queueUrl();
                    sqs.sendMessage(r -> r.queueUrl(queue).messageBody(Json.write(scheduledEvent(responder, id))));
                    fired.add(id + " (" + rule.get("ScheduleExpression").getAsString() + ")");
                }
            }
        });
        return fired;
    }

    /** The event a schedule rule sends, as "Creating a rule that runs on a schedule in Amazon EventBridge" shows it. */
    private static JsonObject scheduledEvent(CfnTemplate stack, String rule) {
        JsonObject event = new JsonObject();
        event.addProperty("version", "0");
        event.addProperty("id", UUID.randomUUID().toString());
        event.addProperty("detail-type", "Scheduled Event");
        event.addProperty("source", "aws.events");
        event.addProperty("account", stack.account());
        event.addProperty("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        event.addProperty("region", stack.region());
        event.add("resources", new com.google.gson.JsonArray());
        event.getAsJsonArray("resources").add("arn:aws:events:" + stack.region() + ":" + stack.account() + ":rule/" + rule);
        event.add("detail", new JsonObject());
        return event;
    }

    /** A function: a queue stands in for it as a rule target; its handler and invoke configuration are the template's. */
    private void standIn(CfnTemplate stack, String id, JsonObject function, Function<String, Map<String, String>> settings) {
        String name = function.get("FunctionName").getAsString();
        String handlerClass = function.get("Handler").getAsString();
        String functionId = policy.routing().functions().entrySet().stream().filter(e -> e.getValue().equals(handlerClass)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new IllegalStateException(name + "'s handler " + handlerClass + " is not built into this runner"));
        String queueName = name + "-invocations";
        String queueUrl = sqs.createQueue(r -> r.queueName(queueName)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "900"))).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String arn = stack.lambdaArn(name);
        standIns.put(arn, queueArn);
        stack.ofType("AWS::Lambda::Alias").values().stream()
                .filter(alias -> stack.resolveText(alias.get("FunctionName")).equals(name))
                .forEach(alias -> standIns.put(arn + ":" + alias.get("Name").getAsString(), queueArn));
        JsonObject config = stack.ofType("AWS::Lambda::EventInvokeConfig").values().stream()
                .filter(c -> stack.resolveText(c.get("FunctionName")).equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " has no EventInvokeConfig"));
        JsonObject destinations = config.has("DestinationConfig") ? stack.resolve(config.get("DestinationConfig")).getAsJsonObject() : new JsonObject();
        FunctionHandler<?, ?> handler = null;
        String unwired = null;
        Map<String, String> env = new HashMap<>(settings.apply(functionId));
        String deploymentName = deploymentName(function);
        if (deploymentName != null) {
            env.put("DEPLOYMENT_NAME", deploymentName);
        }
        try {
            handler = Main.handler(functionId, new Env(env));
        } catch (RuntimeException e) {
            unwired = e.getMessage();
        }
        functions.put(functionId, new AsyncLambda.Function(functionId, arn, config.get("Qualifier").getAsString(), queueUrl,
                config.get("MaximumRetryAttempts").getAsInt(), Duration.ofSeconds(config.get("MaximumEventAgeInSeconds").getAsLong()),
                destination(destinations, "OnSuccess"), destination(destinations, "OnFailure"),
                function.has("ReservedConcurrentExecutions") ? function.get("ReservedConcurrentExecutions").getAsInt() : 10,
                Duration.ofSeconds(function.get("Timeout").getAsLong()), handler, unwired));
    }

    /** The deployment's name as the template gives it to the function (DEPLOYMENT_NAME), if it does. */
    private static String deploymentName(JsonObject function) {
        JsonObject variables = function.has("Environment") ? function.getAsJsonObject("Environment").getAsJsonObject("Variables") : null;
        JsonElement name = variables == null ? null : variables.get("DEPLOYMENT_NAME");
        return name != null && name.isJsonPrimitive() ? name.getAsString() : null;
    }

    private static String destination(JsonObject destinations, String which) {
        return destinations.has(which) ? destinations.getAsJsonObject(which).get("Destination").getAsString() : null;
    }

    /**
     * A rule as synthesized, on its bus (the default one when it names none), with its targets; a function target is
     * its stand-in queue. A schedule rule is not created: moto does not run schedules, and it would deliver every
     * event on the bus to a rule without a pattern ({@link #schedule} fires it from the template instead).
     */
    private void createRule(CfnTemplate stack, String id, JsonObject rule) {
        if (rule.has("ScheduleExpression")) {
            return;
        }
        EventBridgeClient events = buses.get(stack.region());
        String bus = rule.has("EventBusName") ? stack.resolveText(rule.get("EventBusName")) : "default";
        events.putRule(r -> r.name(id).eventBusName(bus).state(rule.has("State") ? rule.get("State").getAsString() : "ENABLED")
                .eventPattern(Json.write(stack.resolve(rule.get("EventPattern")))));
        List<Target> targets = new ArrayList<>();
        for (JsonElement element : stack.resolve(rule.get("Targets")).getAsJsonArray()) {
            JsonObject target = element.getAsJsonObject();
            String arn = target.get("Arn").getAsString();
            Target.Builder built = Target.builder().id(target.get("Id").getAsString()).arn(standIns.getOrDefault(arn, arn));
            if (arn.startsWith("arn:aws:lambda:") && !standIns.containsKey(arn)) {
                throw new IllegalStateException("rule " + id + " targets " + arn + ", which is no function of the deployment");
            }
            if (target.has("Input")) {
                built.input(target.get("Input").getAsString());
            }
            if (target.has("InputPath")) {
                built.inputPath(target.get("InputPath").getAsString());
            }
            if (target.has("InputTransformer")) {
                JsonObject transformer = target.getAsJsonObject("InputTransformer");
                Map<String, String> paths = new LinkedHashMap<>();
                if (transformer.has("InputPathsMap")) {
                    transformer.getAsJsonObject("InputPathsMap").entrySet().forEach(e -> paths.put(e.getKey(), e.getValue().getAsString()));
                }
                built.inputTransformer(InputTransformer.builder().inputPathsMap(paths)
                        .inputTemplate(transformer.get("InputTemplate").getAsString()).build());
            }
            if (target.has("RoleArn")) {
                built.roleArn(target.get("RoleArn").getAsString());
            }
            targets.add(built.build());
        }
        var put = events.putTargets(r -> r.rule(id).eventBusName(bus).targets(targets));
        if (put.failedEntryCount() > 0) {
            throw new IllegalStateException("moto refused the targets of rule " + id + ": " + put.failedEntries());
        }
    }

    private static String queueName(String queueArn) {
        return queueArn.substring(queueArn.lastIndexOf(':') + 1);
    }
}
