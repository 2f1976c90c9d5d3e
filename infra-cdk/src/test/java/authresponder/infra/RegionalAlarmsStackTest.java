package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Every region raises the runbooks' alarms on its own metrics and forwards them to the primary region's bus. */
class RegionalAlarmsStackTest {
    private static final List<String> ALARMS = Policy.load().alarms().stream().map(Policy.AlarmSpec::name).toList();

    private static Template alarms(String region) {
        return Synthesized.example().alarms(region);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu-west-2", "eu-west-1"})
    void eachRegionHasExactlyTheRunbooksAlarms(String region) {
        Template template = alarms(region);
        template.resourceCountIs("AWS::CloudWatch::Alarm", ALARMS.size());
        ALARMS.forEach(name -> template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", name, "ComparisonOperator", "GreaterThanThreshold", "TreatMissingData", "notBreaching")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu-west-2", "eu-west-1"})
    void alarmStateChangesOfExactlyTheseAlarmsGoToThePrimaryBus(String region) {
        Template template = alarms(region);
        template.resourceCountIs("AWS::Events::Rule", 1);
        template.hasResourceProperties("AWS::Events::Rule", Map.of(
                "EventPattern", Map.of(
                        "source", List.of("aws.cloudwatch"),
                        "detail-type", List.of("CloudWatch Alarm State Change"),
                        "detail", Map.of("alarmName", ALARMS, "state", Map.of("value", List.of("ALARM")))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "Arn", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"),
                                ":events:eu-west-2:111122223333:event-bus/auth-responder"))),
                        "RoleArn", Match.anyValue(),
                        "DeadLetterConfig", Match.anyValue())))));
    }

    @org.junit.jupiter.api.Test
    void theSpikeOf401sIsTheirShareAgainstFiveTimesItsBaseline() {
        JsonObject spike = alarm("auth-401-spike");
        assertEquals(2.5, spike.get("Threshold").getAsDouble(), "5 x the configured 0.5 %");
        assertEquals(2, spike.get("EvaluationPeriods").getAsInt());
        String metrics = spike.get("Metrics").toString();
        assertTrue(metrics.contains("IF(whole >= 20, 100 * FILL(part, 0) / whole, 0)"), metrics);
        assertTrue(metrics.contains("\"Namespace\":\"auth-service\"") && metrics.contains("\"MetricName\":\"Http401\""), metrics);
        assertTrue(metrics.contains("\"MetricName\":\"Count\"") && metrics.contains("\"ApiName\""), metrics);
    }

    @org.junit.jupiter.api.Test
    void errorRateAboveThreePercentAndP99LatencyAboveOneSecond() {
        Template template = alarms("eu-west-1");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-error-rate", "Namespace", "auth-service", "MetricName", "ErrorRate",
                "Statistic", "Average", "Threshold", 3, "Period", 60));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-token-validation-latency", "MetricName", "token.validation.duration",
                "ExtendedStatistic", "p99", "Threshold", 1000));
    }

    @org.junit.jupiter.api.Test
    void escalationAlarmsUseTheirLongWindows() {
        JsonObject sustained = alarm("auth-validation-failures-sustained");
        assertEquals(List.of(5.0, 15, 15), List.of(sustained.get("Threshold").getAsDouble(),
                sustained.get("EvaluationPeriods").getAsInt(), sustained.get("DatapointsToAlarm").getAsInt()));
        JsonObject afterFlush = alarm("auth-validation-failures-after-flush");
        assertEquals(List.of(10.0, 10, 10), List.of(afterFlush.get("Threshold").getAsDouble(),
                afterFlush.get("EvaluationPeriods").getAsInt(), afterFlush.get("DatapointsToAlarm").getAsInt()));
    }

    @org.junit.jupiter.api.Test
    void invalidSignaturesAreCountedFromTheAuthorisersLogsWithoutDimensions() {
        Template template = alarms("eu-west-1");
        template.hasResourceProperties("AWS::Logs::MetricFilter", Map.of(
                "LogGroupName", "/aws/lambda/commandbridge-authoriser",
                "FilterPattern", "?\"invalid_signature\" ?\"kid mismatch\"",
                "MetricTransformations", List.of(Map.of(
                        "MetricNamespace", "AuthResponder/auth-responder", "MetricName", "InvalidSignature", "MetricValue", "1"))));
        JsonObject alarm = alarm("auth-invalid-signature");
        assertEquals("InvalidSignature", alarm.get("MetricName").getAsString());
        assertTrue(!alarm.has("Dimensions"), "no dimensions: " + alarm);
    }

    private static JsonObject alarm(String name) {
        return new TemplateJson(alarms("eu-west-2")).ofType("AWS::CloudWatch::Alarm").values().stream()
                .filter(a -> name.equals(a.get("AlarmName").getAsString())).findFirst().orElseThrow();
    }
}
