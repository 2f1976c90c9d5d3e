package authresponder.core;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Duration;
import java.time.Instant;

/**
 * The time an invocation may spend, taken from Lambda's remaining time less a reserve for answering.
 * Every external call asks it for a timeout, so a slow dependency costs at most what is left.
 */
public final class Budget {
    private static final Duration RESERVE = Duration.ofMillis(800);
    private final Instant deadline;

    private Budget(Instant deadline) {
        this.deadline = deadline;
    }

    public static Budget of(Context context) {
        long remaining = context == null ? Duration.ofMinutes(1).toMillis() : context.getRemainingTimeInMillis();
        Duration usable = Duration.ofMillis(remaining).minus(RESERVE);
        return new Budget(Instant.now().plus(usable.isNegative() ? Duration.ZERO : usable));
    }

    public static Budget of(Duration duration) {
        return new Budget(Instant.now().plus(duration));
    }

    public Duration remaining() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public boolean expired() {
        return !Instant.now().isBefore(deadline);
    }

    /** A timeout for one call: the cap, or what is left if less. Never zero, so a call fails fast instead of hanging. */
    public Duration timeout(Duration cap) {
        Duration left = remaining();
        Duration chosen = left.compareTo(cap) < 0 ? left : cap;
        return chosen.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : chosen;
    }

    /** A sub-budget for one step: at most cap, and never past this budget's deadline. */
    public Budget slice(Duration cap) {
        return new Budget(Instant.now().plus(timeout(cap)));
    }

    public Instant deadline() {
        return deadline;
    }
}
