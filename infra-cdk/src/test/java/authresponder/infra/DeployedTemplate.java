package authresponder.infra;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * A synthesized stack as CloudFormation would deploy it, for the IAM simulation: CloudFormation's intrinsic functions
 * resolved to the names and ARNs the resources get. Resources whose names CloudFormation generates (roles, keys, rules,
 * security groups) get their logical id as their name, which is all a policy needs: every reference to them resolves to
 * the same ARN.
 */
final class DeployedTemplate {
    final String region;
    final String account;
    final JsonObject resources;

    DeployedTemplate(Stack stack, DeploymentConfig config) {
        this.region = stack.getRegion();
        this.account = config.account();
        this.resources = new Gson().toJsonTree(Template.fromStack(stack).toJSON()).getAsJsonObject().getAsJsonObject("Resources");
    }

    /** The properties of every resource of the type, resolved, by logical id. */
    Map<String, JsonObject> ofType(String type) {
        Map<String, JsonObject> found = new TreeMap<>();
        resources.entrySet().forEach(e -> {
            JsonObject resource = e.getValue().getAsJsonObject();
            if (type.equals(resource.get("Type").getAsString()) && resource.has("Properties")) {
                found.put(e.getKey(), resolve(resource.get("Properties")).getAsJsonObject());
            }
        });
        return found;
    }

    JsonObject properties(String logicalId) {
        return resolve(resources.getAsJsonObject(logicalId).get("Properties")).getAsJsonObject();
    }

    String type(String logicalId) {
        return resources.getAsJsonObject(logicalId).get("Type").getAsString();
    }

    /** A value with every intrinsic function replaced by what it stands for. */
    JsonElement resolve(JsonElement value) {
        if (value.isJsonArray()) {
            JsonArray array = new JsonArray();
            value.getAsJsonArray().forEach(v -> array.add(resolve(v)));
            return array;
        }
        if (!value.isJsonObject()) {
            return value;
        }
        JsonObject object = value.getAsJsonObject();
        if (object.size() == 1) {
            String function = object.keySet().iterator().next();
            JsonElement argument = object.get(function);
            switch (function) {
                case "Ref" -> {
                    return new JsonPrimitive(ref(argument.getAsString()));
                }
                case "Fn::GetAtt" -> {
                    return new JsonPrimitive(attribute(argument.getAsJsonArray().get(0).getAsString(), argument.getAsJsonArray().get(1).getAsString()));
                }
                case "Fn::Join" -> {
                    List<String> parts = new ArrayList<>();
                    resolve(argument.getAsJsonArray().get(1)).getAsJsonArray().forEach(p -> parts.add(p.getAsString()));
                    return new JsonPrimitive(String.join(argument.getAsJsonArray().get(0).getAsString(), parts));
                }
                case "Fn::Select" -> {
                    return resolve(argument.getAsJsonArray().get(1)).getAsJsonArray().get(argument.getAsJsonArray().get(0).getAsInt());
                }
                case "Fn::Split" -> {
                    JsonArray parts = new JsonArray();
                    for (String part : resolve(argument.getAsJsonArray().get(1)).getAsString().split(java.util.regex.Pattern.quote(argument.getAsJsonArray().get(0).getAsString()), -1)) {
                        parts.add(part);
                    }
                    return parts;
                }
                default -> {
                    if (function.startsWith("Fn::")) {
                        throw new IllegalStateException("the IAM simulation cannot resolve " + object);
                    }
                }
            }
        }
        JsonObject resolved = new JsonObject();
        object.entrySet().forEach(e -> resolved.add(e.getKey(), resolve(e.getValue())));
        return resolved;
    }

    /** What Ref gives for a pseudo parameter or a resource. */
    String ref(String name) {
        switch (name) {
            case "AWS::Partition" -> {
                return "aws";
            }
            case "AWS::Region" -> {
                return region;
            }
            case "AWS::AccountId" -> {
                return account;
            }
            case "AWS::URLSuffix" -> {
                return "amazonaws.com";
            }
            default -> { }
        }
        JsonObject resource = resources.getAsJsonObject(name);
        if (resource == null) {
            throw new IllegalStateException("no resource " + name);
        }
        JsonObject p = resource.has("Properties") ? resource.getAsJsonObject("Properties") : new JsonObject();
        return switch (resource.get("Type").getAsString()) {
            case "AWS::SNS::Topic" -> arn("sns", text(p, "TopicName", name));
            case "AWS::SQS::Queue" -> "https://sqs." + region + ".amazonaws.com/" + account + "/" + text(p, "QueueName", name);
            case "AWS::Lambda::Function" -> text(p, "FunctionName", name);
            case "AWS::DynamoDB::Table" -> text(p, "TableName", name);
            case "AWS::Events::EventBus" -> text(p, "Name", name);
            case "AWS::Lambda::Alias" -> attribute(p.getAsJsonObject("FunctionName").get("Ref").getAsString(), "Arn") + ":" + p.get("Name").getAsString();
            case "AWS::Lambda::Version" -> attribute(p.getAsJsonObject("FunctionName").get("Ref").getAsString(), "Arn") + ":1";
            case "AWS::EC2::SecurityGroup" -> securityGroupId(name);
            case "AWS::Logs::LogGroup" -> text(p, "LogGroupName", name);
            default -> name;
        };
    }

