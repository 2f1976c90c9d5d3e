package authresponder.escalate;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The sample events in events-samples/escalate: what tests feed the handler. */
final class Samples {
    static final Path DIR = Path.of("../../events-samples/escalate");

    private Samples() {}

    static JsonObject json(String name) {
        try {
            return JsonParser.parseString(Files.readString(DIR.resolve(name))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonObject event) {
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(String name) {
        return bytes(json(name));
    }

    /** The same alarm firing again later: a new state time, so a new request, but the same incident. */
    static JsonObject refired(String name, String stateTimestamp) {
        JsonObject event = json(name);
        event.getAsJsonObject("detail").getAsJsonObject("state").addProperty("timestamp", stateTimestamp);
        return event;
    }
}
