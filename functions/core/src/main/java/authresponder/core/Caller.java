package authresponder.core;

/**
 * Who or what asked for an invocation, for the audit record and for idempotency.
 *
 * @param kind      ALARM, FUNCTION_URL, CONSOLE (a direct invoke), or EVENT (another function's result)
 * @param principal the alarm name, the IAM principal behind a Function URL call, or "console"
 * @param requestKey the same value for a redelivery of the same request: alarm name + state time,
 *                  a caller-supplied request id, or Lambda's request id
 */
public record Caller(Kind kind, String principal, String requestKey) {
    public enum Kind { ALARM, FUNCTION_URL, CONSOLE, EVENT }
}
