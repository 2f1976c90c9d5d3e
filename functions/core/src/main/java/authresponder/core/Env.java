package authresponder.core;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The function's settings, read from environment variables and checked once at start-up. Every error
 * names the variable, so a bad deployment fails on its first line of log, not in the middle of an incident.
 */
public final class Env {
    private final Map<String, String> values;

    public Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public Optional<String> optional(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String required(String name) {
        return optional(name).orElseThrow(() -> new ConfigException(name + " is not set"));
    }

    public String string(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    public int integer(String name, int fallback, int min, int max) {
        return optional(name).map(raw -> {
            int value;
            try {
                value = Integer.parseInt(raw);
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be a whole number, got '" + raw + "'");
            }
            if (value < min || value > max) {
                throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        }).orElse(fallback);
    }

    /** A duration as ISO-8601 (PT30S) or a number with a unit: 500ms, 30s, 15m, 1h. */
    public Duration duration(String name, Duration fallback) {
        return optional(name).map(raw -> parseDuration(name, raw)).orElse(fallback);
    }

    public boolean bool(String name, boolean fallback) {
        return optional(name).map(raw -> switch (raw.toLowerCase()) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new ConfigException(name + " must be true or false, got '" + raw + "'");
        }).orElse(fallback);
    }

    /** A comma-separated list; blanks are dropped. */
    public List<String> list(String name, List<String> fallback) {
        return optional(name)
                .map(raw -> Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                .orElse(fallback);
    }

    public Optional<URI> uri(String name) {
        return optional(name).map(raw -> {
            try {
                URI uri = URI.create(raw);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new IllegalArgumentException("no scheme or host");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " is not a valid URL: " + e.getMessage());
            }
        });
    }

    static Duration parseDuration(String name, String raw) {
        String text = raw.trim().toLowerCase();
        try {
            if (text.startsWith("p")) {
                return Duration.parse(text.toUpperCase());
            }
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            long amount = Long.parseLong(text.substring(0, text.length() - 1));
            return switch (text.charAt(text.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new ConfigException(name + " must be a duration such as 30s, 15m or PT1H, got '" + raw + "'");
        }
    }
}
