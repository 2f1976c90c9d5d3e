package authresponder.restart;

import authresponder.core.ConfigException;
import authresponder.core.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** A restart target as configured: a caller names it, never an ARN or a cluster. */
public sealed interface Target {
    String name();

    /**
     * A Lambda authoriser. With an alias (the authoriser is invoked through it, or uses SnapStart), a new
     * version is published and the alias moved; without one, $LATEST gets fresh execution environments.
     */
    record Lambda(String name, String function, String alias) implements Target {}

    /** Deployments in one namespace of an EKS cluster, restarted as {@code kubectl rollout restart} does. */
    record Eks(String name, String cluster, String namespace, List<String> deployments) implements Target {}

    Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /**
     * Reads {@code RESTART_TARGETS}: a JSON object from target name to either
     * {@code {"lambda": "function-name", "alias": "live"}} (alias optional) or
     * {@code {"eks": "cluster", "namespace": "auth", "deployments": ["oidc-provider"]}}.
     */
    static Map<String, Target> parse(String setting, String json) {
        JsonObject all;
        try {
            all = Json.parseObject(json, setting);
        } catch (RuntimeException e) {
            throw new ConfigException(setting + " must be a JSON object from target name to target: " + e.getMessage());
        }
        if (all.isEmpty()) {
            throw new ConfigException(setting + " names no target");
        }
        Map<String, Target> targets = new LinkedHashMap<>();
        for (var entry : all.entrySet()) {
            String name = entry.getKey();
            String where = setting + " target '" + name + "'";
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(where + ": a name is lower-case letters, digits and '-'");
            }
            if (!entry.getValue().isJsonObject()) {
                throw new ConfigException(where + " must be an object");
            }
            JsonObject spec = entry.getValue().getAsJsonObject();
            if (spec.has("lambda") == spec.has("eks")) {
                throw new ConfigException(where + " needs exactly one of \"lambda\" or \"eks\"");
            }
            if (spec.has("lambda")) {
                allowOnly(where, spec, Set.of("lambda", "alias"));
                targets.put(name, new Lambda(name, text(where, spec, "lambda"), spec.has("alias") ? text(where, spec, "alias") : null));
            } else {
                allowOnly(where, spec, Set.of("eks", "namespace", "deployments"));
                targets.put(name, new Eks(name, text(where, spec, "eks"), text(where, spec, "namespace"), deployments(where, spec)));
            }
        }
        return Map.copyOf(targets);
    }

    private static void allowOnly(String where, JsonObject spec, Set<String> allowed) {
        for (String key : spec.keySet()) {
            if (!allowed.contains(key)) {
                throw new ConfigException(where + ": unknown field '" + key + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private static String text(String where, JsonObject spec, String field) {
        JsonElement value = spec.get(field);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString() || value.getAsString().isBlank()) {
            throw new ConfigException(where + " needs \"" + field + "\" as a non-empty string");
        }
        return value.getAsString().strip();
    }

    private static List<String> deployments(String where, JsonObject spec) {
        JsonElement value = spec.get("deployments");
        if (value == null || !value.isJsonArray() || value.getAsJsonArray().isEmpty()) {
            throw new ConfigException(where + " needs \"deployments\" as a non-empty list of names");
        }
        List<String> names = new ArrayList<>();
        for (JsonElement element : value.getAsJsonArray()) {
            if (!element.isJsonPrimitive() || element.getAsString().isBlank()) {
                throw new ConfigException(where + ": every deployment is a non-empty name");
            }
            names.add(element.getAsString().strip());
        }
        return List.copyOf(names);
    }
}
