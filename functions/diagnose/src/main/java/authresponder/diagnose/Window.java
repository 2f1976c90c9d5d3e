package authresponder.diagnose;

import java.time.Instant;

/**
 * The time the diagnosis looks at: the alarm's evaluation window (reasonData.startDate to the state
 * change), or the command's window ending now. Log evidence is counted in it; a recent change is
 * measured back from its end.
 *
 * @param source "alarm NAME" or "command"
 */
public record Window(Instant from, Instant to, String source) {}
