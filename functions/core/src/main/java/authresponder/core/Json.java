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
