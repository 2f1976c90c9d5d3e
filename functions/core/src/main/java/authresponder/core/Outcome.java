package authresponder.core;

/** How an invocation ended. The exit code of the local runner and the HTTP status of a Function URL follow from it. */
public enum Outcome {
    /** The action was carried out completely. */
    DONE(0, 200),
    /** Nothing was changed on purpose: what would have been done is in the details. */
    DRY_RUN(0, 200),
    /** Looked, found nothing that needs doing (a diagnosis, an empty scope, a repeat of a request already answered). */
    NO_CHANGE(0, 200),
    /** A cooldown holds for this target: the earlier action is named in the details. */
    COOLDOWN(0, 429),
    /**
     * The same request is being handled right now by another invocation: not done yet, so nothing may follow
     * from it (202 Accepted: accepted, not finished). The first invocation's own result tells how it ends.
     */
    IN_PROGRESS(3, 202),
    /** Some of the work was done and the rest was not: what and why is in the details. A re-run finishes it. */
    PARTIAL(1, 200),
    /** The function will not act in this state (a safety rule, an unavailable ledger, a paused deployment). */
    REFUSED(1, 409),
    /** The action was tried and failed, or a dependency did not answer in time. */
    FAILED(1, 502),
    /** The input was wrong; nothing was done. */
    BAD_INPUT(2, 400);

    private final int exitCode;
    private final int httpStatus;

    Outcome(int exitCode, int httpStatus) {
        this.exitCode = exitCode;
        this.httpStatus = httpStatus;
    }

    public int exitCode() {
        return exitCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean succeeded() {
        return exitCode == 0;
    }
}
