package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * Every cdk-nag suppression's reason is a claim about the template: each is checked here against what was synthesized
 * (SnapStart off and on), and a suppression this test does not know fails it, so a new one comes with its check.
 */
class SuppressionClaimsTest {
    /** One suppression where it was written: the stack, the resource, its rule, reason and the findings it covers. */
    record Suppression(String stack, String resource, JsonObject properties, String rule, String reason, List<String> appliesTo) {}

    private static final Set<String> ENI_ACTIONS = Set.of("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses");
    private static final Set<String> RESTART_ACTIONS = Set.of("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration",
            "lambda:PublishVersion", "lambda:GetAlias", "lambda:UpdateAlias");

    @Test
    void everySuppressionsReasonHoldsInTheTemplate() {
        Set<String> checked = new TreeSet<>();
        for (Synthesized app : Synthesized.all()) {
            List<Stack> stacks = new ArrayList<>(List.of(app.deployment.responder()));
            stacks.addAll(app.deployment.alarms());
            for (Stack stack : stacks) {
                JsonObject template = new Gson().toJsonTree(Template.fromStack(stack).toJSON()).getAsJsonObject();
                for (Suppression s : suppressions(stack.getStackName(), template.getAsJsonObject("Resources"))) {
                    check(s, template.getAsJsonObject("Resources"), app.config);
                    checked.add(s.rule() + " " + s.appliesTo().stream().map(a -> a.replaceAll(".*:(ec2|logs|lambda):.*", "$1")).toList());
                }
            }
        }
        assertEquals(Set.of("AwsSolutions-IAM5 [Resource::*]", "AwsSolutions-IAM5 [ec2]", "AwsSolutions-IAM5 [logs]", "AwsSolutions-IAM5 [lambda]",
                "AwsSolutions-SQS3 []"), checked, "the suppressions checked (has the metadata moved?)");
    }

    private static void check(Suppression s, JsonObject resources, DeploymentConfig config) {
        String where = s.stack() + "/" + s.resource() + " " + s.rule() + " (" + s.reason() + ")";
        switch (s.rule()) {
            case "AwsSolutions-IAM5" -> {
                assertEquals(1, s.appliesTo().size(), "a wildcard suppression names exactly one finding: " + where);
                checkWildcard(s, s.appliesTo().getFirst(), statements(s, resources), config, where);
            }
            case "AwsSolutions-SQS3" -> {
                assertTrue(s.reason().startsWith("this queue is itself"), where);
                checkOnlyADeadLetterQueue(s, resources, where);
            }
            default -> throw new AssertionError("a suppression this test does not check: " + where);
        }
    }

    /** The wildcard the finding names is in statements that hold only the actions the reason gives, on that shape of resource. */
    private static void checkWildcard(Suppression s, String finding, List<JsonObject> all, DeploymentConfig config, String where) {
        String arn = finding.replaceFirst("^Resource::", "");
        List<JsonObject> statements = all.stream().filter(st -> TemplateJson.list(st.get("Resource")).stream()
                .anyMatch(r -> nagForm(r).equals(arn))).toList();
        assertFalse(statements.isEmpty(), "the suppressed wildcard is in no statement of the policy: " + where);
        String account = config.account();
        String region = config.primaryRegion();
        for (JsonObject statement : statements) {
            Set<String> actions = actions(statement);
            if (arn.equals("*")) {
                assertTrue(s.reason().contains("DescribeNetworkInterfaces"), where);
                assertEquals(Set.of("ec2:DescribeNetworkInterfaces"), actions, "* only for DescribeNetworkInterfaces: " + where);
            } else if (arn.endsWith(":network-interface/*")) {
                assertEquals("arn:<AWS::Partition>:ec2:" + region + ":" + account + ":network-interface/*", arn, where);
                assertTrue(ENI_ACTIONS.containsAll(actions), "only the network-interface actions the reason names: " + actions + " " + where);
                actions.forEach(a -> assertTrue(s.reason().contains(a.substring(4)), "the reason names " + a + ": " + where));
            } else if (arn.contains(":logs:")) {
                assertEquals("arn:<AWS::Partition>:logs:" + region + ":" + account + ":log-group:" + config.authoriser().logGroup() + ":*", arn,
                        "the authoriser's log group, no other: " + where);
                assertEquals(Set.of("logs:FilterLogEvents"), actions, where);
                assertTrue(s.reason().startsWith("FilterLogEvents"), where);
            } else if (arn.contains(":lambda:")) {
                String function = arn.replaceAll(".*:function:([^:]+):\\*$", "$1");
                assertTrue(config.restartTargets().values().stream().anyMatch(t -> t instanceof DeploymentConfig.RestartTarget.Lambda l
                        && l.function().equals(function) && l.alias() != null), "a restart target with an alias: " + where);
                assertEquals("arn:<AWS::Partition>:lambda:" + region + ":" + account + ":function:" + function + ":*", arn, where);
                assertTrue(RESTART_ACTIONS.containsAll(actions), actions + " " + where);
                assertTrue(s.reason().contains(function), where);
            } else {
                throw new AssertionError("a wildcard this test does not check: " + where);
            }
        }
    }

