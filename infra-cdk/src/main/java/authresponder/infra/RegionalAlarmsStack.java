package authresponder.infra;

import authresponder.infra.Policy.AlarmSpec;
import authresponder.infra.Policy.Signal;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.events.EventBus;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.EventBusProps;
import software.amazon.awscdk.services.logs.FilterPattern;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.MetricFilter;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * One region's alarms, and the rule that forwards their state changes to the primary region's bus,
 * where the responder decides. Every region, the primary included, has one: the same alarm names, on
 * that region's metrics and authoriser logs.
 */
public final class RegionalAlarmsStack extends Stack {
    static final String ALARM_STATE_CHANGE = "CloudWatch Alarm State Change";

    private final DeploymentConfig config;
    private final ILogGroup authoriserLogs;

    public RegionalAlarmsStack(Construct scope, String id, StackProps props, DeploymentConfig config, Policy policy) {
        super(scope, id, props);
        this.config = config;
        this.authoriserLogs = LogGroup.fromLogGroupName(this, "AuthoriserLogs", config.authoriser().logGroup());

        for (AlarmSpec spec : policy.alarms()) {
            Alarm.Builder.create(this, spec.name())
                    .alarmName(spec.name())
                    .alarmDescription(spec.description())
                    .metric(metric(spec))
                    .threshold(threshold(spec))
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    .evaluationPeriods(spec.evaluationPeriods())
                    .datapointsToAlarm(spec.datapointsToAlarm())
                    // No traffic or no matching log line is not an incident.
                    .treatMissingData(TreatMissingData.NOT_BREACHING)
                    .build();
        }
        forwardToPrimary(policy.alarms().stream().map(AlarmSpec::name).toList());
    }

    private IMetric metric(AlarmSpec spec) {
        Duration period = Duration.seconds(spec.periodSeconds());
        return switch (spec.signal()) {
            case Signal.Metric m -> source(m.source(), spec.statistic(), period);
            case Signal.Ratio r -> ratio(r.numerator(), r.denominator(), spec, period);
            case Signal.Baseline b -> ratio(b.numerator(), b.denominator(), spec, period);
            case Signal.LogMatches l -> logMatches(l, spec, period);
        };
    }

    /**
     * A spike of a share is judged against a multiple of its normal level, which the runbooks state and
     * the configuration measures: a threshold of 5 x baseline is exactly what metric math on the share
     * expresses (see README, Deployment, for why not anomaly detection).
     */
    private double threshold(AlarmSpec spec) {
        return spec.signal() instanceof Signal.Baseline ? spec.threshold() * config.unauthorizedBaselinePercent() : spec.threshold();
    }

    private Metric source(String name, String statistic, Duration period) {
        DeploymentConfig.MetricSource source = config.metrics().get(name);
        return Metric.Builder.create()
                .namespace(source.namespace())
                .metricName(source.metricName())
                .dimensionsMap(source.dimensions())
                .statistic(statistic)
                .period(period)
                .build();
    }

    /** {@code 100 * part / whole}, and 0 while the whole is below the minimum volume, so a quiet night does not page. */
    private MathExpression ratio(String part, String whole, AlarmSpec spec, Duration period) {
        Map<String, IMetric> using = new LinkedHashMap<>();
        using.put("part", source(part, spec.statistic(), period));
        using.put("whole", source(whole, spec.statistic(), period));
        long minimum = (long) config.minimumRequestsPerMinute() * Math.max(1, spec.periodSeconds() / 60);
        return MathExpression.Builder.create()
                .expression("IF(whole >= " + minimum + ", 100 * FILL(part, 0) / whole, 0)")
                .usingMetrics(using)
                .label(spec.name() + " (%)")
                .period(period)
                .build();
    }

    /** A metric filter on the authoriser's log group counts the matching lines: one metric, no dimensions. */
    private Metric logMatches(Signal.LogMatches signal, AlarmSpec spec, Duration period) {
        MetricFilter filter = MetricFilter.Builder.create(this, "Filter-" + signal.metricName())
                .logGroup(authoriserLogs)
                .filterPattern(FilterPattern.anyTerm(signal.terms().toArray(String[]::new)))
                .metricNamespace(metricNamespace())
                .metricName(signal.metricName())
                .metricValue("1")
                .build();
        return filter.metric(software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                .statistic(spec.statistic())
                .period(period)
                .build());
    }

    /** The namespace of the metrics this app makes from logs. */
    String metricNamespace() {
        return "AuthResponder/" + config.name();
    }

    /**
     * Exactly these alarms, entering ALARM, go to the primary region's bus; the event keeps its region, which
     * is how escalate counts "two or more regions".
     */
    private void forwardToPrimary(List<String> alarmNames) {
        Queue undelivered = Queue.Builder.create(this, "ForwardUndelivered")
                .queueName(config.name() + "-forward-undelivered")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        NagSuppressions.addResourceSuppressions(undelivered, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-SQS3")
                .reason("this queue is itself the dead-letter queue of the forwarding rule")
                .build()));
        Rule.Builder.create(this, "ForwardAlarms")
                .description("auth-responder alarm state changes go to the primary region's bus")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.cloudwatch"))
                        .detailType(List.of(ALARM_STATE_CHANGE))
                        .detail(Map.of("alarmName", alarmNames, "state", Map.of("value", List.of("ALARM"))))
                        .build())
                .targets(List.of(new software.amazon.awscdk.services.events.targets.EventBus(
                        EventBus.fromEventBusArn(this, "PrimaryBus", ResponderStack.busArn(this, config)),
                        EventBusProps.builder().deadLetterQueue(undelivered).build())))
                .build();
    }
}
