package authresponder.infra;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awscdk.assertions.Template;

/** A synthesized template as JSON, for the questions the assertion library does not ask directly. */
final class TemplateJson {
    final JsonObject resources;

    TemplateJson(Template template) {
        resources = new Gson().toJsonTree(template.toJSON()).getAsJsonObject().getAsJsonObject("Resources");
    }

    /** The properties of every resource of the type, by logical id. */
    Map<String, JsonObject> ofType(String type) {
        Map<String, JsonObject> found = new java.util.TreeMap<>();
        resources.entrySet().forEach(e -> {
            JsonObject resource = e.getValue().getAsJsonObject();
            if (type.equals(resource.get("Type").getAsString())) {
                found.put(e.getKey(), resource.has("Properties") ? resource.getAsJsonObject("Properties") : new JsonObject());
            }
        });
        return found;
    }

    /** The logical id of the function with the name. */
    String functionId(String functionName) {
        return ofType("AWS::Lambda::Function").entrySet().stream()
                .filter(e -> functionName.equals(e.getValue().get("FunctionName").getAsString()))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("no function " + functionName));
    }

    JsonObject function(String functionName) {
        return ofType("AWS::Lambda::Function").get(functionId(functionName));
    }

    /** The function's asynchronous-invoke settings. */
    JsonObject eventInvokeConfig(String functionName) {
        String function = functionId(functionName);
        return ofType("AWS::Lambda::EventInvokeConfig").values().stream()
                .filter(c -> function.equals(c.getAsJsonObject("FunctionName").get("Ref").getAsString()))
                .findFirst().orElseThrow(() -> new AssertionError("no asynchronous-invoke settings for " + functionName));
    }

    /** Every IAM statement attached to the function's role, inline policies included. */
    List<JsonObject> statementsOf(String functionName) {
        String role = function(functionName).getAsJsonObject("Role").getAsJsonArray("Fn::GetAtt").get(0).getAsString();
        List<JsonObject> statements = new ArrayList<>();
        ofType("AWS::IAM::Policy").values().forEach(policy -> {
            boolean attached = policy.getAsJsonArray("Roles").asList().stream()
                    .anyMatch(r -> r.isJsonObject() && role.equals(r.getAsJsonObject().get("Ref").getAsString()));
            if (attached) {
                policy.getAsJsonObject("PolicyDocument").getAsJsonArray("Statement").forEach(s -> statements.add(s.getAsJsonObject()));
            }
        });
        return statements;
    }

    /** The actions the function's role allows. */
    Set<String> actionsOf(String functionName) {
        Set<String> actions = new TreeSet<>();
        statementsOf(functionName).forEach(s -> list(s.get("Action")).forEach(a -> actions.add(a.getAsString())));
        return actions;
    }

    static List<JsonElement> list(JsonElement value) {
        return value.isJsonArray() ? value.getAsJsonArray().asList() : List.of(value);
    }
}
