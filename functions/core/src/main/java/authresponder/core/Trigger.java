package authresponder.core;

import com.google.gson.JsonObject;
import java.time.Instant;

/** The kinds of event that reach a function, told apart once at the edge. */
public sealed interface Trigger {

    /** A CloudWatch alarm changed state (through an EventBridge rule). */
    record Alarm(AlarmEvent alarm) implements Trigger {}

    /**
     * Another function's answer, relayed by a Lambda destination onto EventBridge
     * ("Lambda Function Invocation Result - Success/Failure"): how a diagnosis reaches the fixers.
     */
    record FunctionResult(String function, boolean success, JsonObject response, JsonObject request) implements Trigger {
        public static final String SUCCESS = "Lambda Function Invocation Result - Success";
        public static final String FAILURE = "Lambda Function Invocation Result - Failure";
    }

    /** An EventBridge schedule ("Scheduled Event"). */
    record Schedule(Instant time) implements Trigger {}

    /** A command: direct invoke, console test button, or the body of a Function URL request. */
    record Command(JsonObject body) implements Trigger {}
}
