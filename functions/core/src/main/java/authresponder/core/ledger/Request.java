package authresponder.core.ledger;

import authresponder.core.BadInputException;
import authresponder.core.Caller;
import authresponder.core.Redact;
import java.time.Duration;

/**
 * One action a function asks the ledger for.
 *
 * @param action   what is done, the same word every time ("restart", "flush")
 * @param target   the configured target's name (never an ARN from a caller)
 * @param caller   who asked: the record's audit trail and the idempotency key
 * @param cooldown how long no other request may take the same action on the same target
 * @param dryRun   nothing will change: no lock is taken, the record is written if the ledger answers
 * @param reason   why the cooldown is overridden; null unless forced
 */
public record Request(String action, String target, Caller caller, Duration cooldown, boolean dryRun, String reason) {

    public Request {
        if (action == null || action.isBlank() || target == null || target.isBlank() || caller == null || cooldown == null) {
            throw new IllegalArgumentException("a ledger request needs an action, a target, a caller and a cooldown");
        }
    }

    public static Request of(String action, String target, Caller caller, Duration cooldown) {
        return new Request(action, target, caller, cooldown, false, null);
    }

    public Request dryRun(boolean dryRun) {
        return new Request(action, target, caller, cooldown, dryRun, reason);
    }

    /**
     * An explicit override of the cooldown, as a caller sends it ({@code "force": true, "reason": "..."}).
     * A force without a reason is bad input: every override is audited with its why. A reason without
     * force is bad input too, in every function: it explains an override that was not asked for. The
     * reason is kept scrubbed ({@link Redact#text}): the ledger shows it to later callers for 30 days.
     */
    public Request force(Boolean force, String reason) {
        checkForce(force, reason);
        return Boolean.TRUE.equals(force) ? new Request(action, target, caller, cooldown, dryRun, Redact.text(reason).strip()) : this;
    }

    /** The one rule for force and reason, for a function to check before it does anything: both, or neither. */
    public static void checkForce(Boolean force, String reason) {
        if (Boolean.TRUE.equals(force) && (reason == null || reason.isBlank())) {
            throw new BadInputException("force: true needs a reason: the override is audited");
        }
        if (!Boolean.TRUE.equals(force) && reason != null) {
            throw new BadInputException("reason goes with force: true (it explains the override); send both, or neither");
        }
    }

    public boolean forced() {
        return reason != null;
    }
}
