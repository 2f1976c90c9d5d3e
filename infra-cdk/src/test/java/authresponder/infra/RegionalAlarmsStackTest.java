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
        template.resourceCountIs("AWS::CloudWatch::Alarm", POLICY.alarms().size() - composites.size());
        template.resourceCountIs("AWS::CloudWatch::CompositeAlarm", composites.size());
        for (Alarm alarm : POLICY.alarms()) {
            if (alarm.kind() == AlarmEvent.Kind.COMPOSITE) {
                template.hasResourceProperties("AWS::CloudWatch::CompositeAlarm", Map.of("AlarmName", alarm.name(), "AlarmRule", alarm.rule()));
            } else {
                template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                        "AlarmName", alarm.name(),
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
                                "alarmName", List.of("auth-login-failures", "auth-error-rate", "auth-validation-failures", "auth-validation-failures-sustained"),
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
    void errorRateAboveThreePercentAndValidationLatencyAgainstItsBand() {
        Template template = alarms("eu-west-1");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-error-rate", "Namespace", "AuthService", "MetricName", "ErrorRate",
                "Statistic", "Average", "Threshold", 3, "Period", 60));
        JsonObject latency = alarm("auth-token-validation-latency");
        assertEquals("GreaterThanUpperThreshold", latency.get("ComparisonOperator").getAsString());
        assertTrue(latency.has("ThresholdMetricId"), latency.toString());
        assertTrue(latency.get("Metrics").toString().contains("ANOMALY_DETECTION_BAND("), latency.toString());
        assertTrue(latency.get("Metrics").toString().contains("\"Stat\":\"p99\""), latency.toString());
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
                .filter(a -> name.equals(a.get("AlarmName").getAsString())).findFirst().orElseThrow();
    }
}
