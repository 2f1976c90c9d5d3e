package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import org.junit.jupiter.api.Test;

/**
 * The other side of the strict parser and the scrubber (whose refusals the hostile corpus covers through
 * every handler): what is valid RFC 8259 reads as before, and what a person writes in a reason stays legible.
 */
class StrictInputTest {

    @Test
    void validJsonReadsAsItIs() {
        JsonObject json = Json.parse("""
                 {"n": -1.5e3, "big": 123456789012345678901234567890, "s": "caf\\u00e9\\n\\"q\\"", "list": [true, false, null, {}],
                  "o": {"deep": {"x": 0}}, "empty": ""}
                """).getAsJsonObject();
        assertEquals(-1500.0, json.get("n").getAsDouble());
        assertEquals("123456789012345678901234567890", json.get("big").getAsBigInteger().toString());
        assertEquals("café\n\"q\"", json.get("s").getAsString());
        assertEquals(4, json.getAsJsonArray("list").size());
        assertTrue(json.getAsJsonArray("list").get(2).isJsonNull());
        assertEquals(0, json.getAsJsonObject("o").getAsJsonObject("deep").get("x").getAsInt());
    }

    @Test
    void theSameNameInTwoObjectsIsNoDuplicate() {
        assertEquals(2, Json.parse("{\"a\":{\"id\":1},\"b\":{\"id\":2}}").getAsJsonObject().size());
        JsonParseException twice = assertThrows(JsonParseException.class, () -> Json.parse("{\"a\":{\"id\":1,\"id\":2}}"));
        assertTrue(twice.getMessage().contains("'id' appears twice") && twice.getMessage().contains("$.a"), twice.getMessage());
    }

    @Test
    void aReasonAPersonWritesStaysLegible() {
        String reason = "INC-2041: kid 2026-11 still missing after deploy 3f2c9a1b8e7d6c5b4a3928171605f4e3d2c1b0a9; see runbook token-cache-refresh";
        assertEquals(reason, Redact.text(reason));
        assertEquals("line one line two", Redact.text("line one\nline two").replace("  ", " "));
        assertEquals("Bearer [redacted] and password: [redacted]", Redact.text("Bearer abc.def-123 and password: hunter2"));
    }
}
