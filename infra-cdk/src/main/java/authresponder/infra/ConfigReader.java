package authresponder.infra;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads one JSON object of the deployment configuration and collects every problem with its path
 * (for example {@code cache.port must be a whole number}), so a synth reports all mistakes at once.
 * A key nobody reads is a problem too: a typo must not silently fall back to a default.
 */
final class ConfigReader {
    private final JsonObject object;
    private final String path;
    private final List<String> problems;
    private final Set<String> read = new HashSet<>();

    ConfigReader(JsonObject object, String path, List<String> problems) {
        this.object = object;
        this.path = path;
        this.problems = problems;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        problems.add(path(key) + " " + message);
    }

    /** A problem with this object as a whole. */
    void problem(String message) {
        problems.add(path + " " + message);
    }

    /** The keys of this object, as written. */
    Set<String> keys() {
        return object.keySet();
    }

    boolean has(String key) {
        read.add(key);
        return object.has(key) && !object.get(key).isJsonNull();
    }

    String text(String key) {
        String value = optionalText(key, null);
        if (value == null && !object.has(key)) {
            problem(key, "is required");
        }
        return value;
    }

    String optionalText(String key, String fallback) {
        JsonElement value = element(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString() || value.getAsString().isBlank()) {
            problem(key, "must be a non-empty string");
            return fallback;
        }
        return value.getAsString().trim();
    }

    /** A required string that must match the pattern; {@code shape} says what was expected, for the error. */
    String matching(String key, Pattern pattern, String shape) {
        String value = text(key);
        return value == null ? null : check(key, value, pattern, shape);
    }

    String optionalMatching(String key, Pattern pattern, String shape) {
        String value = optionalText(key, null);
        return value == null ? null : check(key, value, pattern, shape);
    }

    private String check(String key, String value, Pattern pattern, String shape) {
        if (!pattern.matcher(value).matches()) {
            problem(key, "must be " + shape + ", got '" + value + "'");
            return null;
        }
        return value;
    }

    int integer(String key, int fallback, int min, int max) {
        JsonElement value = element(key);
        if (value == null) {
            return fallback;
        }
        if (!isNumber(value) || value.getAsDouble() != Math.rint(value.getAsDouble())) {
            problem(key, "must be a whole number");
            return fallback;
        }
        double number = value.getAsDouble();
        if (number < min || number > max) {
            problem(key, "must be between " + min + " and " + max + ", got " + value.getAsString());
            return fallback;
        }
        return (int) number;
    }

    double number(String key, double fallback, double min, double max) {
        JsonElement value = element(key);
        if (value == null) {
            return fallback;
        }
        if (!isNumber(value) || value.getAsDouble() < min || value.getAsDouble() > max) {
            problem(key, "must be a number between " + min + " and " + max);
            return fallback;
        }
        return value.getAsDouble();
    }

    boolean bool(String key, boolean fallback) {
        JsonElement value = element(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            problem(key, "must be true or false");
            return fallback;
        }
        return value.getAsBoolean();
    }

    /** A list of strings, each matching the pattern; {@code min} is the least number of entries. */
    List<String> texts(String key, Pattern pattern, String shape, int min) {
        JsonElement value = element(key);
        if (value == null) {
            if (min > 0) {
                problem(key, "is required");
            }
            return List.of();
        }
        if (!value.isJsonArray()) {
            problem(key, "must be a list of strings");
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < value.getAsJsonArray().size(); i++) {
            JsonElement item = value.getAsJsonArray().get(i);
            String where = key + "[" + i + "]";
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                problem(where, "must be a string");
            } else if (!pattern.matcher(item.getAsString()).matches()) {
                problem(where, "must be " + shape + ", got '" + item.getAsString() + "'");
            } else if (values.contains(item.getAsString())) {
                problem(where, "repeats '" + item.getAsString() + "'");
            } else {
                values.add(item.getAsString());
            }
        }
        if (values.size() < min && problems.stream().noneMatch(p -> p.startsWith(path(key)))) {
            problem(key, "needs at least " + min + " entr" + (min == 1 ? "y" : "ies"));
        }
        return List.copyOf(values);
    }

    /** A nested object, or null (with a problem when required). */
    ConfigReader object(String key, boolean required) {
        JsonElement value = element(key);
        if (value == null) {
            if (required) {
                problem(key, "is required");
            }
            return null;
        }
        if (!value.isJsonObject()) {
            problem(key, "must be an object");
            return null;
        }
        return new ConfigReader(value.getAsJsonObject(), path(key), problems);
    }

    /** An object whose keys are names (matching {@code names}) and whose values are read by {@code reader}. */
    <T> Map<String, T> map(String key, Pattern names, String shape, Function<ConfigReader, T> reader, boolean required) {
        ConfigReader entries = object(key, required);
        if (entries == null) {
            return Map.of();
        }
        Map<String, T> values = new LinkedHashMap<>();
        for (String name : entries.object.keySet()) {
            entries.read.add(name);
            if (!names.matcher(name).matches()) {
                entries.problem(name, "is not a valid name: must be " + shape);
                continue;
            }
            ConfigReader entry = entries.object(name, true);
            if (entry != null) {
                values.put(name, reader.apply(entry));
                entry.done();
            }
        }
        if (required && values.isEmpty() && entries.object.keySet().isEmpty()) {
            problem(key, "needs at least one entry");
        }
        return values;
    }

    /** A string-to-string object, for settings passed on verbatim. */
    Map<String, String> strings(String key, Pattern names, String shape) {
        ConfigReader entries = object(key, false);
        if (entries == null) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : entries.object.keySet()) {
            if (!names.matcher(name).matches()) {
                entries.read.add(name);
                entries.problem(name, "is not a valid name: must be " + shape);
                continue;
            }
            JsonElement value = entries.element(name);
            if (value != null && value.isJsonPrimitive()) {
                values.put(name, value.getAsString());
            } else if (value != null) {
                entries.problem(name, "must be a string, number or boolean");
            }
        }
        return values;
    }

    /** Reports the keys that no reader asked for: typos and settings that do not exist. */
    void done() {
        for (String key : object.keySet()) {
            if (!read.contains(key)) {
                problem(key, "is not a known setting");
            }
        }
    }

    private JsonElement element(String key) {
        read.add(key);
        JsonElement value = object.get(key);
        return value == null || value.isJsonNull() ? null : value;
    }

    private static boolean isNumber(JsonElement value) {
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
    }
}
