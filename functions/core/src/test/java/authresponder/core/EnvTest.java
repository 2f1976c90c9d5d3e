package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    private final Env env = new Env(Map.of("A", "15m", "N", "7", "B", "yes", "L", " a, b ,,c", "U", "redis://h:6379", "BAD", "soon"));

    @Test
    void readsTypedSettings() {
        assertEquals(Duration.ofMinutes(15), env.duration("A", Duration.ZERO));
        assertEquals(Duration.ofSeconds(30), env.duration("MISSING", Duration.ofSeconds(30)));
        assertEquals(7, env.integer("N", 1, 0, 10));
        assertTrue(env.bool("B", false));
        assertEquals(List.of("a", "b", "c"), env.list("L", List.of()));
        assertEquals("h", env.uri("U").orElseThrow().getHost());
        assertEquals(Duration.ofMillis(250), Env.parseDuration("X", "250ms"));
        assertEquals(Duration.ofHours(1), Env.parseDuration("X", "PT1H"));
    }

    @Test
    void errorsNameTheVariable() {
        assertEquals("MISSING is not set", assertThrows(ConfigException.class, () -> env.required("MISSING")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> env.duration("BAD", Duration.ZERO)).getMessage().startsWith("BAD "));
        assertTrue(assertThrows(ConfigException.class, () -> env.integer("N", 1, 0, 5)).getMessage().startsWith("N must be between"));
        assertTrue(assertThrows(ConfigException.class, () -> env.bool("BAD", false)).getMessage().startsWith("BAD "));
        assertTrue(assertThrows(ConfigException.class, () -> env.uri("BAD")).getMessage().startsWith("BAD "));
    }
}