    /** What Fn::GetAtt gives for a resource's attribute. */
    String attributeOf(String name, String attribute) {
        return attribute(name, attribute);
    }

    private String attribute(String name, String attribute) {
        JsonObject resource = resources.getAsJsonObject(name);
        if (resource == null) {
            throw new IllegalStateException("no resource " + name);
        }
        JsonObject p = resource.has("Properties") ? resource.getAsJsonObject("Properties") : new JsonObject();
        String type = resource.get("Type").getAsString();
        return switch (type + "." + attribute) {
            case "AWS::SNS::Topic.TopicArn", "AWS::SNS::Topic.TopicName" ->
                    attribute.equals("TopicName") ? text(p, "TopicName", name) : ref(name);
            case "AWS::SQS::Queue.Arn" -> arn("sqs", text(p, "QueueName", name));
            case "AWS::SQS::Queue.QueueName" -> text(p, "QueueName", name);
            case "AWS::SQS::Queue.QueueUrl" -> ref(name);
            case "AWS::Lambda::Function.Arn" -> arn("lambda", "function:" + ref(name));
            case "AWS::DynamoDB::Table.Arn" -> "arn:aws:dynamodb:" + region + ":" + account + ":table/" + ref(name);
            case "AWS::Events::EventBus.Arn" -> "arn:aws:events:" + region + ":" + account + ":event-bus/" + ref(name);
            case "AWS::Events::EventBus.Name" -> ref(name);
            case "AWS::KMS::Key.Arn" -> "arn:aws:kms:" + region + ":" + account + ":key/" + name;
            case "AWS::IAM::Role.Arn" -> "arn:aws:iam::" + account + ":role/" + name;
            case "AWS::Events::Rule.Arn" -> ruleArn(name);
            case "AWS::EC2::SecurityGroup.GroupId" -> securityGroupId(name);
            case "AWS::Logs::LogGroup.Arn" -> arn("logs", "log-group:" + ref(name) + ":*");
            case "AWS::Lambda::Version.Version" -> "1";
            default -> throw new IllegalStateException("the IAM simulation cannot resolve " + type + "." + attribute + " of " + name);
        };
    }

    /** A rule's ARN: rule/NAME on the default bus, rule/BUS/NAME on another. */
    String ruleArn(String logicalId) {
        JsonObject p = resources.getAsJsonObject(logicalId).getAsJsonObject("Properties");
        String bus = p.has("EventBusName") ? resolve(p.get("EventBusName")).getAsString() + "/" : "";
        return "arn:aws:events:" + region + ":" + account + ":rule/" + bus + logicalId;
    }

    String arn(String service, String resource) {
        return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource;
    }

    private static String securityGroupId(String logicalId) {
        return "sg-0" + String.format("%016x", (long) logicalId.hashCode() & 0xffffffffL);
    }

    private static String text(JsonObject properties, String key, String fallback) {
        return properties.has(key) && properties.get(key).isJsonPrimitive() ? properties.get(key).getAsString() : fallback;
    }

    /** The role a function runs with: its logical id, from the function's Role. */
    String roleOf(String functionLogicalId) {
        return resources.getAsJsonObject(functionLogicalId).getAsJsonObject("Properties").getAsJsonObject("Role")
                .getAsJsonArray("Fn::GetAtt").get(0).getAsString();
    }

    /** The role's identity policies as iam-simulate takes them: {name, policy}. */
    JsonArray identityPolicies(String roleLogicalId) {
        JsonArray policies = new JsonArray();
        resources.entrySet().forEach(e -> {
            JsonObject resource = e.getValue().getAsJsonObject();
            if (resource.get("Type").getAsString().equals("AWS::IAM::Policy")
                    && resource.getAsJsonObject("Properties").get("Roles").toString().contains("{\"Ref\":\"" + roleLogicalId + "\"}")) {
                JsonObject policy = new JsonObject();
                policy.addProperty("name", e.getKey());
                policy.add("policy", resolve(resource.getAsJsonObject("Properties").get("PolicyDocument")));
                policies.add(policy);
            }
        });
        return policies;
    }
}
