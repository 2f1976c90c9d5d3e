package authresponder.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The one JSON mapper of the product: records in and out, strict about what callers send. */
public final class Json {
    private static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
            .registerTypeAdapter(Duration.class, new DurationAdapter().nullSafe())
            .disableHtmlEscaping()
            .setStrictness(Strictness.STRICT)
            .create();
    private static final Gson PRETTY = GSON.newBuilder().setPrettyPrinting().create();

    private Json() {}

    public static Gson gson() {
        return GSON;
    }

    public static String write(Object value) {
        return GSON.toJson(value);
    }

    public static String pretty(Object value) {
        return PRETTY.toJson(value);
    }

    public static JsonElement tree(Object value) {
        return GSON.toJsonTree(value);
    }

    public static <T> T read(String json, Class<T> type) {
        return GSON.fromJson(json, type);
    }

    /** Parses text that must be one JSON object; anything else is bad input. */
    public static JsonObject parseObject(String text, String what) {
        JsonElement element;
        try {
            element = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new BadInputException(what + " is not valid JSON");
        }
        if (element == null || !element.isJsonObject()) {
            throw new BadInputException(what + " must be a JSON object");
        }
        return element.getAsJsonObject();
    }

    /**
     * Binds an object to a command record: a field the record does not have, a value of the wrong type
     * or an unknown enum name is bad input, named in the error, so a typo never silently does something else.
     */
    public static <R extends Record> R bind(JsonObject object, Class<R> type) {
        RecordComponent[] components = type.getRecordComponents();
        Set<String> known = Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.toSet());
        for (String field : object.keySet()) {
            if (!known.contains(field)) {
                throw new BadInputException("unknown field '" + field + "'; allowed: " + String.join(", ", known.stream().sorted().toList()));
            }
        }
        for (RecordComponent component : components) {
            JsonElement value = object.get(component.getName());
            if (value != null && !value.isJsonNull()) {
                checkType(component.getName(), component.getType(), component.getGenericType(), value);
            }
        }
        try {
            return GSON.fromJson(object, type);
        } catch (JsonParseException | IllegalArgumentException | DateTimeParseException e) {
            throw new BadInputException("invalid command: " + firstLine(e.getMessage()));
        }
    }

    private static void checkType(String name, Class<?> type, Type generic, JsonElement value) {
        String problem = null;
        if (type == String.class) {
            problem = value.isJsonPrimitive() && value.getAsJsonPrimitive().isString() ? null : "a string";
        } else if (type == boolean.class || type == Boolean.class) {
            problem = value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean() ? null : "true or false";
        } else if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            problem = isWholeNumber(value) ? null : "a whole number";
        } else if (type.isEnum()) {
            List<String> names = Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name()).toList();
            boolean ok = value.isJsonPrimitive() && value.getAsJsonPrimitive().isString() && names.contains(value.getAsString());
            problem = ok ? null : "one of " + String.join(", ", names);
        } else if (List.class.isAssignableFrom(type)) {
            if (!value.isJsonArray()) {
                problem = "a list";
            } else if (generic instanceof ParameterizedType p && p.getActualTypeArguments()[0] == String.class) {
                problem = value.getAsJsonArray().asList().stream()
                        .allMatch(e -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) ? null : "a list of strings";
            }
        } else if (type == JsonObject.class || type.isRecord() || java.util.Map.class.isAssignableFrom(type)) {
            problem = value.isJsonObject() ? null : "an object";
        }
        if (problem != null) {
            throw new BadInputException("field '" + name + "' must be " + problem);
        }
    }

    private static boolean isWholeNumber(JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            return false;
        }
        try {
            value.getAsBigDecimal().longValueExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            return Instant.parse(in.nextString());
        }
    }

    /** Durations travel as milliseconds: what a person and a dashboard both read easily. */
    private static final class DurationAdapter extends TypeAdapter<Duration> {
        @Override
        public void write(JsonWriter out, Duration value) throws IOException {
            out.value(value.toMillis());
        }

        @Override
        public Duration read(JsonReader in) throws IOException {
            return in.peek() == JsonToken.NUMBER ? Duration.ofMillis(in.nextLong()) : Duration.parse(in.nextString());
        }
    }
}
