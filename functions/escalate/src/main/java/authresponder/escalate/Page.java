package authresponder.escalate;

import authresponder.core.AlarmEvent;
import authresponder.core.Json;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One page as SNS carries it: a subject that says what broke and where, a text a person reads on a phone
 * (verdict line first), the same facts as JSON for machine subscribers, and the attributes subscribers
 * filter on.
 *
 * @param message    the SNS message with MessageStructure json: {@code default} (email, SMS, anything else)
 *                   holds the text, and the sqs/lambda/https protocols get the JSON form
 * @param attributes message attributes: severity, team, route, incident
 */
record Page(String subject, String text, String message, Map<String, String> attributes) {
    /** SNS: "less than 100 characters". */
    static final int MAX_SUBJECT = 99;
    /** The subject's "where" part: the rest is for what broke. */
    private static final int MAX_WHERE = 36;
    /** A few phone screens; every part is bounded so that a cut here is a last resort. */
    static final int MAX_TEXT = 4_500;
    static final int MAX_ATTEMPTS = 8;
    /** SNS's limit for the whole message, attributes included. */
    static final int SNS_MAX_BYTES = 256 * 1024;
    static final List<String> MACHINE_PROTOCOLS = List.of("sqs", "lambda", "https");

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    /**
     * @param attempts   what the ledger says was already done, newest last; null when the ledger could not be read
     * @param runbookUrl the runbook to open, or null
     */
    static Page compose(Incident incident, List<Attempt> attempts, String runbookUrl, String requestKey) {
        Route route = incident.route();
        String subject = subject(incident);
        String text = text(incident, attempts, runbookUrl);

        JsonObject machine = new JsonObject();
        machine.addProperty("schema", "auth-responder/page/1");
        machine.addProperty("incident", incident.key());
        machine.addProperty("route", route.id());
        machine.addProperty("team", route.team());
        machine.addProperty("severity", route.severity().name());
        machine.addProperty("subject", subject);
        machine.addProperty("since", incident.since().toString());
        machine.add("regions", Json.tree(incident.regions()));
        if (incident.alarm() != null) {
            machine.add("alarm", alarm(incident.alarm()));
        }
        if (incident.diagnosis() != null) {
            machine.add("diagnosis", Json.tree(incident.diagnosis()));
        }
        if (incident.failure() != null) {
            machine.add("failure", Json.tree(incident.failure()));
        }
        if (incident.note() != null) {
            machine.addProperty("note", incident.note());
        }
        machine.add("tried", attempts == null ? null : Json.tree(latest(attempts)));
        machine.addProperty("runbook", runbookUrl);
        machine.addProperty("requestKey", requestKey);
        machine.addProperty("text", text);

        JsonObject message = new JsonObject();
        message.addProperty("default", text);
        String form = Json.write(machine);
        MACHINE_PROTOCOLS.forEach(protocol -> message.addProperty(protocol, form));

        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("severity", route.severity().name());
        attributes.put("team", route.team());
        attributes.put("route", route.id());
        attributes.put("incident", incident.key());
        return new Page(subject, text, Json.write(message), attributes);
    }

    /** What SNS counts against its limit: the message, the subject and the attributes' names and values. */
    int size() {
        int size = message.getBytes(StandardCharsets.UTF_8).length + subject.length();
        for (var attribute : attributes.entrySet()) {
            size += attribute.getKey().length() + "String".length() + attribute.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }

    /** "[CRITICAL] Token validation failing in 2+ regions - eu-west-1, eu-west-2": the where survives any cut. */
    static String subject(Incident incident) {
        Route route = incident.route();
        String what = route.title();
        if (Routes.MANUAL.equals(route.id())) {
            what = incident.note();
        } else if (incident.failure() != null) {
            what += ": " + incident.failure().function();
        } else if (incident.diagnosis() != null && !incident.diagnosis().summary().isEmpty()) {
            what += ": " + incident.diagnosis().summary();
        }
        String head = Text.ascii("[" + route.severity() + "] " + what);
        String where = incident.regions().isEmpty() ? "" : " - " + Text.ascii(regions(incident.regions(), MAX_WHERE));
        return Text.cut(head, MAX_SUBJECT - where.length()) + where;
    }

    /** "eu-west-1, eu-west-2", or "ap-southeast-2, ca-central-1 +5 more" where they do not all fit. */
    private static String regions(List<String> regions, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < regions.size(); i++) {
            String next = (i == 0 ? "" : ", ") + regions.get(i);
            String more = i + 1 < regions.size() ? " +" + (regions.size() - i - 1) + " more" : "";
            if (i > 0 && out.length() + next.length() + more.length() > max) {
                return out + " +" + (regions.size() - i) + " more";
            }
            out.append(next);
        }
        return out.toString();
    }

