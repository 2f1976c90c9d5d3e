package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AlarmEvent;
import authresponder.core.policy.Alarm;
import authresponder.core.policy.Policy;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Every region raises the runbooks' alarms on its own metrics and forwards the routed ones to the primary region's bus. */
class RegionalAlarmsStackTest {
    private static final Policy POLICY = Policy.bundled();

    private static Template alarms(String region) {
        return Synthesized.example().alarms(region);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu-west-2", "eu-west-1"})
    void eachRegionHasExactlyTheRunbooksAlarms(String region) {
        Template template = alarms(region);
        List<Alarm> composites = POLICY.alarms().stream().filter(a -> a.kind() == AlarmEvent.Kind.COMPOSITE).toList();
        // and the alarm on the forwarding rule's dead-letter queue
        template.resourceCountIs("AWS::CloudWatch::Alarm", POLICY.alarms().size() - composites.size() + 1);
        template.resourceCountIs("AWS::CloudWatch::CompositeAlarm", composites.size());
        for (Alarm alarm : POLICY.alarms()) {
            if (alarm.kind() == AlarmEvent.Kind.COMPOSITE) {
                template.hasResourceProperties("AWS::CloudWatch::CompositeAlarm", Map.of("AlarmName", "auth-responder-" + alarm.name(),
                        "AlarmRule", alarm.rule().replace("(\"", "(\"auth-responder-")));
            } else {
                template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                        "AlarmName", "auth-responder-" + alarm.name(),
                        "ComparisonOperator", alarm.comparison().name(),
                        "EvaluationPeriods", alarm.evaluationPeriods(),
                        "DatapointsToAlarm", alarm.datapointsToAlarm(),
                        "TreatMissingData", alarm.treatMissingData()));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu-west-2", "eu-west-1"})
    void theRoutedAlarmsGoToThePrimaryBusAndNothingElse(String region) {
        Template template = alarms(region);
        template.resourceCountIs("AWS::Events::Rule", 1);
        template.hasResourceProperties("AWS::Events::Rule", Map.of(
                "EventPattern", Map.of(
                        "source", List.of("aws.cloudwatch"),
                        "detail-type", List.of("CloudWatch Alarm State Change"),
                        "detail", Map.of(
                                "alarmName", List.of("auth-responder-auth-login-failures", "auth-responder-auth-error-rate",
                                        "auth-responder-auth-validation-failures", "auth-responder-auth-validation-failures-sustained"),
                                "state", Map.of("value", List.of("ALARM")))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "Arn", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"),
                                ":events:eu-west-2:111122223333:event-bus/auth-responder"))),
                        "RoleArn", Match.anyValue(),
                        "DeadLetterConfig", Match.anyValue())))));
    }

    @Test
    void the401SpikeIsTheirShareAgainstFiveTimesTheBaseline() {
        JsonObject spike = alarm("auth-401-spike");
        assertEquals(2.5, spike.get("Threshold").getAsDouble(), "the runbook's baseline 0.5 % x 5");
        String metrics = spike.get("Metrics").toString();
        assertTrue(metrics.contains("\"Expression\":\"100 * unauthorized / requests\""), metrics);
        assertTrue(metrics.contains("\"Namespace\":\"AuthService\"") && metrics.contains("\"MetricName\":\"Unauthorized\""), metrics);
        assertTrue(metrics.contains("{\"Name\":\"Environment\",\"Value\":\"production\"}"), "the configuration's dimensions: " + metrics);
    }

    @Test
    void errorRateAboveThreePercentAndValidationLatencyAboveTheRunbooksP99() {
        Template template = alarms("eu-west-1");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-responder-auth-error-rate", "Namespace", "AuthService", "MetricName", "ErrorRate",
                "Statistic", "Average", "Threshold", 3, "Period", 60));
        // Defect 4: the runbook's validationLatencyP99 (PT1S), in the metric's milliseconds, not an anomaly band.
        assertEquals(java.time.Duration.ofSeconds(1), POLICY.thresholds().validationLatencyP99());
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-responder-auth-token-validation-latency", "Namespace", "AuthService", "MetricName", "TokenValidationDuration",
                "ExtendedStatistic", "p99", "Threshold", 1000, "ComparisonOperator", "GreaterThanThreshold", "Period", 60,
                "EvaluationPeriods", 5, "DatapointsToAlarm", 3));
        JsonObject latency = alarm("auth-token-validation-latency");
        assertFalse(latency.has("ThresholdMetricId") || latency.has("Metrics"), latency.toString());
        template.resourceCountIs("AWS::CloudWatch::AnomalyDetector", 0);
    }

    /** Defect 4: the 401 spike's baseline is this deployment's setting, the runbook's 0.5 % when it has none. */
    @Test
    void the401SpikeBaselineIsADeploymentSetting() throws java.io.IOException {
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(
                java.nio.file.Files.readString(Synthesized.EXAMPLE_CONFIG)).getAsJsonObject();
        json.add("alarmBaselines", com.google.gson.JsonParser.parseString("{\"auth-401-spike\": 0.8}"));
        software.amazon.awscdk.App app = new software.amazon.awscdk.App();
        AuthResponderApp.Deployment deployment = AuthResponderApp.build(app, DeploymentConfig.from(json, "test"), POLICY, Synthesized.placeholderCode());
        JsonObject spike = new TemplateJson(Template.fromStack(deployment.alarms().getFirst())).ofType("AWS::CloudWatch::Alarm").values().stream()
                .filter(a -> a.get("AlarmName").getAsString().equals("auth-responder-auth-401-spike")).findFirst().orElseThrow();
        assertEquals(4.0, spike.get("Threshold").getAsDouble(), 1e-9, "the deployment's 0.8 % x the runbook's 5");
    }

    /** Defect 5: an alarm the forwarding rule could not deliver pages the fallback team, from a topic of the region. */
    @ParameterizedTest
    @ValueSource(strings = {"eu-west-2", "eu-west-1"})
    void anAlarmThatCouldNotBeForwardedPagesTheFallbackTeam(String region) {
        Template template = alarms(region);
        JsonObject alarm = new TemplateJson(template).ofType("AWS::CloudWatch::Alarm").values().stream()
                .filter(a -> a.get("AlarmName").getAsString().equals("auth-responder-forward-undelivered-not-empty-" + region)).findFirst().orElseThrow();
        assertEquals("ApproximateNumberOfMessagesVisible", alarm.get("MetricName").getAsString());
        assertTrue(alarm.get("Dimensions").toString().contains("ForwardUndelivered"), alarm.toString());
        String action = alarm.get("AlarmActions").toString();
        if (region.equals("eu-west-2")) {
            assertTrue(action.contains(":sns:eu-west-2:111122223333:auth-responder-identity-platform"), "the responder stack's topic: " + action);
        } else {
            assertTrue(action.contains("Teamidentityplatform"), "a topic of " + region + ": " + action);
            template.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "auth-responder-identity-platform",
                    "KmsMasterKeyId", Match.anyValue()));
            template.hasResourceProperties("AWS::SNS::TopicPolicy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                    Match.objectLike(Map.of("Sid", "CloudWatchAlarmsPublish", "Principal", Map.of("Service", "cloudwatch.amazonaws.com")))))))); 
            template.hasResourceProperties("AWS::KMS::Key", Map.of("KeyPolicy", Map.of("Statement", Match.arrayWith(List.of(
                    Match.objectLike(Map.of("Sid", "CloudWatchAlarmsPublishToTheEncryptedTopics")))))));
        }
    }

    @Test
    void escalationAlarmsUseTheirLongWindows() {
        JsonObject wide = alarm("auth-validation-failures");
        assertEquals(List.of(5.0, 15, 15), List.of(wide.get("Threshold").getAsDouble(),
                wide.get("EvaluationPeriods").getAsInt(), wide.get("DatapointsToAlarm").getAsInt()));
        JsonObject sustained = alarm("auth-validation-failures-sustained");
        assertEquals(List.of(10.0, 10, 10), List.of(sustained.get("Threshold").getAsDouble(),
                sustained.get("EvaluationPeriods").getAsInt(), sustained.get("DatapointsToAlarm").getAsInt()));
    }

    @Test
    void invalidSignaturesAreCountedFromTheAuthorisersLogsWithoutDimensions() {
        Alarm runbook = POLICY.alarm("auth-invalid-signature").orElseThrow();
        Template template = alarms("eu-west-1");
        template.hasResourceProperties("AWS::Logs::MetricFilter", Map.of(
                "LogGroupName", "/aws/lambda/commandbridge-authoriser",
                "FilterPattern", runbook.logFilter(),
                "MetricTransformations", List.of(Map.of(
                        "MetricNamespace", runbook.namespace(), "MetricName", runbook.metric(), "MetricValue", "1"))));
        JsonObject alarm = alarm("auth-invalid-signature");
        assertEquals(runbook.metric(), alarm.get("MetricName").getAsString());
        assertFalse(alarm.has("Dimensions"), "a metric filter's metric has no dimensions: " + alarm);
    }

    @Test
    void theCompositeIsCreatedAfterTheAlarmsItNames() {
        JsonObject resources = new TemplateJson(alarms("eu-west-2")).resources;
        JsonObject composite = resources.entrySet().stream().map(e -> e.getValue().getAsJsonObject())
                .filter(r -> r.get("Type").getAsString().equals("AWS::CloudWatch::CompositeAlarm")).findFirst().orElseThrow();
        assertEquals(POLICY.alarm("auth-login-failures").orElseThrow().children().size(), composite.getAsJsonArray("DependsOn").size());
    }

    private static JsonObject alarm(String name) {
        return new TemplateJson(alarms("eu-west-2")).ofType("AWS::CloudWatch::Alarm").values().stream()
                .filter(a -> ("auth-responder-" + name).equals(a.get("AlarmName").getAsString())).findFirst().orElseThrow();
    }
}
