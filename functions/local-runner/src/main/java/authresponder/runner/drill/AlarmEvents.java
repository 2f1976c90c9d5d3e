package authresponder.runner.drill;

import authresponder.core.AlarmEvent;
import authresponder.core.Json;
import authresponder.core.policy.Alarm;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * "CloudWatch Alarm State Change" events as EventBridge delivers them (the shape of events-samples/alarms),
 * built from a runbook's alarm definition and the figures the drill measured.
 */
final class AlarmEvents {
    static final String REGION = "eu-west-2";
    static final String ACCOUNT = "123456789012";
    private static final DateTimeFormatter CLOUDWATCH = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter REASON = DateTimeFormatter.ofPattern("EEEE dd MMMM, yyyy HH:mm:ss", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private AlarmEvents() {}

    static String arn(String alarm) {
        return "arn:aws:cloudwatch:" + REGION + ":" + ACCOUNT + ":alarm:" + alarm;
    }

    /**
     * A metric or metric-math alarm entering {@code value} at {@code at}, having read {@code datapoints} (oldest first).
     *
     * @param deployed the alarm as synthesized (its AlarmName)
     */
    static JsonObject metric(Alarm alarm, JsonObject deployed, String value, Instant at, List<Double> datapoints) {
        if (alarm.kind() != AlarmEvent.Kind.METRIC && alarm.kind() != AlarmEvent.Kind.METRIC_MATH) {
            throw new IllegalArgumentException(alarm.name() + " is not a threshold alarm");
        }
        double threshold = alarm.effectiveThreshold();
        JsonObject reasonData = new JsonObject();
        reasonData.addProperty("version", "1.0");
        reasonData.addProperty("queryDate", CLOUDWATCH.format(at));
        reasonData.addProperty("startDate", CLOUDWATCH.format(at.minusSeconds((long) alarm.periodSeconds() * datapoints.size())));
        if (alarm.kind() == AlarmEvent.Kind.METRIC) {
            reasonData.addProperty("statistic", alarm.statistic());
        }
        reasonData.addProperty("period", alarm.periodSeconds());
        JsonArray points = new JsonArray();
        datapoints.forEach(points::add);
        reasonData.add("recentDatapoints", points);
        reasonData.addProperty("threshold", threshold);
        String listed = String.join(", ", datapoints.reversed().stream().map(d -> String.format(Locale.ROOT, "%.2f", d)).toList());
        String reason = String.format(Locale.ROOT, "Threshold Crossed: %d out of the last %d datapoints [%s] %s the threshold (%s) (minimum %d datapoint%s for %s transition).",
                datapoints.size(), alarm.evaluationPeriods(), listed,
                "ALARM".equals(value) ? "were greater than" : "were not greater than",
                trim(threshold), alarm.datapointsToAlarm() == null ? alarm.evaluationPeriods() : alarm.datapointsToAlarm(),
                "ALARM".equals(value) && (alarm.datapointsToAlarm() == null ? alarm.evaluationPeriods() : alarm.datapointsToAlarm()) == 1 ? "" : "s",
                "ALARM".equals(value) ? "OK -> ALARM" : "ALARM -> OK");
        JsonObject configuration = new JsonObject();
        configuration.addProperty("description", alarm.description());
        JsonArray metrics = new JsonArray();
        if (alarm.kind() == AlarmEvent.Kind.METRIC_MATH) {
            JsonObject expression = new JsonObject();
            expression.addProperty("expression", alarm.expression());
            expression.addProperty("id", "e1");
            expression.addProperty("label", alarm.description());
            expression.addProperty("returnData", true);
            metrics.add(expression);
            alarm.metrics().forEach(m -> metrics.add(metricStat(m.id(), m.namespace(), m.metric(), m.statistic(), alarm.periodSeconds(), false)));
        } else {
            metrics.add(metricStat("m1", alarm.namespace(), alarm.metric(), alarm.statistic(), alarm.periodSeconds(), true));
        }
        configuration.add("metrics", metrics);
        return event(deployed.get("AlarmName").getAsString(), state(value, reason, reasonData, at), "ALARM".equals(value) ? "OK" : "ALARM", configuration, at);
    }

    /**
     * A composite alarm entering {@code value} because {@code child} did.
     *
     * @param deployed the composite as synthesized (its AlarmName and AlarmRule)
     * @param child    the child alarm as synthesized
     */
    static JsonObject composite(Alarm alarm, JsonObject deployed, String value, Instant at, JsonObject child) {
        String childArn = arn(child.get("AlarmName").getAsString());
        JsonObject childState = new JsonObject();
        childState.addProperty("value", value);
        childState.addProperty("timestamp", CLOUDWATCH.format(at.minusSeconds(4)));
        JsonObject trigger = new JsonObject();
        trigger.addProperty("arn", childArn);
        trigger.add("state", childState);
        JsonArray triggering = new JsonArray();
        triggering.add(trigger);
        JsonObject reasonData = new JsonObject();
        reasonData.add("triggeringAlarms", triggering);
        String reason = childArn + " transitioned to " + value + " at " + REASON.format(at.minusSeconds(4)) + " UTC";
        JsonObject configuration = new JsonObject();
        configuration.addProperty("alarmRule", deployed.get("AlarmRule").getAsString());
        configuration.addProperty("actionsSuppressor", "");
        configuration.addProperty("description", alarm.description());
        return event(deployed.get("AlarmName").getAsString(), state(value, reason, reasonData, at), "ALARM".equals(value) ? "OK" : "ALARM", configuration, at);
    }

    private static JsonObject metricStat(String id, String namespace, String name, String statistic, int period, boolean returnData) {
        JsonObject metric = new JsonObject();
        JsonObject dimensions = new JsonObject();
        dimensions.addProperty("Service", "auth-service");
        metric.add("dimensions", dimensions);
        metric.addProperty("name", name);
        metric.addProperty("namespace", namespace);
        JsonObject stat = new JsonObject();
        stat.add("metric", metric);
        stat.addProperty("period", period);
        stat.addProperty("stat", statistic);
        JsonObject query = new JsonObject();
        query.addProperty("id", id);
        query.add("metricStat", stat);
        query.addProperty("returnData", returnData);
        return query;
    }

    private static JsonObject state(String value, String reason, JsonObject reasonData, Instant at) {
        JsonObject state = new JsonObject();
        state.addProperty("reason", reason);
        state.addProperty("reasonData", Json.write(reasonData));
        state.addProperty("timestamp", CLOUDWATCH.format(at));
        state.addProperty("value", value);
        return state;
    }

    private static JsonObject event(String name, JsonObject state, String previousValue, JsonObject configuration, Instant at) {
        JsonObject previous = new JsonObject();
        previous.addProperty("reason", "(previous evaluation)");
        previous.addProperty("timestamp", CLOUDWATCH.format(at.minusSeconds(3600)));
        previous.addProperty("value", previousValue);
        JsonObject detail = new JsonObject();
        detail.addProperty("alarmName", name);
        detail.add("state", state);
        detail.add("previousState", previous);
        detail.add("configuration", configuration);
        JsonObject event = new JsonObject();
        event.addProperty("version", "0");
        event.addProperty("id", UUID.randomUUID().toString());
        event.addProperty("detail-type", AlarmEvent.DETAIL_TYPE);
        event.addProperty("source", "aws.cloudwatch");
        event.addProperty("account", ACCOUNT);
        event.addProperty("time", DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        event.addProperty("region", REGION);
        JsonArray resources = new JsonArray();
        resources.add(arn(name));
        event.add("resources", resources);
        event.add("detail", detail);
        return event;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
