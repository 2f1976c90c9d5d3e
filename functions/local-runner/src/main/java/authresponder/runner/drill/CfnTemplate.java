package authresponder.runner.drill;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One synthesized CloudFormation template (a stack of cdk.out) and the account and region it deploys to. It
 * resolves the few intrinsic functions the app's rules, targets and destinations use (Ref, Fn::GetAtt Arn,
 * Fn::Join) to the names and ARNs CloudFormation would give the resources, as the CloudFormation template
 * reference documents them for each type ("Return values" of AWS::Lambda::Function, AWS::Events::EventBus,
 * AWS::SQS::Queue, AWS::SNS::Topic...). Anything else is refused, not guessed.
 */
record CfnTemplate(String stack, String account, String region, JsonObject json) {

    /** The resources of one type, by logical id. */
    Map<String, JsonObject> ofType(String type) {
        Map<String, JsonObject> found = new LinkedHashMap<>();
        json.getAsJsonObject("Resources").entrySet().forEach(e -> {
            JsonObject resource = e.getValue().getAsJsonObject();
            if (type.equals(resource.get("Type").getAsString())) {
                found.put(e.getKey(), resource.has("Properties") ? resource.getAsJsonObject("Properties") : new JsonObject());
            }
        });
        return found;
    }

    boolean has(String type) {
        return !ofType(type).isEmpty();
    }

    /** A value with its intrinsic functions resolved: strings, numbers, objects and arrays of them. */
    JsonElement resolve(JsonElement value) {
        if (value.isJsonArray()) {
            JsonArray resolved = new JsonArray();
            value.getAsJsonArray().forEach(item -> resolved.add(resolve(item)));
            return resolved;
        }
        if (!value.isJsonObject()) {
            return value;
        }
        JsonObject object = value.getAsJsonObject();
        if (object.size() == 1 && object.has("Ref")) {
            return new JsonPrimitive(ref(object.get("Ref").getAsString()));
        }
        if (object.size() == 1 && object.has("Fn::GetAtt")) {
            JsonArray args = object.getAsJsonArray("Fn::GetAtt");
            return new JsonPrimitive(attribute(args.get(0).getAsString(), args.get(1).getAsString()));
        }
        if (object.size() == 1 && object.has("Fn::Join")) {
            JsonArray args = object.getAsJsonArray("Fn::Join");
            List<String> parts = new ArrayList<>();
            resolve(args.get(1)).getAsJsonArray().forEach(part -> parts.add(part.getAsString()));
            return new JsonPrimitive(String.join(args.get(0).getAsString(), parts));
        }
        if (object.keySet().stream().anyMatch(key -> key.startsWith("Fn::"))) {
            throw new IllegalStateException(stack + ": the drill does not resolve " + object.keySet() + " in " + object);
        }
        JsonObject resolved = new JsonObject();
        object.entrySet().forEach(e -> resolved.add(e.getKey(), resolve(e.getValue())));
        return resolved;
    }

    String resolveText(JsonElement value) {
        return resolve(value).getAsString();
    }

    private String ref(String id) {
        switch (id) {
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
        JsonObject resource = resource(id);
        JsonObject properties = resource.getAsJsonObject("Properties");
        return switch (resource.get("Type").getAsString()) {
            case "AWS::Lambda::Function" -> properties.get("FunctionName").getAsString();
            case "AWS::Lambda::Alias" -> resolveText(properties.get("FunctionName")).contains(":")
                    ? resolveText(properties.get("FunctionName")) + ":" + properties.get("Name").getAsString()
                    : lambdaArn(resolveText(properties.get("FunctionName"))) + ":" + properties.get("Name").getAsString();
            case "AWS::Events::EventBus" -> properties.get("Name").getAsString();
            case "AWS::SNS::Topic" -> "arn:aws:sns:" + region + ":" + account + ":" + properties.get("TopicName").getAsString();
            case "AWS::DynamoDB::Table" -> properties.get("TableName").getAsString();
            default -> throw new IllegalStateException(stack + ": the drill does not resolve Ref of " + resource.get("Type").getAsString() + " " + id);
        };
    }

    private String attribute(String id, String attribute) {
        JsonObject resource = resource(id);
        JsonObject properties = resource.getAsJsonObject("Properties");
        String type = resource.get("Type").getAsString();
        if (!attribute.equals("Arn")) {
            throw new IllegalStateException(stack + ": the drill does not resolve Fn::GetAtt " + id + "." + attribute);
        }
        return switch (type) {
            case "AWS::Lambda::Function" -> lambdaArn(properties.get("FunctionName").getAsString());
            case "AWS::Events::EventBus" -> "arn:aws:events:" + region + ":" + account + ":event-bus/" + properties.get("Name").getAsString();
            // A queue without a QueueName gets one CloudFormation makes up: the logical id stands in for it.
            case "AWS::SQS::Queue" -> "arn:aws:sqs:" + region + ":" + account + ":" + queueName(id);
            case "AWS::IAM::Role" -> "arn:aws:iam::" + account + ":role/" + id;
            default -> throw new IllegalStateException(stack + ": the drill does not resolve the Arn of " + type + " " + id);
        };
    }

    String queueName(String id) {
        JsonObject properties = resource(id).getAsJsonObject("Properties");
        return properties != null && properties.has("QueueName") ? properties.get("QueueName").getAsString() : id;
    }

    String lambdaArn(String functionName) {
        return "arn:aws:lambda:" + region + ":" + account + ":function:" + functionName;
    }

    private JsonObject resource(String id) {
        JsonElement resource = json.getAsJsonObject("Resources").get(id);
        if (resource == null) {
            throw new IllegalStateException(stack + " has no resource " + id);
        }
        return resource.getAsJsonObject();
    }
}
