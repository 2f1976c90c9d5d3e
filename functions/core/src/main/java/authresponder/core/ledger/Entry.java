package authresponder.core.ledger;

import authresponder.core.Caller;
import authresponder.core.Outcome;
import java.time.Duration;
import java.time.Instant;

/**
 * One action as the ledger recorded it.
 *
 * @param outcome  null while the action is still running
 * @param duration null while the action is still running
 * @param reason   the override's reason when the cooldown was forced, else null
 */
public record Entry(
        String action,
        String target,
        Caller caller,
        boolean dryRun,
        String reason,
        Instant at,
        Outcome outcome,
        String summary,
        Duration duration) {

    public boolean finished() {
        return outcome != null;
    }
}
