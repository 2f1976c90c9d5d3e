package authresponder.testkit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The hostile-input corpus (resources hostile/*.json): events and requests an attacker, a careless caller or
 * a surprising AWS payload sends, by class, each with what every function must answer. Each function's
 * HostileInputTest runs every case through its real handler and proves nothing changed.
 *
 * <p>A case is {@code {"name", "event", "expect": {"outcome", "status", "message"}}}, where {@code event} is
 * the raw text (it may be invalid JSON on purpose) or a JSON value; {@code "for": {"function": {expect}}}
 * overrides the expectation for one function, {@code "skip": [functions]} leaves it out for functions it
 * is no hostile input to and {@code "only": [functions]} keeps it for those alone, and {@code "secret"} is text that must not appear in the answer. In the text,
 * {@code {{NOW}}} is the current time, {@code {{STALE}}} two hours ago (older than every function's maximum
 * event age), {@code {{NOW_CW}}} the current time as CloudWatch writes it, and {@code {{DEEP}}} a value
 * nested 200 levels.
 */
public final class HostileCorpus {
    /** The classes, one file each. */
    public static final List<String> CLASSES = List.of("parsing", "routing", "callers", "honest-errors", "destructive", "secrets");

    /**
     * @param status  the HTTP status for a Function URL request, else null
     * @param secret  text that must not appear in the answer, or null
     */
    public record Case(String type, String name, String event, String outcome, Integer status, String message, String secret) {
        @Override
        public String toString() {
            return type + ": " + name;
        }
    }

    private HostileCorpus() {}

    /** Every case for the function, with its placeholders filled in now. */
    public static List<Case> forFunction(String function) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<Case> cases = new ArrayList<>();
        for (String type : CLASSES) {
            JsonObject file = read("hostile/" + type + ".json");
            for (JsonElement element : file.getAsJsonArray("cases")) {
                JsonObject c = element.getAsJsonObject();
                if (c.has("skip") && c.getAsJsonArray("skip").asList().stream().anyMatch(f -> f.getAsString().equals(function))
                        || c.has("only") && c.getAsJsonArray("only").asList().stream().noneMatch(f -> f.getAsString().equals(function))) {
                    continue;
                }
                JsonObject expect = c.getAsJsonObject("expect");
                if (c.has("for") && c.getAsJsonObject("for").has(function)) {
                    expect = c.getAsJsonObject("for").getAsJsonObject(function);
                }
                JsonElement event = c.get("event");
                String text = event.isJsonPrimitive() ? event.getAsString() : event.toString();
                text = text.replace("{{NOW}}", now.toString())
                        .replace("{{STALE}}", now.minus(2, ChronoUnit.HOURS).toString())
                        .replace("{{NOW_CW}}", DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC).format(now))
                        .replace("{{DEEP}}", "[".repeat(200) + "]".repeat(200));
                cases.add(new Case(type, c.get("name").getAsString(), text, expect.get("outcome").getAsString(),
                        expect.has("status") ? expect.get("status").getAsInt() : null, expect.get("message").getAsString(),
                        c.has("secret") ? c.get("secret").getAsString() : null));
            }
        }
        return cases;
    }

    /** A function's handler as Lambda calls it: the event in, the response out. */
    @FunctionalInterface
    public interface StreamHandler {
        void handle(InputStream event, OutputStream response) throws IOException;
    }

    /**
     * Runs the case through the handler, its logs captured (through {@code redirectLogs}, core's
     * {@code Log::redirect}), and checks the answer and the logs ({@link #assertAnswered}).
     */
    public static void run(Case c, StreamHandler handler, UnaryOperator<PrintStream> redirectLogs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        PrintStream previous = redirectLogs.apply(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            handler.handle(new ByteArrayInputStream(c.event().getBytes(StandardCharsets.UTF_8)), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            redirectLogs.apply(previous);
        }
        assertAnswered(c, out.toString(StandardCharsets.UTF_8), logs.toString(StandardCharsets.UTF_8));
    }

    /**
     * Checks what the handler wrote back to Lambda for the case (a result, or a Function URL response around
     * one) and what it logged meanwhile: the outcome, the status, the message, and no secret in either.
     *
     * @throws AssertionError naming the case and what differs
     */
    public static void assertAnswered(Case c, String response, String logs) {
        JsonObject answer = JsonParser.parseString(response).getAsJsonObject();
        if (c.status() != null) {
            require(answer.has("statusCode") && answer.get("statusCode").getAsInt() == c.status(), c, "HTTP status " + c.status(), response);
            answer = JsonParser.parseString(answer.get("body").getAsString()).getAsJsonObject();
        } else {
            require(!answer.has("statusCode"), c, "a result, not a Function URL response", response);
        }
        require(c.outcome().equals(answer.get("outcome").getAsString()), c, "outcome " + c.outcome(), response);
        String summary = answer.get("summary").getAsString();
        require(summary.contains(c.message()), c, "a summary containing \"" + c.message() + "\"", response);
        require(!summary.contains("Exception") && !summary.contains("\tat "), c, "no Java exception's text", response);
        if (c.secret() != null) {
            require(!response.contains(c.secret()), c, "the secret nowhere in the answer", response);
            require(!logs.contains(c.secret()), c, "the secret nowhere in the logs", logs);
        }
    }

    private static void require(boolean ok, Case c, String expected, String actual) {
        if (!ok) {
            throw new AssertionError(c + ": expected " + expected + "; got " + actual);
        }
    }

    private static JsonObject read(String resource) {
        try (InputStream in = HostileCorpus.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path");
            }
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
