package authresponder.core;

/**
 * Thrown to Lambda when an event-driven invocation failed, so that Lambda's retries and the on-failure
 * destination take over. The message is the result's summary: no stack trace reaches the result.
 */
public final class ActionFailedException extends RuntimeException {
    public ActionFailedException(String summary) {
        super(summary, null, false, false);
    }
}
