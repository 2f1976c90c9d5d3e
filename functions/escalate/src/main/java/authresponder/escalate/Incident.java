package authresponder.escalate;

import authresponder.core.AlarmEvent;
import java.time.Instant;
import java.util.List;

/**
 * What a page is about, read from whatever started escalate: the route it takes, and the facts a person
 * needs first. Every text in it has already been made safe and short ({@link Text#line}).
 *
 * @param key       the incident's identity: one page per key per window
 * @param since     when it started (the alarm's state time, or when escalate was asked)
 * @param regions   where: the regions in ALARM (one alarm per region, forwarded to the primary region)
 * @param alarm     the alarm behind it, when one is known (directly, or behind a diagnosis or a failed action)
 * @param diagnosis diagnose's verdict, when the page follows one
 * @param failure   the automation that failed, when the page follows a failure
 * @param note      what a person wrote when paging by hand
 * @param pagedBy   who paged by hand (the caller's principal)
 */
record Incident(
        Route route,
        String key,
        Instant since,
        List<String> regions,
        AlarmEvent alarm,
        Diagnosis diagnosis,
        Failure failure,
        String note,
        String pagedBy) implements Reading {

    Incident {
        regions = List.copyOf(regions);
    }

    /** diagnose's verdict, its headline and its evidence (for and against). */
    record Diagnosis(String verdict, String confidence, String summary, List<String> evidence) {
        Diagnosis {
            evidence = List.copyOf(evidence);
        }
    }

    /** Automation that failed: the function, how (error type or outcome) and its message. */
    record Failure(String function, String kind, String message) {}
}
