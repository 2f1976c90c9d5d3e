package authresponder.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The one answer shape of every function: what happened in a line a person reads first, then the
 * function's own typed details, warnings and timing.
 *
 * @param details the function's typed findings or actions (null for bad input)
 */
public record Result<D>(
        String function,
        Outcome outcome,
        String summary,
        D details,
        List<String> warnings,
        String requestKey,
        Instant startedAt,
        Duration duration) {

    public Result {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** What a function's run() returns; the handler adds who asked and the timing. */
    public static <D> Result<D> of(Outcome outcome, String summary, D details, List<String> warnings) {
        return new Result<>(null, outcome, summary, details, warnings, null, null, null);
    }

    public static <D> Result<D> of(Outcome outcome, String summary, D details) {
        return of(outcome, summary, details, List.of());
    }

    Result<D> stamped(String function, String requestKey, Instant startedAt) {
        return new Result<>(function, outcome, summary, details, warnings, requestKey, startedAt,
                Duration.between(startedAt, Instant.now()));
    }
}
