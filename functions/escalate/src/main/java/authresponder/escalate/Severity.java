package authresponder.escalate;

/** How urgently a page wants an answer; subscribers filter on it (message attribute {@code severity}). */
public enum Severity {
    /** Sign-in is failing widely (several regions): wake people now. */
    CRITICAL,
    /** Sign-in is failing and automation cannot or did not fix it. */
    HIGH,
    /** Needs a person soon, not necessarily at 3 a.m. */
    MEDIUM
}
