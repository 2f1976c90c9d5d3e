package authresponder.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * An EventBridge "CloudWatch Alarm State Change" event, read once at the edge into what the
 * functions use. Covers metric, metric-math, anomaly-detection and composite alarms.
 *
 * @param stateTime        when the alarm entered its state: with the name, the key that makes a redelivery a repeat
 * @param reasonData       the parsed reasonData (CloudWatch sends it as a JSON string inside the JSON), or empty
 * @param threshold        the static threshold, or null (anomaly-detection bands and composites have none)
 * @param recentDatapoints the datapoints that crossed, newest last, when CloudWatch reports them
 * @param metrics          namespace/name of each metric the alarm reads; expressions for metric math
 * @param triggeringAlarms for a composite alarm, the child alarms that made it fire
 */
public record AlarmEvent(
        String alarmName,
        String alarmArn,
        String account,
        String region,
        Kind kind,
        String state,
        String previousState,
        Instant stateTime,
        String reason,
        JsonObject reasonData,
        Double threshold,
        List<Double> recentDatapoints,
        List<String> metrics,
        List<String> triggeringAlarms) {

    public static final String DETAIL_TYPE = "CloudWatch Alarm State Change";

    public enum Kind { METRIC, METRIC_MATH, ANOMALY_DETECTION, COMPOSITE }

    private static final DateTimeFormatter CLOUDWATCH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss[.SSS]Z");

    public boolean inAlarm() {
        return "ALARM".equals(state);
    }

    /** The idempotency key: CloudWatch may deliver a state change more than once; name + state time is the same each time. */
    public String requestKey() {
        return "alarm:" + alarmName + "@" + stateTime;
    }

    /**
     * Reads the event. Every field it uses must have CloudWatch's shape: a field of another shape is bad
     * input that names it (never an exception's text), since an alarm that cannot be read must not act.
     */
    public static AlarmEvent from(JsonObject event) {
        JsonObject detail = object(event, "detail", "the alarm event");
        String name = string(detail, "alarmName", "detail.alarmName");
        if (name == null || name.isBlank()) {
            throw new BadInputException("alarm event has no detail.alarmName");
        }
        JsonObject state = object(detail, "state", "detail");
        String value = string(state, "value", "detail.state.value");
        if (value == null || !List.of("OK", "ALARM", "INSUFFICIENT_DATA").contains(value)) {
            throw new BadInputException("alarm event detail.state.value must be OK, ALARM or INSUFFICIENT_DATA");
        }
        JsonObject previous = optionalObject(detail, "previousState", "detail.previousState");
        JsonObject configuration = optionalObject(detail, "configuration", "detail.configuration");
        JsonObject reasonData = parseReasonData(state);

        List<String> metrics = new ArrayList<>();
        JsonArray queries = array(configuration, "metrics", "detail.configuration.metrics");
        for (int i = 0; i < queries.size(); i++) {
            String at = "detail.configuration.metrics[" + i + "]";
            JsonObject metric = element(queries.get(i), at);
            if (metric.has("metricStat")) {
                JsonObject inner = object(object(metric, "metricStat", at), "metric", at + ".metricStat");
                metrics.add(string(inner, "namespace", at + ".metricStat.metric.namespace") + "/" + string(inner, "name", at + ".metricStat.metric.name"));
            } else if (metric.has("expression")) {
                metrics.add(string(metric, "expression", at + ".expression"));
            }
        }
        List<String> children = new ArrayList<>();
        JsonArray triggering = array(reasonData, "triggeringAlarms", "detail.state.reasonData.triggeringAlarms");
        for (int i = 0; i < triggering.size(); i++) {
            String arn = string(element(triggering.get(i), "detail.state.reasonData.triggeringAlarms[" + i + "]"), "arn",
                    "detail.state.reasonData.triggeringAlarms[" + i + "].arn");
            if (arn != null) {
                children.add(arn.substring(arn.lastIndexOf(':') + 1));
            }
        }
        List<Double> datapoints = new ArrayList<>();
        JsonArray points = array(reasonData, "recentDatapoints", "detail.state.reasonData.recentDatapoints");
        for (int i = 0; i < points.size(); i++) {
            datapoints.add(number(points.get(i), "detail.state.reasonData.recentDatapoints[" + i + "]"));
        }
        Double threshold = reasonData.has("threshold") ? number(reasonData.get("threshold"), "detail.state.reasonData.threshold") : null;
        String arn = firstResource(event);
        return new AlarmEvent(name, arn, string(event, "account", "account"), regionOf(arn, string(event, "region", "region")),
                kindOf(configuration), value, string(previous, "value", "detail.previousState.value"),
                time(string(state, "timestamp", "detail.state.timestamp"), string(event, "time", "time")),
                string(state, "reason", "detail.state.reason"), reasonData, threshold,
                List.copyOf(datapoints), List.copyOf(metrics), List.copyOf(children));
    }

    /** When EventBridge sent the event (its {@code time}), else when the alarm changed state: how old the news is. */
    public static Instant sentAt(JsonObject event, AlarmEvent alarm) {
        String sent = string(event, "time", "time");
        return sent == null ? alarm.stateTime() : time(null, sent);
    }

    /** The same event under the name the routing knows the alarm by (without the deployment's prefix). */
    public AlarmEvent named(String routingName) {
        return new AlarmEvent(routingName, alarmArn, account, region, kind, state, previousState, stateTime, reason, reasonData,
                threshold, recentDatapoints, metrics, triggeringAlarms);
    }

    private static Kind kindOf(JsonObject configuration) {
        if (configuration.has("alarmRule")) {
            return Kind.COMPOSITE;
        }
        if (!configuration.has("metrics")) {
            return Kind.METRIC;
        }
        String all = configuration.get("metrics").toString();
        if (all.contains("ANOMALY_DETECTION_BAND")) {
            return Kind.ANOMALY_DETECTION;
        }
        return all.contains("\"expression\"") ? Kind.METRIC_MATH : Kind.METRIC;
    }

    private static JsonObject parseReasonData(JsonObject state) {
        JsonElement raw = state.get("reasonData");
        if (raw == null) {
            return new JsonObject();
        }
        if (raw.isJsonObject()) {
            return raw.getAsJsonObject();
        }
        if (!raw.isJsonPrimitive() || !raw.getAsJsonPrimitive().isString()) {
            throw new BadInputException("alarm detail.state.reasonData must be a JSON object or a string holding one");
        }
        return Json.parseObject(raw.getAsString(), "alarm detail.state.reasonData");
    }

    private static Instant time(String stateTimestamp, String eventTime) {
        String raw = stateTimestamp != null ? stateTimestamp : eventTime;
        if (raw == null) {
            throw new BadInputException("alarm event has no detail.state.timestamp");
        }
        try {
            return OffsetDateTime.parse(raw, CLOUDWATCH_TIME).toInstant();
        } catch (DateTimeParseException notCloudWatchStyle) {
            try {
                return Instant.parse(raw);
            } catch (DateTimeParseException e) {
                throw new BadInputException("alarm event field '" + (stateTimestamp != null ? "detail.state.timestamp" : "time")
                        + "' is not a time (CloudWatch's 2026-11-22T03:05:31.870+0000 or ISO-8601)");
            }
        }
    }

    /**
     * The alarm's region as its ARN names it (arn:aws:cloudwatch:REGION:account:alarm:name), else the event's
     * {@code region}. The ARN is the alarm's own; whether a cross-region bus delivery keeps the event's
     * {@code region} is not something we can verify offline (moto rewrites it), so the count of regions in
     * ALARM does not rest on it.
     */
    private static String regionOf(String alarmArn, String eventRegion) {
        if (alarmArn != null) {
            String[] parts = alarmArn.split(":", 6);
            if (parts.length == 6 && parts[0].equals("arn") && parts[2].equals("cloudwatch") && parts[3].matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
                return parts[3];
            }
        }
        return eventRegion;
    }

    private static String firstResource(JsonObject event) {
        JsonArray resources = array(event, "resources", "resources");
        return resources.isEmpty() ? null : string(resources.get(0), "resources[0]");
    }

    static JsonObject object(JsonObject parent, String field, String where) {
        JsonElement value = parent.get(field);
        if (value == null || !value.isJsonObject()) {
            throw new BadInputException(where + " has no object '" + field + "'");
        }
        return value.getAsJsonObject();
    }

    /** A member that may be left out; present, it must be an object. */
    private static JsonObject optionalObject(JsonObject parent, String field, String path) {
        JsonElement value = parent.get(field);
        return value == null ? new JsonObject() : element(value, path);
    }

    private static JsonObject element(JsonElement value, String path) {
        if (!value.isJsonObject()) {
            throw new BadInputException("alarm event field '" + path + "' must be an object");
        }
        return value.getAsJsonObject();
    }

    /** A list that may be left out (empty then); present, it must be a list. */
    private static JsonArray array(JsonObject parent, String field, String path) {
        JsonElement value = parent.get(field);
        if (value == null) {
            return new JsonArray();
        }
        if (!value.isJsonArray()) {
            throw new BadInputException("alarm event field '" + path + "' must be a list");
        }
        return value.getAsJsonArray();
    }

    private static double number(JsonElement value, String path) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new BadInputException("alarm event field '" + path + "' must be a number");
        }
        return value.getAsDouble();
    }

    /** A text member that may be left out (null then); present, it must be a string. */
    private static String string(JsonObject parent, String field, String path) {
        JsonElement value = parent.get(field);
        return value == null ? null : string(value, path);
    }

    private static String string(JsonElement value, String path) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new BadInputException("alarm event field '" + path + "' must be a string");
        }
        return value.getAsString();
    }

    static String text(JsonObject parent, String field) {
        JsonElement value = parent.get(field);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }
}
