package authresponder.escalate;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The sample events in events-samples/escalate: what tests feed the handler. */
final class Samples {
    static final Path DIR = Path.of("../../events-samples/escalate");

    private Samples() {}

    /**
     * The sample, sent now: an alarm event's EventBridge time is set to the current time, since an older
     * alarm is stale (the function's maximum event age) and is not acted on. Its state times stay.
     */
    static JsonObject json(String name) {
        try {
            JsonObject event = JsonParser.parseString(Files.readString(DIR.resolve(name))).getAsJsonObject();
            if (event.has("detail-type") && "CloudWatch Alarm State Change".equals(event.get("detail-type").getAsString())) {
                event.addProperty("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            }
            return event;
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
