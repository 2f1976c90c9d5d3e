package authresponder.infra;

import authresponder.core.AlarmEvent;
import authresponder.core.policy.Alarm;
import authresponder.core.policy.Policy;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.AlarmBase;
import software.amazon.awscdk.services.cloudwatch.AlarmRule;
import software.amazon.awscdk.services.cloudwatch.AnomalyDetectionAlarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.CompositeAlarm;
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
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * One region's alarms, exactly as the runbooks define them, and the rule that forwards the routed ones to
 * the primary region's bus, where the responder decides. Every region, the primary included, has one:
 * the same alarm names, on that region's metrics and authoriser logs.
 */
public final class RegionalAlarmsStack extends Stack {
    static final String ALARM_STATE_CHANGE = AlarmEvent.DETAIL_TYPE;
    /** An alarm a composite's rule names: ALARM("name"), as CloudWatch's rule syntax writes it. */
    private static final Pattern CHILD = Pattern.compile("((?:ALARM|OK|INSUFFICIENT_DATA)\\(\\s*\"?)([^\")]+?)(\"?\\s*\\))");

    private final DeploymentConfig config;
    private final ILogGroup authoriserLogs;

    public RegionalAlarmsStack(Construct scope, String id, StackProps props, DeploymentConfig config, Policy policy) {
        super(scope, id, props);
        this.config = config;
        this.authoriserLogs = LogGroup.fromLogGroupName(this, "AuthoriserLogs", config.authoriser().logGroup());

        Map<String, AlarmBase> created = new HashMap<>();
        // Composites last: CloudFormation must create the alarms their rules name first.
        policy.alarms().stream().filter(a -> a.kind() != AlarmEvent.Kind.COMPOSITE).forEach(a -> created.put(a.name(), metricAlarm(a)));
        policy.alarms().stream().filter(a -> a.kind() == AlarmEvent.Kind.COMPOSITE).forEach(a -> {
            CompositeAlarm composite = CompositeAlarm.Builder.create(this, a.name())
                    .compositeAlarmName(named(a.name()))
                    .alarmDescription(a.description())
                    .alarmRule(AlarmRule.fromString(CHILD.matcher(a.rule()).replaceAll(m -> Matcher.quoteReplacement(
                            m.group(1) + named(m.group(2)) + m.group(3)))))
                    .build();
            a.children().forEach(child -> composite.getNode().addDependency(created.get(child)));
            created.put(a.name(), composite);
        });
        forwardToPrimary(Routes.forwardedAlarms(policy).stream().map(this::named).toList(), policy.routing().alarmStates());
    }

    /** A runbook alarm's name in this deployment: prefixed with the deployment's name, as every resource is. */
    private String named(String runbookName) {
        return config.name() + "-" + runbookName;
    }

    private AlarmBase metricAlarm(Alarm a) {
        Duration period = Duration.seconds(a.periodSeconds());
        TreatMissingData missing = a.treatMissingData() == null ? TreatMissingData.MISSING : TreatMissingData.valueOf(
                a.treatMissingData().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase());
        ComparisonOperator comparison = ComparisonOperator.valueOf(a.comparison().name().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase());
        if (a.kind() == AlarmEvent.Kind.ANOMALY_DETECTION) {
            return AnomalyDetectionAlarm.Builder.create(this, a.name())
                    .alarmName(named(a.name()))
                    .alarmDescription(a.description())
                    .metric(metric(a.namespace(), a.metric(), a.statistic(), period))
                    .stdDevs(a.bandWidth())
                    .comparisonOperator(comparison)
                    .evaluationPeriods(a.evaluationPeriods())
                    .datapointsToAlarm(a.datapointsToAlarm())
                    .treatMissingData(missing)
                    .build();
        }
        IMetric metric = switch (a.kind()) {
            case METRIC -> a.logFilter() != null ? logMetric(a, period) : metric(a.namespace(), a.metric(), a.statistic(), period);
            case METRIC_MATH -> expression(a, period);
            default -> throw new IllegalStateException("alarm " + a.name() + " of kind " + a.kind() + " is not a metric alarm");
        };
        return software.amazon.awscdk.services.cloudwatch.Alarm.Builder.create(this, a.name())
                .alarmName(named(a.name()))
                .alarmDescription(a.description())
                .metric(metric)
                // The threshold, or a baseline (this deployment's, else the runbook's) × multiple: the share of requests
                // that is abnormal, as a static threshold.
                .threshold(config.threshold(a))
                .comparisonOperator(comparison)
                .evaluationPeriods(a.evaluationPeriods())
                .datapointsToAlarm(a.datapointsToAlarm())
                .treatMissingData(missing)
                .build();
    }

    /** A runbook metric, with the dimensions under which this deployment publishes its namespace. */
    private Metric metric(String namespace, String name, String statistic, Duration period) {
        return Metric.Builder.create()
                .namespace(namespace)
                .metricName(name)
                .dimensionsMap(config.metricDimensions().getOrDefault(namespace, Map.of()))
                .statistic(statistic)
                .period(period)
                .build();
    }

    private MathExpression expression(Alarm a, Duration period) {
        Map<String, IMetric> using = new LinkedHashMap<>();
        a.metrics().forEach(m -> using.put(m.id(), metric(m.namespace(), m.metric(), m.statistic(), period)));
        return MathExpression.Builder.create()
                .expression(a.expression())
                .usingMetrics(using)
                .label(a.name())
                .period(period)
                .build();
    }

    /** A metric filter on the authoriser's log group counts the matching lines: the runbook's metric, no dimensions. */
    private Metric logMetric(Alarm a, Duration period) {
        MetricFilter filter = MetricFilter.Builder.create(this, "Filter-" + a.name())
                .logGroup(authoriserLogs)
                .filterPattern(FilterPattern.literal(a.logFilter()))
                .metricNamespace(a.namespace())
                .metricName(a.metric())
                .metricValue("1")
                .build();
        return filter.metric(software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                .statistic(a.statistic())
                .period(period)
                .build());
    }

    /**
     * The alarms that route to a function, in the routed states, go to the primary region's bus; the event
     * keeps its region, which is how escalate counts "two or more regions".
     */
    private void forwardToPrimary(List<String> alarmNames, List<String> states) {
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
                        .detail(new TreeMap<>(Map.of("alarmName", alarmNames, "state", Map.of("value", states))))
                        .build())
                .targets(List.of(new software.amazon.awscdk.services.events.targets.EventBus(
                        EventBus.fromEventBusArn(this, "PrimaryBus", ResponderStack.busArn(this, config)),
                        EventBusProps.builder().deadLetterQueue(undelivered).build())))
                .build();
        OnCall.pageOnAny(this, "ForwardUndeliveredNotEmpty", config, "forward-undelivered-not-empty-" + getRegion(),
                "auth-responder could not forward an alarm of " + getRegion() + " to the primary region's bus: read ForwardUndelivered",
                ResponderStack.visibleMessages(undelivered), fallbackTopic());
    }

    /**
     * The fallback team's topic in this region, where CloudWatch sends this region's alarm actions: in the primary region
     * the responder stack's (its name is known); elsewhere one of this stack's own, encrypted with its own key, since an
     * alarm's action publishes to a topic of its own region.
     */
    private ITopic fallbackTopic() {
        if (getRegion().equals(config.primaryRegion())) {
            return Topic.fromTopicArn(this, "Fallback", "arn:" + getPartition() + ":sns:" + getRegion() + ":" + config.account()
                    + ":" + config.name() + "-" + config.fallbackTeam());
        }
        return OnCall.topic(this, config, OnCall.key(this, config), config.fallbackTeam());
    }
}
