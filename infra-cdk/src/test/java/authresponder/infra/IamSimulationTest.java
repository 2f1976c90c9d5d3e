package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.policy.Policy;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IAM proven by simulation, not by reading (docs/deployment.md): the synthesized policies (roles, topic, key, queue and
 * function resource policies, with CloudFormation's references resolved) are evaluated by a real IAM policy simulator,
 * {@code @cloud-copilot/iam-simulate} (infra-cdk/iam-sim, run by node), for
 * <ul>
 *   <li>every AWS call the functions made in their tests and the drill's, as testkit's AwsCallRecorder recorded them
 *       (functions/NAME/target/aws-calls/calls.jsonl): each is allowed to the function that made it, on the resource
 *       this deployment gives it;</li>
 *   <li>what AWS services themselves do for this wiring: Lambda placing a function in the VPC, CloudWatch publishing an
 *       alarm to an encrypted topic, EventBridge invoking a function, parking an event in a dead-letter queue and
 *       forwarding to the primary bus, Lambda delivering a result to the bus and a failure to a queue;</li>
 *   <li>calls a function does not make, which are denied.</li>
 * </ul>
 * The recordings come from the modules the reactor tests before infra-cdk; run alone, this test says which it read.
 */
class IamSimulationTest {
    static final Path SIMULATOR = Path.of("iam-sim");
    static final Path FUNCTIONS = Path.of("../functions");
    private static final String ALLOWED = "Allowed";

    private static DeploymentConfig config;
    private static DeployedTemplate responder;
    private static Map<String, DeployedTemplate> regional;

    private static Synthesized app;

    @BeforeAll
    static void synthesize() {
        use("example");
    }

    /** The example configuration, or the same with SnapStart (every caller then invokes an alias). */
    private static void use(String configuration) {
        app = configuration.equals("snapStart") ? Synthesized.snapStart() : Synthesized.example();
        config = app.config;
        responder = new DeployedTemplate(app.deployment.responder(), config);
        regional = new TreeMap<>();
        app.deployment.alarms().forEach(stack -> regional.put(stack.getRegion(), new DeployedTemplate(stack, config)));
    }

    // ---- the functions' own calls

    @Test
    void everyCallTheFunctionsMadeInTheirTestsIsAllowedToThem() throws IOException {
        use("example");
        List<Path> files = recordings();
        System.out.println("IamSimulationTest read the recordings " + files);
        Assumptions.assumeFalse(files.isEmpty(), "no recorded AWS calls under " + FUNCTIONS.toAbsolutePath().normalize()
                + "/*/target/aws-calls: run the functions' tests first (bin/auth-responder test runs them before infra-cdk)");
        Map<String, String> functionOfPackage = new TreeMap<>();
        Policy.bundled().routing().functions().forEach((function, handler) ->
                functionOfPackage.put(handler.substring(0, handler.lastIndexOf('.')), function));

        Map<String, Case> cases = new LinkedHashMap<>();
        Map<String, Integer> unattributed = new TreeMap<>();
        for (Path file : files) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonObject call = JsonParser.parseString(line).getAsJsonObject();
                String action = call.get("action").getAsString();
                String function = call.getAsJsonArray("packages").asList().stream().map(JsonElement::getAsString)
                        .map(functionOfPackage::get).filter(f -> f != null).findFirst().orElse(null);
                if (function == null) {
                    // Product code with no function's package on the stack: a test reading the ledger through core.
                    unattributed.merge(file.getParent().getParent().getParent().getFileName() + " " + action, 1, Integer::sum);
                    continue;
                }
                if (action.equals("sts:GetCallerIdentity")) {
                    continue; // needs no permission (IAM user guide, GetCallerIdentity)
                }
                for (Case c : deployedCalls(function, action, call.getAsJsonObject("names"))) {
                    cases.putIfAbsent(c.name(), c);
                }
            }
        }
        System.out.println("IamSimulationTest: calls with no function on the stack (tests reading through core), not checked: " + unattributed);
        assertFalse(cases.isEmpty(), "the recordings hold no function's call: " + files);
        assertAll(List.copyOf(cases.values()));
    }

    /**
     * A recorded call as it happens once deployed: the same action, on the resource this deployment gives the function
     * (the tests' resources in moto have other names), with the resource policies AWS evaluates with it.
     */
    private static List<Case> deployedCalls(String function, String action, JsonObject names) {
        String role = role(function);
        String service = action.substring(0, action.indexOf(':'));
        String operation = action.substring(action.indexOf(':') + 1);
        String name = function + " " + action;
        String authoriser = "arn:aws:lambda:" + config.primaryRegion() + ":" + config.account() + ":function:" + config.authoriser().functionName();
        List<Case> cases = new ArrayList<>();
        switch (service) {
            case "dynamodb" -> {
                String table = responder.ofType("AWS::DynamoDB::Table").keySet().iterator().next();
                String arn = responder.resolve(JsonParser.parseString("{\"Fn::GetAtt\":[\"" + table + "\",\"Arn\"]}")).getAsString()
                        + (names.has("IndexName") ? "/index/" + names.get("IndexName").getAsString() : "");
                cases.add(roleCase(name + " " + arn, role, action, arn, null));
            }
            case "lambda" -> {
                // diagnose reads the authoriser; the restarts act on the configured target (the same function in the example)
                String target = function.equals(FunctionSpec.DIAGNOSE.id()) ? authoriser : restartLambda();
                String qualifier = operation.endsWith("Alias") ? names.has("Name") ? names.get("Name").getAsString() : null
                        : names.has("Qualifier") ? names.get("Qualifier").getAsString() : null;
                String arn = target + (qualifier == null ? "" : ":" + qualifier);
                cases.add(roleCase(name + " " + arn, role, action, arn, null));
            }
            case "sns" -> {
                String topicName = names.has("TopicArn") ? names.get("TopicArn").getAsString().replaceAll(".*:", "") : "";
                String team = Policy.bundled().routing().teams().keySet().stream().filter(topicName::endsWith).findFirst().orElse(config.fallbackTeam());
                String topic = topic(responder, team);
                cases.add(roleCase(name + " " + team, role, action, responder.ref(topic), topicPolicy(responder, topic)));
                // SNS makes and reads the topic's data key with the publisher's permissions (SNS developer guide, encryption at rest)
                String key = key(responder);
                for (String kms : List.of("kms:GenerateDataKey", "kms:Decrypt")) {
                    cases.add(roleCase(name + " needs " + kms, role, kms, responder.attributeOf(key, "Arn"), responder.properties(key).get("KeyPolicy")));
                }
            }
            case "logs" -> {
                // The log group's ARN with the trailing :* is the one IAM policies name for its actions (CloudWatch Logs API
                // reference, LogGroup.arn); the simulator evaluates the request on it.
                String arn = responder.arn("logs", "log-group:" + config.authoriser().logGroup() + ":*");
                cases.add(roleCase(name, role, action, arn, null));
            }
            case "elasticache" -> cases.add(roleCase(name, role, action,
                    responder.arn("elasticache", "replicationgroup:" + config.cache().replicationGroupId()), null));
            case "secretsmanager" -> cases.add(roleCase(name, role, action, config.cache().authSecretArn(), null));
            case "eks" -> config.restartTargets().values().stream()
                    .filter(t -> t instanceof DeploymentConfig.RestartTarget.Eks)
                    .map(t -> ((DeploymentConfig.RestartTarget.Eks) t).cluster()).distinct()
                    .forEach(cluster -> cases.add(roleCase(name + " " + cluster, role, action, responder.arn("eks", "cluster/" + cluster), null)));
            case "events" -> cases.add(roleCase(name, role, action, busArn(), null));
            default -> throw new AssertionError(function + " called " + action + ", which this deployment gives it no resource for: "
                    + "add the permission to ResponderStack and the resource here");
        }
        return cases;
    }

    private static String restartLambda() {
        return config.restartTargets().values().stream().filter(t -> t instanceof DeploymentConfig.RestartTarget.Lambda)
                .map(t -> "arn:aws:lambda:" + config.primaryRegion() + ":" + config.account() + ":function:" + ((DeploymentConfig.RestartTarget.Lambda) t).function())
                .findFirst().orElseThrow();
    }

    // ---- what AWS services do with this wiring

    @ParameterizedTest
    @ValueSource(strings = {"example", "snapStart"})
    void lambdaMayPlaceTheCacheClientsInTheVpcAndOnlyThere(String configuration) {
        use(configuration);
        List<Case> cases = new ArrayList<>();
        String eni = responder.arn("ec2", "network-interface/eni-0a1b2c3d4e5f60718");
        String group = responder.arn("ec2", "security-group/" + responder.ref(responder.ofType("AWS::EC2::SecurityGroup").keySet().iterator().next()));
        for (FunctionSpec spec : FunctionSpec.values()) {
            String role = role(spec.id());
            String expected = spec.inCacheVpc() ? ALLOWED : "ImplicitlyDenied";
            // Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC": the execution role's five actions.
            cases.add(roleCase(spec.id() + " ec2:CreateNetworkInterface", role, "ec2:CreateNetworkInterface", eni, null).expect(expected));
            for (String subnet : config.network().subnetIds()) {
                cases.add(roleCase(spec.id() + " ec2:CreateNetworkInterface in " + subnet, role, "ec2:CreateNetworkInterface",
                        responder.arn("ec2", "subnet/" + subnet), null).expect(expected));
            }
            cases.add(roleCase(spec.id() + " ec2:CreateNetworkInterface with its group", role, "ec2:CreateNetworkInterface", group, null).expect(expected));
            cases.add(roleCase(spec.id() + " ec2:DescribeNetworkInterfaces", role, "ec2:DescribeNetworkInterfaces", "*", null).expect(expected));
            for (String action : List.of("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")) {
                cases.add(roleCase(spec.id() + " " + action, role, action, eni, null).expect(expected));
            }
            // not in another subnet, nor with another group
            cases.add(roleCase(spec.id() + " ec2:CreateNetworkInterface in another subnet", role, "ec2:CreateNetworkInterface",
                    responder.arn("ec2", "subnet/subnet-0ffffffffffffffff"), null).expect("ImplicitlyDenied"));
            cases.add(roleCase(spec.id() + " ec2:CreateNetworkInterface with another group", role, "ec2:CreateNetworkInterface",
                    responder.arn("ec2", "security-group/sg-0ffffffffffffffff"), null).expect("ImplicitlyDenied"));
        }
        assertAll(cases);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example", "snapStart"})
    void cloudWatchMayPublishThisDeploymentsAlarmsToTheEncryptedTeamTopicsOfTheirRegion(String configuration) {
        use(configuration);
        List<Case> cases = new ArrayList<>();
        Map<String, DeployedTemplate> withTopics = new TreeMap<>();
        withTopics.put(config.primaryRegion() + " (responder)", responder);
        regional.forEach((region, t) -> {
            if (!t.ofType("AWS::SNS::Topic").isEmpty()) {
                withTopics.put(region, t);
            }
        });
        assertEquals(config.regions().size(), withTopics.size(), "a topic for the wiring's alarms in every region: " + withTopics.keySet());
        withTopics.forEach((where, t) -> {
            String key = key(t);
            String keyArn = t.attributeOf(key, "Arn");
            JsonElement keyPolicy = t.properties(key).get("KeyPolicy");
            for (String topic : t.ofType("AWS::SNS::Topic").keySet()) {
                String ours = "arn:aws:cloudwatch:" + t.region + ":" + config.account() + ":alarm:" + config.name() + "-escalation-failed-not-empty";
                String theirs = "arn:aws:cloudwatch:" + t.region + ":" + config.account() + ":alarm:someone-else";
                // CloudWatch user guide (alarm actions) and SNS developer guide ("Enable compatibility between event sources
                // from AWS services and encrypted topics"): the topic policy and the key policy must both admit CloudWatch.
                cases.add(serviceCase(where + " " + topic + " sns:Publish", "cloudwatch.amazonaws.com", "sns:Publish", t.ref(topic),
                        topicPolicy(t, topic), ours));
                cases.add(serviceCase(where + " " + topic + " sns:Publish of another's alarm", "cloudwatch.amazonaws.com", "sns:Publish",
                        t.ref(topic), topicPolicy(t, topic), theirs).expect("ImplicitlyDenied"));
                for (String kms : List.of("kms:GenerateDataKey", "kms:Decrypt")) {
                    cases.add(serviceCase(where + " " + kms, "cloudwatch.amazonaws.com", kms, keyArn, keyPolicy, ours));
                    cases.add(serviceCase(where + " " + kms + " of another's alarm", "cloudwatch.amazonaws.com", kms, keyArn, keyPolicy, theirs)
                            .expect("ImplicitlyDenied"));
                }
            }
        });
        assertAll(cases);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example", "snapStart"})
    void eventBridgeMayInvokeEachRulesTargetParkWhatItCannotDeliverAndForwardToThePrimaryBus(String configuration) {
        use(configuration);
        List<Case> cases = new ArrayList<>();
        Map<String, JsonObject> permissions = responder.ofType("AWS::Lambda::Permission");
        for (var rule : responder.ofType("AWS::Events::Rule").entrySet()) {
            String ruleArn = responder.ruleArn(rule.getKey());
            for (JsonElement t : rule.getValue().getAsJsonArray("Targets")) {
                JsonObject target = t.getAsJsonObject();
                String function = target.get("Arn").getAsString();
                // Lambda builds the function's resource policy from its permissions (Lambda developer guide, resource-based policies).
                JsonObject policy = lambdaPolicy(permissions, function);
                cases.add(serviceCase(rule.getKey() + " lambda:InvokeFunction", "events.amazonaws.com", "lambda:InvokeFunction", function, policy, ruleArn));
                cases.add(serviceCase(rule.getKey() + " lambda:InvokeFunction from another rule", "events.amazonaws.com", "lambda:InvokeFunction",
                        function, policy, responder.arn("events", "rule/someone-elses")).expect("ImplicitlyDenied"));
                String queue = target.getAsJsonObject("DeadLetterConfig").get("Arn").getAsString();
                // EventBridge user guide, dead-letter queues: the queue's policy allows events.amazonaws.com from the rule.
                cases.add(serviceCase(rule.getKey() + " sqs:SendMessage to its dead-letter queue", "events.amazonaws.com", "sqs:SendMessage",
                        queue, queuePolicy(responder, queue), ruleArn));
            }
        }
        regional.forEach((region, t) -> t.ofType("AWS::Events::Rule").forEach((rule, properties) -> {
            JsonObject target = properties.getAsJsonArray("Targets").get(0).getAsJsonObject();
            assertEquals(busArn(), target.get("Arn").getAsString(), region);
            String role = target.get("RoleArn").getAsString();
            String roleId = role.substring(role.lastIndexOf('/') + 1);
            // EventBridge user guide, sending events between buses in the same account across regions: a role with events:PutEvents.
            cases.add(new Case(region + " forwards to the primary bus", simulation(role, "events:PutEvents", busArn(), t.identityPolicies(roleId), null, Map.of()), ALLOWED));
            cases.add(new Case(region + " forwards to no other bus", simulation(role, "events:PutEvents",
                    responder.arn("events", "event-bus/default"), t.identityPolicies(roleId), null, Map.of()), "ImplicitlyDenied"));
            String queue = target.getAsJsonObject("DeadLetterConfig").get("Arn").getAsString();
            cases.add(serviceCase(region + " sqs:SendMessage to its forwarding dead-letter queue", "events.amazonaws.com", "sqs:SendMessage",
                    queue, queuePolicy(t, queue), t.ruleArn(rule)));
        }));
        assertAll(cases);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example", "snapStart"})
    void lambdaMayDeliverResultsToTheBusAndEscalatesFailuresToItsQueue(String configuration) {
        use(configuration);
        List<Case> cases = new ArrayList<>();
        for (JsonObject invoke : responder.ofType("AWS::Lambda::EventInvokeConfig").values()) {
            String functionName = invoke.get("FunctionName").getAsString();
            String function = FunctionSpec.ids().stream().filter(id -> functionName.equals(config.name() + "-" + id)).findFirst().orElseThrow();
            JsonObject destinations = invoke.getAsJsonObject("DestinationConfig");
            for (String when : List.of("OnSuccess", "OnFailure")) {
                if (!destinations.has(when)) {
                    continue;
                }
                String destination = destinations.getAsJsonObject(when).get("Destination").getAsString();
                // Lambda developer guide, asynchronous invocation destinations: Lambda sends the record with the function's role.
                if (destination.contains(":events:")) {
                    cases.add(roleCase(function + " " + when + " events:PutEvents", role(function), "events:PutEvents", destination, null));
                } else {
                    String queueUrl = "https://sqs." + responder.region + ".amazonaws.com/" + config.account() + "/" + destination.replaceAll(".*:", "");
                    cases.add(roleCase(function + " " + when + " sqs:SendMessage", role(function), "sqs:SendMessage", destination,
                            queuePolicyByUrl(responder, queueUrl)));
                }
            }
        }
        assertEquals(FunctionSpec.values().length + 3, cases.size(), "a failure destination each, and the chain's results: " + cases);
        assertAll(cases);
    }

    // ---- what no function may do

    @ParameterizedTest
    @ValueSource(strings = {"example", "snapStart"})
    void callsAFunctionDoesNotMakeAreDenied(String configuration) {
        use(configuration);
        String ledger = responder.attributeOf(responder.ofType("AWS::DynamoDB::Table").keySet().iterator().next(), "Arn");
        String authoriser = "arn:aws:lambda:" + config.primaryRegion() + ":" + config.account() + ":function:" + config.authoriser().functionName();
        String pagedTopic = responder.ref(topic(responder, config.fallbackTeam()));
        List<Case> cases = List.of(
                roleCase("flush-cache sns:Publish to a team", role("flush-cache"), "sns:Publish", pagedTopic, topicPolicy(responder, topic(responder, config.fallbackTeam()))),
                roleCase("escalate lambda:UpdateFunctionConfiguration", role("escalate"), "lambda:UpdateFunctionConfiguration", authoriser, null),
                roleCase("diagnose dynamodb:PutItem", role("diagnose"), "dynamodb:PutItem", ledger, null),
                roleCase("diagnose lambda:UpdateFunctionConfiguration", role("diagnose"), "lambda:UpdateFunctionConfiguration", authoriser, null),
                roleCase("restart-authoriser lambda:UpdateFunctionConfiguration of another function", role("restart-authoriser"),
                        "lambda:UpdateFunctionConfiguration", responder.arn("lambda", "function:payments"), null),
                roleCase("flush-cache dynamodb:DeleteTable", role("flush-cache"), "dynamodb:DeleteTable", ledger, null),
                roleCase("escalate events:PutEvents", role("escalate"), "events:PutEvents", busArn(), null),
                roleCase("watch-keys secretsmanager:GetSecretValue of another secret", role("watch-keys"), "secretsmanager:GetSecretValue",
                        "arn:aws:secretsmanager:" + config.primaryRegion() + ":" + config.account() + ":secret:other-AbCdEf", null));
        assertAll(cases.stream().map(c -> c.expect("ImplicitlyDenied")).toList());
    }

    /** The recorder is test-only: the deployable jars (where the reactor built them) carry neither it nor its SDK resource. */
    @Test
    void theDeployableJarsDoNotRecordCalls() throws IOException {
        List<Path> jars = new ArrayList<>();
        for (FunctionSpec spec : FunctionSpec.values()) {
            Path jar = FUNCTIONS.resolve(spec.id()).resolve("target").resolve(spec.id() + ".jar");
            if (Files.exists(jar)) {
                jars.add(jar);
            }
        }
        System.out.println("IamSimulationTest checked the jars " + jars);
        Assumptions.assumeFalse(jars.isEmpty(), "no function jar built yet (mvn package)");
        for (Path jar : jars) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                assertTrue(zip.getEntry("software/amazon/awssdk/global/handlers/execution.interceptors") == null, jar.toString());
                assertTrue(zip.getEntry("authresponder/testkit/AwsCallRecorder.class") == null, jar.toString());
            }
        }
    }

    // ---- cases and the simulator

    /** One request to simulate and the decision expected. */
    record Case(String name, JsonObject simulation, String expected) {
        Case expect(String decision) {
            return new Case(name, simulation, decision);
        }
    }

    private static Case roleCase(String name, String roleId, String action, String resource, JsonElement resourcePolicy) {
        return new Case(name, simulation("arn:aws:iam::" + config.account() + ":role/" + roleId, action, resource,
                responder.identityPolicies(roleId), resourcePolicy, Map.of()), ALLOWED);
    }

    /** A request by an AWS service on behalf of a resource of this account (aws:SourceArn, aws:SourceAccount). */
    private static Case serviceCase(String name, String service, String action, String resource, JsonElement resourcePolicy, String sourceArn) {
        return new Case(name, simulation(service, action, resource, new JsonArray(), resourcePolicy,
                Map.of("aws:SourceArn", sourceArn, "aws:SourceAccount", config.account())), ALLOWED);
    }

    private static JsonObject simulation(String principal, String action, String resource, JsonArray identityPolicies, JsonElement resourcePolicy,
                                         Map<String, String> context) {
        JsonObject request = new JsonObject();
        request.addProperty("action", action);
        request.addProperty("principal", principal);
        JsonObject target = new JsonObject();
        target.addProperty("resource", resource);
        target.addProperty("accountId", config.account());
        request.add("resource", target);
        JsonObject variables = new JsonObject();
        variables.addProperty("aws:SecureTransport", "true"); // the SDK and AWS's services speak HTTPS
        context.forEach(variables::addProperty);
        request.add("contextVariables", variables);
        JsonObject simulation = new JsonObject();
        simulation.add("identityPolicies", identityPolicies);
        simulation.add("serviceControlPolicies", new JsonArray());
        simulation.add("resourceControlPolicies", new JsonArray());
        if (resourcePolicy != null) {
            simulation.add("resourcePolicy", resourcePolicy);
        }
        simulation.add("request", request);
        return simulation;
    }

    /** Runs the cases through iam-simulate and fails with every case whose decision is not the one expected. */
    private static void assertAll(List<Case> cases) {
        Path installed = SIMULATOR.resolve("node_modules/@cloud-copilot/iam-simulate/package.json");
        assertTrue(Files.exists(installed), "iam-simulate is not installed in " + SIMULATOR.toAbsolutePath()
                + ": bin/auth-responder test installs it (npm ci there)");
        JsonObject input = new JsonObject();
        JsonArray list = new JsonArray();
        Map<String, Case> byName = new LinkedHashMap<>();
        for (Case c : cases) {
            JsonObject item = new JsonObject();
            item.addProperty("name", c.name());
            item.add("simulation", c.simulation());
            list.add(item);
            byName.put(c.name(), c);
        }
        input.add("cases", list);
        JsonArray results = run(input);
        List<String> wrong = new ArrayList<>();
        results.forEach(r -> {
            JsonObject result = r.getAsJsonObject();
            Case c = byName.get(result.get("name").getAsString());
            if (!c.expected().equals(result.get("result").getAsString())) {
                wrong.add(c.name() + ": expected " + c.expected() + ", simulated " + result.get("result").getAsString()
                        + (result.has("errors") ? " " + result.get("errors") : "") + "\n    " + c.simulation());
            }
        });
        assertEquals(cases.size(), results.size());
        System.out.println("IamSimulationTest: " + cases.size() + " requests simulated, " + wrong.size() + " not as expected");
        assertEquals(List.of(), wrong, cases.size() + " simulated, " + wrong.size() + " not as expected:\n" + String.join("\n", wrong));
    }

    private static JsonArray run(JsonObject input) {
        try {
            Process node = new ProcessBuilder("node", "simulate.mjs").directory(SIMULATOR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (var in = node.getOutputStream()) {
                in.write(new Gson().toJson(input).getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                throw new AssertionError("iam-simulate did not answer in 60 s");
            }
            assertEquals(0, node.exitValue(), "node iam-sim/simulate.mjs: " + out);
            return JsonParser.parseString(out).getAsJsonArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---- the deployment's resources

    private static List<Path> recordings() throws IOException {
        try (Stream<Path> modules = Files.list(FUNCTIONS)) {
            return modules.map(m -> m.resolve("target/aws-calls/calls.jsonl")).filter(Files::exists).sorted().toList();
        }
    }

    private static String role(String function) {
        return responder.roleOf(new TemplateJson(app.responder()).functionId(config.name() + "-" + function));
    }

    private static String busArn() {
        return "arn:aws:events:" + config.primaryRegion() + ":" + config.account() + ":event-bus/" + config.name();
    }

    private static String topic(DeployedTemplate t, String team) {
        return t.ofType("AWS::SNS::Topic").entrySet().stream()
                .filter(e -> e.getValue().get("TopicName").getAsString().equals(config.name() + "-" + team))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("no topic of " + team));
    }

    private static String key(DeployedTemplate t) {
        return t.ofType("AWS::KMS::Key").keySet().iterator().next();
    }

    private static JsonElement topicPolicy(DeployedTemplate t, String topic) {
        String arn = t.ref(topic);
        return t.ofType("AWS::SNS::TopicPolicy").values().stream().filter(p -> p.get("Topics").toString().contains("\"" + arn + "\""))
                .map(p -> p.get("PolicyDocument")).findFirst().orElseThrow(() -> new AssertionError("no policy of " + topic));
    }

    private static JsonElement queuePolicy(DeployedTemplate t, String queueArn) {
        return queuePolicyByUrl(t, "https://sqs." + t.region + ".amazonaws.com/" + config.account() + "/" + queueArn.replaceAll(".*:", ""));
    }

    private static JsonElement queuePolicyByUrl(DeployedTemplate t, String queueUrl) {
        return t.ofType("AWS::SQS::QueuePolicy").values().stream().filter(p -> p.get("Queues").toString().contains("\"" + queueUrl + "\""))
                .map(p -> p.get("PolicyDocument")).findFirst().orElseThrow(() -> new AssertionError("no policy of " + queueUrl));
    }

    /** The function's resource-based policy as Lambda builds it from its permissions (AddPermission). */
    private static JsonObject lambdaPolicy(Map<String, JsonObject> permissions, String functionArn) {
        JsonArray statements = new JsonArray();
        permissions.values().stream().filter(p -> functionArn.endsWith(":function:" + p.get("FunctionName").getAsString())
                        || p.get("FunctionName").getAsString().equals(functionArn))
                .forEach(p -> {
                    JsonObject statement = new JsonObject();
                    statement.addProperty("Effect", "Allow");
                    JsonObject principal = new JsonObject();
                    String who = p.get("Principal").getAsString();
                    principal.addProperty(who.endsWith(".amazonaws.com") ? "Service" : "AWS", who);
                    statement.add("Principal", principal);
                    statement.addProperty("Action", p.get("Action").getAsString());
                    statement.addProperty("Resource", functionArn);
                    JsonObject condition = new JsonObject();
                    if (p.has("SourceArn")) {
                        JsonObject arnLike = new JsonObject();
                        arnLike.addProperty("AWS:SourceArn", p.get("SourceArn").getAsString());
                        condition.add("ArnLike", arnLike);
                    }
                    if (p.has("SourceAccount")) {
                        JsonObject equals = new JsonObject();
                        equals.addProperty("AWS:SourceAccount", p.get("SourceAccount").getAsString());
                        condition.add("StringEquals", equals);
                    }
                    if (condition.size() > 0) {
                        statement.add("Condition", condition);
                    }
                    statements.add(statement);
                });
        assertFalse(statements.isEmpty(), "no permission on " + functionArn);
        JsonObject policy = new JsonObject();
        policy.addProperty("Version", "2012-10-17");
        policy.add("Statement", statements);
        return policy;
    }
}
