package authresponder.infra;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the runbooks decide and the app deploys: the alarms, which alarm goes to which function, which
 * result of one function goes on to the next, and the teams that can be paged. {@link #load()} is the
 * one place this comes from.
 */
public record Policy(List<AlarmSpec> alarms, List<AlarmRoute> alarmRoutes, List<ResultRoute> resultRoutes, Set<String> teams) {

    /**
     * One alarm. The signal says what is measured; {@code threshold} is in the signal's unit (percent for
     * ratios, the metric's own unit otherwise) or, for a {@link Signal.Baseline}, the multiple of the baseline.
     */
    public record AlarmSpec(String name, String description, Signal signal, String statistic, int periodSeconds,
                            double threshold, int evaluationPeriods, int datapointsToAlarm) {}

    public sealed interface Signal {
        /** A metric of the deployment, by source name (the configuration's {@code metrics}). */
        record Metric(String source) implements Signal {}

        /** {@code 100 * numerator / denominator}, in percent, counted only above the configured request volume. */
        record Ratio(String numerator, String denominator) implements Signal {}

        /** Like {@link Ratio}, against a multiple of the configured normal share. */
        record Baseline(String numerator, String denominator) implements Signal {}

        /** How many of the authoriser's log events contain one of the terms. */
        record LogMatches(String metricName, List<String> terms) implements Signal {}
    }

    /** An alarm entering ALARM invokes the function. */
    public record AlarmRoute(String alarm, String function) {}

    /**
     * A function's result goes on to another function when the value at {@code field} (a dotted path in
     * its result JSON) is one of {@code values}.
     */
    public record ResultRoute(String from, String field, List<String> values, String to) {}

    /** The functions whose results a route reads: they send their results to the bus. */
    public Set<String> resultSources() {
        Set<String> sources = new TreeSet<>();
        resultRoutes.forEach(route -> sources.add(route.from()));
        return sources;
    }

    /** The metric sources the alarms read, each of which the configuration must name. */
    public Set<String> metricSources() {
        Set<String> sources = new TreeSet<>();
        for (AlarmSpec alarm : alarms) {
            switch (alarm.signal()) {
                case Signal.Metric m -> sources.add(m.source());
                case Signal.Ratio r -> sources.addAll(List.of(r.numerator(), r.denominator()));
                case Signal.Baseline b -> sources.addAll(List.of(b.numerator(), b.denominator()));
                case Signal.LogMatches ignored -> { }
            }
        }
        return sources;
    }

    /** The policy the app deploys. */
    public static Policy load() {
        return BuiltInPolicy.POLICY;
    }
}
