package authresponder.core;

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

    public static AlarmEvent from(JsonObject event) {
        JsonObject detail = object(event, "detail", "the alarm event");
        String name = text(detail, "alarmName");
        if (name == null) {
            throw new BadInputException("alarm event has no detail.alarmName");
        }
        JsonObject state = object(detail, "state", "detail");
        String value = text(state, "value");
        if (value == null || !List.of("OK", "ALARM", "INSUFFICIENT_DATA").contains(value)) {
            throw new BadInputException("alarm event detail.state.value must be OK, ALARM or INSUFFICIENT_DATA");
        }
        JsonObject previous = detail.has("previousState") && detail.get("previousState").isJsonObject()
                ? detail.getAsJsonObject("previousState") : new JsonObject();
        JsonObject configuration = detail.has("configuration") && detail.get("configuration").isJsonObject()
                ? detail.getAsJsonObject("configuration") : new JsonObject();
        JsonObject reasonData = parseReasonData(state);

        Kind kind = kindOf(configuration);
        List<String> metrics = new ArrayList<>();
        if (configuration.has("metrics") && configuration.get("metrics").isJsonArray()) {
            for (JsonElement m : configuration.getAsJsonArray("metrics")) {
                JsonObject metric = m.getAsJsonObject();
                if (metric.has("metricStat")) {
                    JsonObject inner = metric.getAsJsonObject("metricStat").getAsJsonObject("metric");
                    metrics.add(text(inner, "namespace") + "/" + text(inner, "name"));
                } else if (metric.has("expression")) {
                    metrics.add(text(metric, "expression"));
                }
            }
        }
        List<String> children = new ArrayList<>();
        if (reasonData.has("triggeringAlarms") && reasonData.get("triggeringAlarms").isJsonArray()) {
            for (JsonElement child : reasonData.getAsJsonArray("triggeringAlarms")) {
                String arn = text(child.getAsJsonObject(), "arn");
                if (arn != null) {
                    children.add(arn.substring(arn.lastIndexOf(':') + 1));
                }
            }
        }
        List<Double> datapoints = new ArrayList<>();
        if (reasonData.has("recentDatapoints") && reasonData.get("recentDatapoints").isJsonArray()) {
            reasonData.getAsJsonArray("recentDatapoints").forEach(d -> datapoints.add(d.getAsDouble()));
        }
        Double threshold = reasonData.has("threshold") && reasonData.get("threshold").isJsonPrimitive()
                ? reasonData.get("threshold").getAsDouble() : null;
        return new AlarmEvent(name, firstResource(event), text(event, "account"), text(event, "region"), kind,
                value, text(previous, "value"), time(text(state, "timestamp"), text(event, "time")),
                text(state, "reason"), reasonData, threshold, List.copyOf(datapoints), List.copyOf(metrics), List.copyOf(children));
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
        if (!state.has("reasonData") || state.get("reasonData").isJsonNull()) {
            return new JsonObject();
        }
        JsonElement raw = state.get("reasonData");
        if (raw.isJsonObject()) {
            return raw.getAsJsonObject();
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
                throw new BadInputException("alarm event timestamp '" + raw + "' is not a time");
            }
        }
    }

    private static String firstResource(JsonObject event) {
        if (event.has("resources") && event.get("resources").isJsonArray() && !event.getAsJsonArray("resources").isEmpty()) {
            return event.getAsJsonArray("resources").get(0).getAsString();
        }
        return null;
    }

    static JsonObject object(JsonObject parent, String field, String where) {
        JsonElement value = parent.get(field);
        if (value == null || !value.isJsonObject()) {
            throw new BadInputException(where + " has no object '" + field + "'");
        }
        return value.getAsJsonObject();
    }

    static String text(JsonObject parent, String field) {
        JsonElement value = parent.get(field);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }
}
