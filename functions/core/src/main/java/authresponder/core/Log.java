package authresponder.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.PrintStream;
import java.time.Instant;

/**
 * Structured logs: one JSON object per line on stderr (Lambda sends it to CloudWatch Logs; the local
 * runner keeps stdout for the result). Secrets cannot get through: a field named like a secret is
 * hashed and anything shaped like a JWT is replaced by its hash.
 */
public final class Log {
    private static volatile PrintStream out = System.err;

    private final String function;

    public Log(String function) {
        this.function = function;
    }

    /** Sends log lines elsewhere, e.g. into the drill's timeline; returns where they went before. */
    public static PrintStream redirect(PrintStream stream) {
        PrintStream previous = out;
        out = stream;
        return previous;
    }

    public void info(String event, Object... keyValues) {
        write("INFO", event, keyValues);
    }

    public void warn(String event, Object... keyValues) {
        write("WARN", event, keyValues);
    }

    public void error(String event, Object... keyValues) {
        write("ERROR", event, keyValues);
    }

    private void write(String level, String event, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in name/value pairs");
        }
        JsonObject line = new JsonObject();
        line.addProperty("time", Instant.now().toString());
        line.addProperty("level", level);
        line.addProperty("function", function);
        line.addProperty("event", event);
        for (int i = 0; i < keyValues.length; i += 2) {
            String name = String.valueOf(keyValues[i]);
            line.add(name, safe(name, keyValues[i + 1]));
        }
        out.println(Json.write(line));
    }

    static JsonElement safe(String name, Object value) {
        if (value == null) {
            return com.google.gson.JsonNull.INSTANCE;
        }
        if (value instanceof CharSequence text) {
            return new JsonPrimitive(Redact.isSecretName(name) ? Redact.hash(text.toString()) : Redact.scrub(text.toString()));
        }
        JsonElement tree = value instanceof JsonElement e ? e : Json.tree(value);
        String text = Json.write(tree);
        String scrubbed = Redact.scrub(text);
        return scrubbed.equals(text) ? tree : com.google.gson.JsonParser.parseString(scrubbed);
    }
}
