package authresponder.restart;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Lambda function answering in Lambda's REST-JSON wire format, with what moto does not do: a
 * LastUpdateStatus that stays InProgress for a while and then turns Successful or Failed, RevisionIds
 * that change, ResourceConflictException while an update runs, and a concurrent writer.
 */
final class FakeLambda implements AwsFront.StandIn {
    private static final Pattern PATH = Pattern.compile("/2015-03-31/functions/([^/]+)/(configuration|versions|aliases/([^/]+))");

    final String name;
    final Map<String, String> variables = new LinkedHashMap<>();
    final List<String> requests = new ArrayList<>();
    String revision = UUID.randomUUID().toString();
    String status = "Successful";
    int updates;
    /** After an update, this many reads still report InProgress; then the update ends as {@link #settleAs}. */
    int inProgressReads;
    String settleAs = "Successful";
    /** This many next updates are answered with ResourceConflictException. */
    int conflicts;
    /** Someone else's change, applied just before the next update arrives: that update's RevisionId is stale. */
    Map<String, String> interference;
    private int readsLeft;
    private final List<String> versions = new ArrayList<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();

    FakeLambda(String name, Map<String, String> variables) {
        this.name = name;
        this.variables.putAll(variables);
    }

    synchronized FakeLambda alias(String alias, String version) {
        versions.add(version);
        aliases.put(alias, version);
        return this;
    }

    synchronized String aliasVersion(String alias) {
        return aliases.get(alias);
    }

    @Override
    public synchronized void handle(HttpExchange exchange, String body) throws IOException {
        Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
        String method = exchange.getRequestMethod();
        requests.add(method + " " + exchange.getRequestURI().getPath());
        if (!path.matches() || !path.group(1).equals(name)) {
            error(exchange, 404, "ResourceNotFoundException", "Function not found: " + exchange.getRequestURI().getPath());
            return;
        }
        JsonObject request = body.isEmpty() ? new JsonObject() : JsonParser.parseString(body).getAsJsonObject();
        switch (method + " " + path.group(2).replaceFirst("aliases/.*", "aliases")) {
            case "GET configuration" -> {
                if (readsLeft > 0 && --readsLeft == 0) {
                    status = settleAs;
                }
                String qualifier = exchange.getRequestURI().getQuery();
                AwsFront.answer(exchange, 200, configuration(qualifier == null ? "$LATEST" : qualifier.replace("Qualifier=", "")).toString(), Map.of());
            }
            case "PUT configuration" -> update(exchange, request);
            case "POST versions" -> {
                if ("InProgress".equals(status)) {
                    error(exchange, 409, "ResourceConflictException", "An update is in progress for resource: " + name);
                    return;
                }
                versions.add(String.valueOf(versions.size() + 1));
                AwsFront.answer(exchange, 201, configuration(versions.getLast()).toString(), Map.of());
            }
            case "GET aliases" -> AwsFront.answer(exchange, 200, alias(path.group(3)).toString(), Map.of());
            case "PUT aliases" -> {
                aliases.put(path.group(3), request.get("FunctionVersion").getAsString());
                AwsFront.answer(exchange, 200, alias(path.group(3)).toString(), Map.of());
            }
            default -> error(exchange, 400, "InvalidRequestContentException", "unexpected " + method);
        }
    }

    private void update(HttpExchange exchange, JsonObject request) throws IOException {
        if (interference != null) {
            variables.putAll(interference);
            interference = null;
            revision = UUID.randomUUID().toString();
        }
        if (conflicts > 0 || "InProgress".equals(status)) {
            conflicts = Math.max(0, conflicts - 1);
            error(exchange, 409, "ResourceConflictException", "The operation cannot be performed at this time. An update is in progress for resource: " + name);
            return;
        }
        if (request.has("RevisionId") && !request.get("RevisionId").getAsString().equals(revision)) {
            error(exchange, 412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id.");
            return;
        }
        variables.clear();
        request.getAsJsonObject("Environment").getAsJsonObject("Variables").entrySet()
                .forEach(e -> variables.put(e.getKey(), e.getValue().getAsString()));
        updates++;
        revision = UUID.randomUUID().toString();
        status = inProgressReads > 0 ? "InProgress" : settleAs;
        readsLeft = inProgressReads;
        AwsFront.answer(exchange, 200, configuration("$LATEST").toString(), Map.of());
    }

    private JsonObject configuration(String version) {
        JsonObject configuration = new JsonObject();
        configuration.addProperty("FunctionName", name);
        configuration.addProperty("FunctionArn", "arn:aws:lambda:eu-west-2:123456789012:function:" + name + ":" + version);
        configuration.addProperty("Version", version);
        configuration.addProperty("RevisionId", revision);
        configuration.addProperty("State", "Active");
        configuration.addProperty("LastUpdateStatus", status);
        if ("Failed".equals(status)) {
            configuration.addProperty("LastUpdateStatusReason", "The function could not be updated: EniLimitExceeded");
            configuration.addProperty("LastUpdateStatusReasonCode", "EniLimitExceeded");
        }
        JsonObject environment = new JsonObject();
        JsonObject vars = new JsonObject();
        variables.forEach(vars::addProperty);
        environment.add("Variables", vars);
        configuration.add("Environment", environment);
        return configuration;
    }

    private JsonObject alias(String alias) {
        JsonObject answer = new JsonObject();
        answer.addProperty("Name", alias);
        answer.addProperty("FunctionVersion", aliases.get(alias));
        answer.addProperty("RevisionId", "alias-" + aliases.get(alias));
        answer.addProperty("AliasArn", "arn:aws:lambda:eu-west-2:123456789012:function:" + name + ":" + alias);
        return answer;
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        JsonObject body = new JsonObject();
        body.addProperty("Type", "User");
        body.addProperty("message", message);
        AwsFront.answer(exchange, status, body.toString(), Map.of("X-Amzn-ErrorType", type));
    }
}
