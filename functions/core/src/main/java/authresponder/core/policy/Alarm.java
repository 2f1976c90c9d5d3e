package authresponder.core.policy;

import authresponder.core.AlarmEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CloudWatch alarm as a runbook defines it; the CDK app creates it from this, the functions judge by it.
 * Which fields apply depends on the kind:
 * <ul>
 *   <li>METRIC: namespace, metric, statistic, threshold (or thresholdFrom, or baseline × baselineMultiple)</li>
 *   <li>METRIC_MATH: metrics, expression, threshold (or baseline × baselineMultiple)</li>
 *   <li>ANOMALY_DETECTION: namespace, metric, statistic, bandWidth (standard deviations)</li>
 *   <li>COMPOSITE: rule only (CloudWatch's AlarmRule syntax)</li>
 * </ul>
 * All but composites also take periodSeconds, evaluationPeriods, datapointsToAlarm, comparison and
 * treatMissingData.
 *
 * @param baseline         the normal level of the metric, in its unit (for example percent of requests)
 * @param baselineMultiple the alarm fires above baseline × this
 * @param logFilter        for a metric fed by a CloudWatch Logs metric filter: its filter pattern
 * @param thresholdFrom    the runbooks' duration threshold (for example validationLatencyP99) that is this alarm's threshold,
 *                         in milliseconds, the unit of the metric: {@link Policy} fills in {@code threshold} from it when it loads
 */
public record Alarm(
        String name,
        AlarmEvent.Kind kind,
        String description,
        String namespace,
        String metric,
        String statistic,
        List<MetricQuery> metrics,
        String expression,
        Integer periodSeconds,
        Double threshold,
        Double baseline,
        Double baselineMultiple,
        Double bandWidth,
        Integer evaluationPeriods,
        Integer datapointsToAlarm,
        Comparison comparison,
        String treatMissingData,
        String logFilter,
        String rule,
        String thresholdFrom) {

    /** One metric a metric-math expression reads, under its id in the expression. */
    public record MetricQuery(String id, String namespace, String metric, String statistic) {}

    private static final Pattern STATISTIC = Pattern.compile("Sum|Average|Minimum|Maximum|SampleCount|p\\d{1,2}(\\.\\d{1,2})?");
    private static final Pattern CHILD = Pattern.compile("(?:ALARM|OK|INSUFFICIENT_DATA)\\(\"?([^\")]+)\"?\\)");
    private static final List<String> MISSING_DATA = List.of("breaching", "notBreaching", "ignore", "missing");

    public Alarm {
        Policy.require(name != null && kind != null, "an alarm needs a name and a kind");
        String at = "alarm " + name + ": ";
        if (kind == AlarmEvent.Kind.COMPOSITE) {
            Policy.require(rule != null, at + "a composite alarm needs a rule");
            Policy.require(namespace == null && metric == null && statistic == null && metrics == null && expression == null
                    && periodSeconds == null && threshold == null && baseline == null && baselineMultiple == null
                    && bandWidth == null && evaluationPeriods == null && datapointsToAlarm == null && comparison == null
                    && treatMissingData == null && logFilter == null && thresholdFrom == null, at + "a composite alarm takes only a rule and a description");
        } else {
            Policy.require(rule == null, at + "only a composite alarm has a rule");
            Policy.require(periodSeconds != null && (periodSeconds == 10 || periodSeconds == 20 || periodSeconds == 30
                    || (periodSeconds > 0 && periodSeconds % 60 == 0)), at + "periodSeconds must be 10, 20, 30 or a multiple of 60");
            Policy.require(evaluationPeriods != null && evaluationPeriods > 0, at + "evaluationPeriods must be positive");
            Policy.require(datapointsToAlarm == null || (datapointsToAlarm > 0 && datapointsToAlarm <= evaluationPeriods),
                    at + "datapointsToAlarm must be between 1 and evaluationPeriods");
            Policy.require(comparison != null, at + "comparison is required");
            Policy.require(treatMissingData == null || MISSING_DATA.contains(treatMissingData),
                    at + "treatMissingData must be one of " + MISSING_DATA);
            if (kind == AlarmEvent.Kind.METRIC_MATH) {
                Policy.require(metrics != null && !metrics.isEmpty() && expression != null, at + "metric math needs metrics and an expression");
                Policy.require(namespace == null && metric == null && statistic == null, at + "metric math names its metrics under metrics");
                metrics.forEach(m -> Policy.require(m.id() != null && m.namespace() != null && m.metric() != null
                        && m.statistic() != null && STATISTIC.matcher(m.statistic()).matches(), at + "metrics need id, namespace, metric and a CloudWatch statistic"));
                metrics.forEach(m -> Policy.require(expression.contains(m.id()), at + "the expression does not use metric '" + m.id() + "'"));
            } else {
                Policy.require(namespace != null && metric != null && statistic != null && metrics == null && expression == null,
                        at + "needs namespace, metric and statistic (and no metrics or expression)");
                Policy.require(STATISTIC.matcher(statistic).matches(), at + "statistic '" + statistic + "' is not a CloudWatch statistic");
            }
            if (kind == AlarmEvent.Kind.ANOMALY_DETECTION) {
                Policy.require(bandWidth != null && bandWidth > 0, at + "an anomaly-detection alarm needs a positive bandWidth");
                Policy.require(threshold == null && baseline == null && baselineMultiple == null, at + "an anomaly-detection alarm has a band, not a threshold");
                Policy.require(comparison.againstBand(), at + "an anomaly-detection alarm compares against its band (GreaterThanUpperThreshold, ...)");
            } else {
                Policy.require(bandWidth == null, at + "only an anomaly-detection alarm has a bandWidth");
                Policy.require(!comparison.againstBand(), at + comparison + " is for anomaly-detection alarms");
                boolean fixed = threshold != null || thresholdFrom != null;
                boolean relative = baseline != null || baselineMultiple != null;
                Policy.require(fixed != relative, at + "give either a threshold or a baseline with a baselineMultiple");
                Policy.require(fixed || (baseline != null && baseline > 0 && baselineMultiple != null && baselineMultiple > 1),
                        at + "baseline must be positive and baselineMultiple above 1");
            }
        }
        metrics = metrics == null ? null : List.copyOf(metrics);
    }

    /** This alarm with the threshold its {@code thresholdFrom} names, in milliseconds. */
    Alarm withThreshold(double milliseconds) {
        return new Alarm(name, kind, description, namespace, metric, statistic, metrics, expression, periodSeconds, milliseconds,
                baseline, baselineMultiple, bandWidth, evaluationPeriods, datapointsToAlarm, comparison, treatMissingData, logFilter,
                rule, thresholdFrom);
    }

    /** The static threshold CloudWatch compares with: the threshold, or baseline × baselineMultiple; null for bands and composites. */
    public Double effectiveThreshold() {
        return threshold != null ? threshold : baseline != null ? baseline * baselineMultiple : null;
    }

    /** The alarms a composite's rule names. */
    public List<String> children() {
        List<String> names = new ArrayList<>();
        if (rule != null) {
            Matcher m = CHILD.matcher(rule);
            while (m.find()) {
                names.add(m.group(1).trim());
            }
        }
        return List.copyOf(names);
    }

    /** namespace/metric of each metric read, as {@link AlarmEvent#metrics()} lists them (expressions aside). */
    public List<String> metricNames() {
        if (metrics != null) {
            return metrics.stream().map(m -> m.namespace() + "/" + m.metric()).toList();
        }
        return namespace == null ? List.of() : List.of(namespace + "/" + metric);
    }
}