    /** A dead-letter queue: referenced only as a rule target's dead-letter queue or a function's on-failure destination. */
    private static void checkOnlyADeadLetterQueue(Suppression s, JsonObject resources, String where) {
        assertEquals("AWS::SQS::Queue", typeOf(s), where);
        int uses = 0;
        for (var entry : resources.entrySet()) {
            JsonObject resource = entry.getValue().getAsJsonObject();
            String type = resource.get("Type").getAsString();
            if (!resource.has("Properties") || !resource.get("Properties").toString().contains("\"" + s.resource() + "\"")
                    || type.equals("AWS::SQS::QueuePolicy") || type.equals("AWS::CloudWatch::Alarm") || type.startsWith("AWS::IAM::")) {
                continue;
            }
            JsonObject properties = resource.getAsJsonObject("Properties");
            switch (type) {
                case "AWS::Events::Rule" -> properties.getAsJsonArray("Targets").forEach(t -> {
                    JsonObject target = t.getAsJsonObject();
                    assertFalse(target.get("Arn").toString().contains(s.resource()), "a rule's target, not its dead-letter queue: " + where);
                    if (target.has("DeadLetterConfig")) {
                        assertTrue(target.getAsJsonObject("DeadLetterConfig").get("Arn").toString().contains(s.resource()) || !target.toString().contains(s.resource()), where);
                    }
                });
                case "AWS::Lambda::EventInvokeConfig" -> {
                    JsonObject destinations = properties.getAsJsonObject("DestinationConfig");
                    assertFalse(destinations.has("OnSuccess") && destinations.get("OnSuccess").toString().contains(s.resource()), where);
                    assertTrue(destinations.get("OnFailure").toString().contains(s.resource()), where);
                }
                default -> throw new AssertionError(entry.getKey() + " (" + type + ") uses the queue otherwise: " + where);
            }
            uses++;
        }
        assertTrue(uses > 0, "nothing sends its failures to the queue: " + where);
        assertFalse(s.properties().has("RedrivePolicy"), "a dead-letter queue has no dead-letter queue of its own: " + where);
    }

    /** The statements a suppression on a policy covers: its own; on a role (applied to its children): its policies'. */
    private static List<JsonObject> statements(Suppression s, JsonObject resources) {
        List<JsonObject> statements = new ArrayList<>();
        List<JsonObject> policies = new ArrayList<>();
        if (s.properties().has("PolicyDocument")) {
            policies.add(s.properties());
        } else {
            assertTrue(s.properties().has("AssumeRolePolicyDocument"), "an IAM5 suppression on a policy or a role: " + s);
            resources.entrySet().stream().map(e -> e.getValue().getAsJsonObject())
                    .filter(r -> r.get("Type").getAsString().equals("AWS::IAM::Policy"))
                    .map(r -> r.getAsJsonObject("Properties"))
                    .filter(p -> p.get("Roles").toString().contains("{\"Ref\":\"" + s.resource() + "\"}"))
                    .forEach(policies::add);
        }
        policies.forEach(p -> p.getAsJsonObject("PolicyDocument").getAsJsonArray("Statement").forEach(st -> statements.add(st.getAsJsonObject())));
        return statements;
    }

    private static String typeOf(Suppression s) {
        return s.properties().has("PolicyDocument") ? "AWS::IAM::Policy" : s.properties().has("MessageRetentionPeriod") ? "AWS::SQS::Queue" : "?";
    }

    private static Set<String> actions(JsonObject statement) {
        Set<String> actions = new TreeSet<>();
        TemplateJson.list(statement.get("Action")).forEach(a -> actions.add(a.getAsString()));
        return actions;
    }

    /** A resource as cdk-nag prints it: a joined ARN with the partition reference written <AWS::Partition>. */
    private static String nagForm(JsonElement resource) {
        if (resource.isJsonPrimitive()) {
            return resource.getAsString();
        }
        JsonObject object = resource.getAsJsonObject();
        if (!object.has("Fn::Join")) {
            return object.toString();
        }
        StringBuilder text = new StringBuilder();
        object.getAsJsonArray("Fn::Join").get(1).getAsJsonArray().forEach(part -> {
            if (part.isJsonPrimitive()) {
                text.append(part.getAsString());
            } else if (part.getAsJsonObject().has("Ref")) {
                text.append('<').append(part.getAsJsonObject().get("Ref").getAsString()).append('>');
            } else {
                text.append(part.toString());
            }
        });
        return text.toString();
    }

    private static List<Suppression> suppressions(String stack, JsonObject resources) {
        List<Suppression> found = new ArrayList<>();
        resources.entrySet().forEach(e -> {
            JsonObject resource = e.getValue().getAsJsonObject();
            if (!resource.has("Metadata") || !resource.getAsJsonObject("Metadata").has("cdk_nag")) {
                return;
            }
            JsonObject properties = resource.has("Properties") ? resource.getAsJsonObject("Properties") : new JsonObject();
            resource.getAsJsonObject("Metadata").getAsJsonObject("cdk_nag").getAsJsonArray("rules_to_suppress").forEach(r -> {
                JsonObject rule = r.getAsJsonObject();
                List<String> appliesTo = rule.has("applies_to")
                        ? rule.getAsJsonArray("applies_to").asList().stream().map(JsonElement::getAsString).toList() : List.of();
                found.add(new Suppression(stack, e.getKey(), properties, rule.get("id").getAsString(), rule.get("reason").getAsString(), appliesTo));
            });
        });
        return found;
    }
}
