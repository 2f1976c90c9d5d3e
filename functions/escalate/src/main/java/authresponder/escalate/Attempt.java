package authresponder.escalate;

import java.time.Instant;

/** One thing automation (or a person) already did about it, as the action ledger recorded it. */
record Attempt(Instant at, String action, String target, String outcome, String summary) {}
