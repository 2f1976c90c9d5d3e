package authresponder.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** The one JSON mapper of the product: records in and out, strict about what callers send. */
public final class Json {
    private static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
            .registerTypeAdapter(Duration.class, new DurationAdapter().nullSafe())
            .disableHtmlEscaping()
            .setStrictness(Strictness.STRICT)
            .create();
    private static final Gson PRETTY = GSON.newBuilder().setPrettyPrinting().create();
    private static final Binder COMMANDS = new Binder(BadInputException::new, path -> "field '" + path + "'");

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

    /** Parses text that must be one JSON object ({@link #parse}); anything else is bad input. */
    public static JsonObject parseObject(String text, String what) {
        JsonElement element;
        try {
            element = parse(text);
        } catch (JsonParseException e) {
            throw new BadInputException(what + " is not valid JSON: " + e.getMessage());
        }
        if (!element.isJsonObject()) {
            throw new BadInputException(what + " must be a JSON object");
        }
        return element.getAsJsonObject();
    }

    /**
     * The one JSON parser for whatever enters the product (commands, request bodies, events, settings,
     * runbooks, what a server answers): RFC 8259 and nothing more. Comments, unquoted names, single
     * quotes, trailing commas, NaN, text after the value and a name given twice in one object are
     * refused, so a body can never mean one thing to a reader and another to the function (Gson alone
     * keeps the last of two equal names).
     *
     * @throws JsonParseException naming what is wrong and where (never echoing a value)
     */
    public static JsonElement parse(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = element(reader, 0);
            try {
                if (reader.peek() == JsonToken.END_DOCUMENT) {
                    return element;
                }
            } catch (MalformedJsonException more) {
                // strict mode refuses a second value before it can say what it is
            }
            throw new JsonParseException("text follows the JSON value" + at(reader));
        } catch (JsonParseException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonParseException(firstLine(e.getMessage()));
        }
    }

    /** Nesting past this is no event or command anyone sends; refusing it keeps the parser off the stack's edge. */
    private static final int MAX_DEPTH = 64;

    private static JsonElement element(JsonReader in, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new JsonParseException("nested deeper than " + MAX_DEPTH + " levels" + at(in));
        }
        return switch (in.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject object = new JsonObject();
                in.beginObject();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (object.has(name)) {
                        throw new JsonParseException("the name '" + shortName(name) + "' appears twice in one object" + at(in));
                    }
                    object.add(name, element(in, depth + 1));
                }
                in.endObject();
                yield object;
            }
            case BEGIN_ARRAY -> {
                JsonArray array = new JsonArray();
                in.beginArray();
                while (in.hasNext()) {
                    array.add(element(in, depth + 1));
                }
                in.endArray();
                yield array;
            }
            case STRING -> new JsonPrimitive(in.nextString());
            case NUMBER -> new JsonPrimitive(new BigDecimal(in.nextString()));
            case BOOLEAN -> new JsonPrimitive(in.nextBoolean());
            case NULL -> {
                in.nextNull();
                yield JsonNull.INSTANCE;
            }
            default -> throw new JsonParseException("unexpected " + in.peek() + at(in));
        };
    }

    private static String at(JsonReader in) {
        return " at " + in.getPath();
    }

    private static String shortName(String name) {
        String safe = Redact.text(name);
        return safe.length() <= 40 ? safe : safe.substring(0, 37) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        // Gson speaks to programmers (setStrictness, a link to its troubleshooting page): say it for a caller.
        String line = message.lines().findFirst().orElse(message);
        int see = line.indexOf("See https://");
        line = see > 0 ? line.substring(0, see).strip() : line;
        return line.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                "not RFC 8259 JSON (comments, single quotes, unquoted names, NaN and trailing commas are refused)");
    }

    /**
     * Binds an object to a command record: a field the record does not have, a value of the wrong type
     * or an unknown enum name is bad input, named in the error, so a typo never silently does something else.
     */
    public static <R extends Record> R bind(JsonObject object, Class<R> type) {
        return COMMANDS.bind(object, type, "");
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
