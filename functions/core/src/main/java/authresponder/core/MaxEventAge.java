package authresponder.core;

import java.time.Duration;
import java.util.Map;

/**
 * How old an event may be and still be worth acting on, per function: the one value both the CDK app
 * (each function's EventInvokeConfig MaximumEventAgeInSeconds, so Lambda drops an older queued event)
 * and the function itself (which refuses an older alarm that reaches it some other way: a replay, an
 * archive, a direct invoke) read.
 */
public final class MaxEventAge {
    private static final Map<String, Duration> BY_FUNCTION = Map.of(
            "diagnose", Duration.ofMinutes(15),
            "flush-cache", Duration.ofMinutes(15),
            "restart-authoriser", Duration.ofMinutes(15),
            // A page is still worth sending later than a repair is worth making.
            "escalate", Duration.ofHours(1),
            "watch-keys", Duration.ofMinutes(5));

    /** What a function not listed here gets (a test's function): the strictest repair's. */
    static final Duration DEFAULT = Duration.ofMinutes(15);

    private MaxEventAge() {}

    public static Duration of(String function) {
        return BY_FUNCTION.getOrDefault(function, DEFAULT);
    }
}
