package authresponder.core.policy;

import java.time.Duration;

/**
 * An escalation route: when {@code alarm} fires (and the condition holds), page {@code team}.
 *
 * @param threshold  the figure the alarm compares, as the runbook states it (percent for rates), or null
 * @param window     how long the condition must hold
 * @param minRegions the number of regions that must be in ALARM at once, or null for one
 * @param after      the action that should have fixed it: the page says it did not, or null
 */
public record Escalation(
        String team,
        String alarm,
        String condition,
        Double threshold,
        Duration window,
        Integer minRegions,
        String after,
        Severity severity) {

    public int regions() {
        return minRegions == null ? 1 : minRegions;
    }
}