    private static String text(Incident incident, List<Attempt> attempts, String runbookUrl) {
        Route route = incident.route();
        List<String> lines = new ArrayList<>();
        lines.add(verdictLine(incident));
        lines.add((incident.note() != null ? "Asked: " : "Since: ") + WHEN.format(incident.since())
                + (incident.alarm() != null ? " (alarm " + incident.alarm().alarmName() + ")" : ""));
        if (!incident.regions().isEmpty()) {
            lines.add("Where: " + Text.cut(String.join(", ", incident.regions()), 120));
        }
        if (incident.alarm() != null) {
            lines.add("Alarm: " + figures(incident.alarm()));
        }
        if (route.advice() != null) {
            lines.add("Do: " + route.advice());
        }
        Incident.Diagnosis diagnosis = incident.diagnosis();
        if (diagnosis != null) {
            if (incident.failure() != null) {
                lines.add("Diagnosis: " + diagnosis.verdict() + confidence(diagnosis)
                        + (diagnosis.summary().isEmpty() ? "" : ": " + diagnosis.summary()));
            }
            diagnosis.evidence().forEach(item -> lines.add("- " + item));
        }
        if (attempts == null) {
            lines.add("Tried: unknown (the action ledger could not be read)");
        } else if (attempts.isEmpty()) {
            lines.add("Tried: nothing yet");
        } else {
            lines.add("Tried:");
            latest(attempts).forEach(a -> lines.add("- " + CLOCK.format(a.at()) + " " + Text.line(a.action(), 30) + " "
                    + Text.line(a.target(), 40) + ": " + a.outcome()
                    + (a.summary() == null || a.summary().isBlank() ? "" : " (" + Text.line(a.summary(), 80) + ")")));
        }
        if (runbookUrl != null) {
            lines.add("Runbook: " + Text.cut(runbookUrl, 200));
        }
        lines.add("Team: " + route.team() + " | " + route.severity() + " | incident " + incident.key());
        return Text.cut(String.join("\n", lines), MAX_TEXT);
    }

    private static String verdictLine(Incident incident) {
        if (incident.failure() != null) {
            Incident.Failure f = incident.failure();
            return "FAILED: " + f.function() + " (" + f.kind() + ")" + (f.message().isEmpty() ? "" : ": " + f.message());
        }
        if (incident.diagnosis() != null) {
            Incident.Diagnosis d = incident.diagnosis();
            return "VERDICT: " + d.verdict() + confidence(d) + (d.summary().isEmpty() ? "" : ": " + d.summary());
        }
        if (incident.note() != null) {
            return "PAGED by " + incident.pagedBy() + ": " + incident.note();
        }
        Route route = incident.route();
        return "ALARM: " + route.title() + (route.condition() == null ? "" : ": " + route.condition());
    }

    private static String confidence(Incident.Diagnosis diagnosis) {
        return diagnosis.confidence().isEmpty() ? "" : " (confidence " + diagnosis.confidence() + ")";
    }

    /** The alarm's own figures from reasonData: datapoints against the threshold, or the child alarms of a composite. */
    static String figures(AlarmEvent alarm) {
        if (alarm.kind() == AlarmEvent.Kind.COMPOSITE) {
            return alarm.triggeringAlarms().isEmpty() ? Text.line(alarm.reason(), Triage.LINE)
                    : alarm.triggeringAlarms().size() + " in ALARM: " + Text.line(String.join(", ", alarm.triggeringAlarms()), Triage.LINE);
        }
        if (alarm.recentDatapoints().isEmpty() || alarm.threshold() == null) {
            return Text.line(alarm.reason(), Triage.LINE);
        }
        String statistic = Triage.text(alarm.reasonData(), "statistic");
        String period = Triage.text(alarm.reasonData(), "period");
        List<Double> points = alarm.recentDatapoints();
        String shown = points.subList(Math.max(0, points.size() - 5), points.size()).stream()
                .map(Page::number).collect(Collectors.joining(", "));
        return shown + " vs threshold " + number(alarm.threshold())
                + (statistic != null ? " (" + statistic + (period != null ? " per " + period + " s" : "") + ")" : "");
    }

    private static JsonObject alarm(AlarmEvent alarm) {
        JsonObject json = new JsonObject();
        json.addProperty("name", alarm.alarmName());
        json.addProperty("state", alarm.state());
        json.addProperty("stateTime", alarm.stateTime().toString());
        json.addProperty("region", alarm.region());
        json.addProperty("kind", alarm.kind().name());
        json.addProperty("threshold", alarm.threshold());
        json.add("recentDatapoints", Json.tree(alarm.recentDatapoints()));
        json.add("metrics", Json.tree(alarm.metrics()));
        json.add("triggeringAlarms", Json.tree(alarm.triggeringAlarms()));
        json.addProperty("figures", figures(alarm));
        return json;
    }

    private static List<Attempt> latest(List<Attempt> attempts) {
        return attempts.subList(Math.max(0, attempts.size() - MAX_ATTEMPTS), attempts.size());
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e12 ? String.valueOf((long) value) : String.valueOf(Math.round(value * 100) / 100.0);
    }
}
