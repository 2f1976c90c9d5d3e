package authresponder.flushcache;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The trigger samples in events-samples/flush-cache: the tests send exactly what is published there. */
final class Samples {
    private static final Path DIR = Path.of(System.getProperty("user.dir")).resolve("../../events-samples/flush-cache").normalize();

    private Samples() {}

    static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonObject json(String name) {
        return JsonParser.parseString(text(name)).getAsJsonObject();
    }
}
