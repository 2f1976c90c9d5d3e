package authresponder.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one way JSON becomes records in this product, for a caller's command and for the runbooks' policy
 * alike: strict all the way down. An unknown field, a missing required value, an explicit null, a wrong
 * type, a blank string, an unknown enum name or a malformed duration is an error that names where it is, so a typo
 * never silently does something else.
 */
public final class Binder {
    private final Function<String, RuntimeException> error;
    private final Function<String, String> label;

    /**
     * @param error makes the exception to throw from a message (bad input for a command, a policy error for a runbook)
     * @param label how a path reads in a message (e.g. {@code dryRun} → {@code field 'dryRun'})
     */
    public Binder(Function<String, RuntimeException> error, Function<String, String> label) {
        this.error = error;
        this.label = label;
    }

    public <T> T bind(JsonElement json, Class<T> type, String path) {
        return type.cast(value(json, type, path));
    }

    /** Binds a record whose every component is required, boxed or not, but the optional ones named (which may be null). */
    public <T extends Record> T bindComplete(JsonObject json, Class<T> type, String path, Set<String> optional) {
        for (RecordComponent component : type.getRecordComponents()) {
            if (!optional.contains(component.getName())
                    && (!json.has(component.getName()) || json.get(component.getName()).isJsonNull())) {
                throw error.apply(label.apply(child(path, component.getName())) + " is missing");
            }
        }
        return bind(json, type, path);
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private Object value(JsonElement json, Type type, String path) {
        if (type instanceof ParameterizedType generic) {
            Class<?> raw = (Class<?>) generic.getRawType();
            Type[] args = generic.getActualTypeArguments();
            if (raw == List.class) {
                if (!json.isJsonArray()) {
                    throw wrong(path, "a list");
                }
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < json.getAsJsonArray().size(); i++) {
                    list.add(value(json.getAsJsonArray().get(i), args[0], path + "[" + i + "]"));
                }
                return List.copyOf(list);
            }
            if (raw == Map.class) {
                if (!json.isJsonObject()) {
                    throw wrong(path, "an object");
                }
                Map<Object, Object> map = new LinkedHashMap<>();
                for (var entry : json.getAsJsonObject().entrySet()) {
                    String at = child(path, entry.getKey());
                    map.put(key(entry.getKey(), (Class<?>) args[0], at), value(entry.getValue(), args[1], at));
                }
                return Collections.unmodifiableMap(map);
            }
            throw new IllegalArgumentException("unsupported type " + type);
        }
        Class<?> target = (Class<?>) type;
        if (target == JsonObject.class) {
            if (!json.isJsonObject()) {
                throw wrong(path, "an object");
            }
            return json.getAsJsonObject().deepCopy();
        }
        if (target.isRecord()) {
            return record(json, target, path);
        }
        if (!json.isJsonPrimitive()) {
            throw wrong(path, describe(target));
        }
        var primitive = json.getAsJsonPrimitive();
        if (target == String.class) {
            if (!primitive.isString()) {
                throw wrong(path, "a string");
            }
            if (primitive.getAsString().isBlank()) {
                throw error.apply(label.apply(path) + " must not be empty");
            }
            return primitive.getAsString();
        }
        if (target == int.class || target == Integer.class || target == long.class || target == Long.class) {
            try {
                if (!primitive.isNumber()) {
                    throw new ArithmeticException();
                }
                if (target == int.class || target == Integer.class) {
                    return primitive.getAsBigDecimal().intValueExact();
                }
                return primitive.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException e) {
                throw wrong(path, "a whole number");
            }
        }
        if (target == double.class || target == Double.class) {
            if (!primitive.isNumber()) {
                throw wrong(path, "a number");
            }
            return primitive.getAsDouble();
        }
        if (target == boolean.class || target == Boolean.class) {
            if (!primitive.isBoolean()) {
                throw wrong(path, "true or false");
            }
            return primitive.getAsBoolean();
        }
        if (target == Duration.class) {
            if (!primitive.isString()) {
                throw wrong(path, "an ISO-8601 duration such as \"PT30S\"");
            }
            try {
                Duration duration = Duration.parse(primitive.getAsString());
                if (duration.isNegative() || duration.isZero()) {
                    throw wrong(path, "a positive duration");
                }
                return duration;
            } catch (DateTimeParseException e) {
                throw wrong(path, "an ISO-8601 duration such as \"PT30S\", not \"" + primitive.getAsString() + "\"");
            }
        }
        if (target.isEnum()) {
            return key(primitive.isString() ? primitive.getAsString() : primitive.toString(), target, path);
        }
        throw new IllegalArgumentException("unsupported type " + target);
    }

    private Object record(JsonElement json, Class<?> type, String path) {
        if (!json.isJsonObject()) {
            throw wrong(path, "an object");
        }
        JsonObject object = json.getAsJsonObject();
        RecordComponent[] components = type.getRecordComponents();
        Set<String> known = Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.toSet());
        for (String field : object.keySet()) {
            if (!known.contains(field)) {
                throw error.apply((path.isEmpty() ? "" : label.apply(path) + ": ") + "unknown field '" + field + "'; allowed: "
                        + known.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            types[i] = component.getType();
            JsonElement value = object.get(component.getName());
            String at = child(path, component.getName());
            if (value != null && value.isJsonNull()) {
                // null is not "absent": a caller who sends it meant something, and it is not ours to guess what
                throw error.apply(label.apply(at) + " is null: leave it out or give it a value");
            }
            if (value == null) {
                if (component.getType().isPrimitive()) {
                    throw error.apply(label.apply(at) + " is missing");
                }
                values[i] = null;
            } else {
                values[i] = value(value, component.getGenericType(), at);
            }
        }
        try {
            var constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw error.apply((path.isEmpty() ? "" : label.apply(path) + ": ") + cause.getMessage());
        }
    }

    private Object key(String name, Class<?> type, String path) {
        if (type == String.class) {
            return name;
        }
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals(name)) {
                return constant;
            }
        }
        throw wrong(path, "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "))
                + ", not '" + name + "'");
    }

    private static String describe(Class<?> type) {
        return type == String.class ? "a string" : type.isEnum() ? "a name" : "a value of type " + type.getSimpleName();
    }

    private RuntimeException wrong(String path, String expected) {
        return error.apply(label.apply(path) + " must be " + expected);
    }
}
