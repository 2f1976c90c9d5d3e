package authresponder.diagnose;

import java.time.Duration;
import java.util.Map;

/**
 * One check as the result shows it: what it found in a line, its evidence, how long it took.
 *
 * @param evidence small values only (ids, counts, times, hashes): never a token or a secret
 */
public record CheckReport(String name, Status status, String summary, Duration duration, Map<String, Object> evidence) {
    public enum Status { OK, WARN, FAIL, SKIPPED }
}
