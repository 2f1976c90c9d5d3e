package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogTest {
    private static final String JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLWJ5dGVz";
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        Log.redirect(System.err);
    }

    @Test
    void oneJsonLinePerEventWithSecretsHashed() {
        Log.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));
        new Log("flush-cache").info("connect", "authToken", "hunter2", "note", "bearer " + JWT,
                "command", Map.of("sampleToken", JWT), "count", 3);
        String text = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count());
        assertFalse(text.contains("hunter2"));
        assertFalse(text.contains(JWT));
        JsonObject line = Json.parseObject(text, "log line");
        assertEquals("flush-cache", line.get("function").getAsString());
        assertEquals("connect", line.get("event").getAsString());
        assertEquals(Redact.hash("hunter2"), line.get("authToken").getAsString());
        assertTrue(line.get("note").getAsString().contains(Redact.hash(JWT)));
        assertEquals(3, line.get("count").getAsInt());
    }
}
