package authresponder.core.policy;

/** How urgent a page is; subscribers filter on it (an SNS message attribute). */
public enum Severity {
    CRITICAL,
    HIGH,
    MEDIUM,
    LOW
}
