package authresponder.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * The on-call topics and what CloudWatch needs to publish to them. The topics are encrypted with a customer key, so an
 * alarm action needs both the topic's policy and the key's policy to admit cloudwatch.amazonaws.com (Amazon SNS
 * developer guide, "Enable compatibility between event sources from AWS services and encrypted topics"; CloudWatch
 * user guide, SNS topic access policy for alarms), each only for this deployment's alarms in this account and region.
 */
final class OnCall {
    static final String CLOUDWATCH = "cloudwatch.amazonaws.com";

    private OnCall() {}

    /** The ARN pattern of this deployment's alarms in the stack's region: every alarm name starts with the deployment name. */
    static String alarmArns(Stack stack, DeploymentConfig config) {
        return "arn:" + stack.getPartition() + ":cloudwatch:" + stack.getRegion() + ":" + config.account() + ":alarm:" + config.name() + "-*";
    }

    /** The key of the region's topics: CloudWatch may make and read data keys with it for this deployment's alarms only. */
    static Key key(Stack stack, DeploymentConfig config) {
        Key key = Key.Builder.create(stack, "Key")
                .alias("alias/" + config.name())
                .description("auth-responder: encrypts the on-call topics")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsPublishToTheEncryptedTopics")
                .principals(List.of(new ServicePrincipal(CLOUDWATCH)))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .conditions(sourceConditions(stack, config))
                .build());
        return key;
    }

    /** A team's topic in the stack's region: encrypted, TLS only, its e-mail subscriptions, and this deployment's alarms may publish. */
    static Topic topic(Stack stack, DeploymentConfig config, Key key, String team) {
        Topic topic = Topic.Builder.create(stack, "Team-" + team)
                .topicName(config.name() + "-" + team)
                .displayName("auth-responder: " + team)
                .masterKey(key)
                .enforceSsl(true)
                .build();
        config.teams().getOrDefault(team, new DeploymentConfig.Team(List.of())).email()
                .forEach(address -> topic.addSubscription(new EmailSubscription(address)));
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsPublish")
                .principals(List.of(new ServicePrincipal(CLOUDWATCH)))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(sourceConditions(stack, config))
                .build());
        return topic;
    }

    private static Map<String, Object> sourceConditions(Stack stack, DeploymentConfig config) {
        return Map.of("StringEquals", Map.of("aws:SourceAccount", config.account()),
                "ArnLike", Map.of("aws:SourceArn", alarmArns(stack, config)));
    }

    /**
     * A failure of the wiring itself (a dead-letter message, a result Lambda could not deliver, an event it dropped):
     * any count above zero in a minute tells the team directly, not through the functions whose wiring failed.
     */
    static Alarm pageOnAny(Construct scope, String id, DeploymentConfig config, String alarmName, String description, IMetric metric, ITopic team) {
        Alarm alarm = Alarm.Builder.create(scope, id)
                .alarmName(config.name() + "-" + alarmName)
                .alarmDescription(description)
                .metric(metric)
                .threshold(0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        alarm.addAlarmAction(new SnsAction(team));
        return alarm;
    }

    static final Duration MINUTE = Duration.minutes(1);
}
