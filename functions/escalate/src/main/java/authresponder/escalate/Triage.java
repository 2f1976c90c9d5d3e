package authresponder.escalate;

import authresponder.core.AlarmEvent;
import authresponder.core.BadInputException;
import authresponder.core.Caller;
import authresponder.core.Redact;
import authresponder.core.Trigger;
import authresponder.core.policy.Routing;
import authresponder.core.policy.Severity;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a trigger needs a person, which route it takes, and gathers the facts for the page:
 * the alarm (also the one behind a diagnosis or a failed action, found in the request payloads that
 * Lambda destinations carry along), diagnose's verdict and evidence, and the failure.
 */
final class Triage {
    static final int MAX_EVIDENCE = 6;
    static final int LINE = 160;
    private static final int MAX_DEPTH = 4;

    private final Routes routes;
    private final String function;
    private final Routing routing;
    private final String deployment;

    /** @param deployment DEPLOYMENT_NAME, which prefixes the alarms' names (null for a local run) */
    Triage(Routes routes, String function, Routing routing, String deployment) {
        this.routes = routes;
        this.function = function;
        this.routing = routing;
        this.deployment = deployment;
    }

    /** @param regionsInAlarm for an alarm, the regions where it is in ALARM now (this event's, and others' the ledger saw) */
    Reading read(Trigger trigger, EscalateCommand command, Caller caller, Instant now, Set<String> regionsInAlarm) {
        return switch (trigger) {
            case Trigger.Alarm(AlarmEvent alarm) -> fromAlarm(alarm, regionsInAlarm);
            case Trigger.FunctionResult result -> fromResult(result, now);
            case Trigger.Command ignored -> fromCommand(command, caller, now);
            case Trigger.Schedule ignored -> throw new IllegalStateException("the edge refuses schedules for " + function);
        };
    }

    private Reading fromAlarm(AlarmEvent alarm, Set<String> regionsInAlarm) {
        if (!alarm.inAlarm()) {
            return new Reading.Nothing("alarm " + alarm.alarmName() + " is " + alarm.state() + ": nothing to page");
        }
        List<String> regions = regionsInAlarm.stream().sorted().toList();
        List<Route> routes = this.routes.forAlarm(alarm.alarmName());
        return routes.stream().filter(route -> route.minRegions() <= regions.size()).findFirst()
                .<Reading>map(route -> new Incident(route, route.id() + "/" + route.team(), alarm.stateTime(), regions, alarm, null, null, null, null))
                .orElseGet(() -> new Reading.Nothing("alarm " + alarm.alarmName() + " is in ALARM in " + regions.size() + " region"
                        + (regions.size() == 1 ? "" : "s") + " (" + String.join(", ", regions) + "): " + routes.getLast().team()
                        + " is paged when " + routes.getLast().minRegions() + " are"));
    }

    private Reading fromResult(Trigger.FunctionResult result, Instant now) {
        if (function.equals(result.function())) {
            return new Reading.Nothing(function + " does not page about its own results (that would loop):"
                    + " its failures go to its dead-letter queue");
        }
        Behind behind = behind(result.request(), null, 0);
        if (!result.success()) {
            String type = text(result.response(), "errorType");
            Incident.Failure failure = new Incident.Failure(result.function(),
                    type == null ? "error" : type.substring(type.lastIndexOf('.') + 1),
                    Text.line(text(result.response(), "errorMessage"), LINE));
            return failed(failure, behind, result, now);
        }
        JsonObject response = result.response();
        Incident.Diagnosis diagnosis = diagnosis(response);
        if (diagnosis != null) {
            return routes.forVerdict(diagnosis.verdict())
                    .<Reading>map(route -> incident(route, keyPart(behind.alarm(), result.function()), behind.alarm(), diagnosis, null, now))
                    .orElseGet(() -> new Reading.Nothing("verdict " + diagnosis.verdict() + " needs no person: its runbook does not page"));
        }
        String outcome = text(response, "outcome");
        // what the routing sends here to be paged (chain.escalateOn), the one list: a step's BAD_INPUT too
        if (outcome != null && routing.chain().escalateOn().stream().anyMatch(o -> o.name().equals(outcome))) {
            return failed(new Incident.Failure(result.function(), outcome, Text.line(text(response, "summary"), LINE)), behind, result, now);
        }
        return new Reading.Nothing(result.function() + " answered " + (outcome == null ? "without an outcome" : outcome) + ": nothing to page");
    }

    /**
     * A chain step is sent its command (the rule's input), not the diagnosis, so the verdict behind it is the one whose
     * chain sends that command; a result that carries the diagnosis along names it itself.
     */
    private Incident failed(Incident.Failure failure, Behind behind, Trigger.FunctionResult result, Instant now) {
        String keyPart = failure.function() + (behind.alarm() == null ? "" : "/" + behind.alarm().alarmName());
        String verdict = behind.diagnosis() != null ? behind.diagnosis().verdict()
                : routes.verdictOfStep(result.function(), result.request()).orElse(null);
        Route route = routes.actionFailed(verdict, behind.alarm() == null ? null : behind.alarm().alarmName());
        return incident(route, keyPart, behind.alarm(), behind.diagnosis(), failure, now);
    }

    private Incident fromCommand(EscalateCommand command, Caller caller, Instant now) {
        Route route = routes.manual(command.team(), command.runbook(), command.severity() != null ? command.severity() : Severity.HIGH);
        // Pressing the button twice pages once: the key is the team and what was said.
        String key = Routes.MANUAL + "/" + route.team() + "/" + Redact.hash(command.summary()).substring("sha256:".length());
        return new Incident(route, key, now, List.of(), null, null, null,
                Text.line(command.summary(), EscalateCommand.MAX_SUMMARY), Text.line(caller.principal(), 80));
    }

    private static Incident incident(Route route, String keyPart, AlarmEvent alarm, Incident.Diagnosis diagnosis,
                                     Incident.Failure failure, Instant now) {
        return new Incident(route, route.id() + "/" + keyPart, alarm == null ? now : alarm.stateTime(),
                regions(alarm), alarm, diagnosis, failure, null, null);
    }

    private static String keyPart(AlarmEvent alarm, String fallback) {
        return alarm == null ? fallback : alarm.alarmName();
    }

    private static List<String> regions(AlarmEvent alarm) {
        return alarm == null || alarm.region() == null ? List.of() : List.of(alarm.region());
    }

    /** The alarm and the diagnosis that a result follows from. */
    private record Behind(AlarmEvent alarm, Incident.Diagnosis diagnosis) {}

    /**
     * Walks back along the chain: a Lambda destination carries the request payload, which may itself be
     * another function's result (diagnose's verdict, before a failed flush), down to the alarm that started it.
     */
    private Behind behind(JsonObject payload, Incident.Diagnosis found, int depth) {
        if (payload == null || depth > MAX_DEPTH || !payload.has("detail-type")) {
            return new Behind(null, found);
        }
        try {
            if (AlarmEvent.DETAIL_TYPE.equals(text(payload, "detail-type"))) {
                AlarmEvent alarm = AlarmEvent.from(payload);
                // under the routing's name, as the alarm that started the chain reached its first function
                return new Behind(routing.alarmNamed(alarm.alarmName(), deployment).map(alarm::named).orElse(alarm), found);
            }
        } catch (BadInputException unreadable) {
            return new Behind(null, found); // context is best effort: the page goes out without it
        }
        JsonObject detail = object(payload, "detail");
        if (detail == null) {
            return new Behind(null, found);
        }
        Incident.Diagnosis diagnosis = found != null ? found : diagnosis(object(detail, "responsePayload"));
        return behind(object(detail, "requestPayload"), diagnosis, depth + 1);
    }

    /**
     * diagnose's answer, from its result's details: verdict, confidence, headline, evidenceFor and
     * evidenceAgainst. Null when the result carries no verdict.
     */
    static Incident.Diagnosis diagnosis(JsonObject response) {
        JsonObject details = object(response, "details");
        String verdict = text(details, "verdict");
        if (verdict == null) {
            return null;
        }
        List<String> evidence = new ArrayList<>();
        String headline = text(details, "headline");
        int total = 0;
        for (String field : List.of("evidenceFor", "evidenceAgainst")) {
            JsonElement items = details.get(field);
            if (items == null || !items.isJsonArray()) {
                continue;
            }
            for (JsonElement item : items.getAsJsonArray()) {
                if (++total <= MAX_EVIDENCE) {
                    evidence.add(Text.line(("evidenceAgainst".equals(field) ? "against: " : "") + describe(item), LINE));
                }
            }
        }
        if (total > MAX_EVIDENCE) {
            evidence.set(MAX_EVIDENCE - 1, "(+" + (total - MAX_EVIDENCE + 1) + " more in the diagnosis)");
        }
        return new Incident.Diagnosis(Text.line(verdict, 40), Text.line(text(details, "confidence"), 20),
                Text.line(headline != null ? headline : text(response, "summary"), LINE), evidence);
    }

    /** One line for an evidence item, whatever its shape: text, or an object's telling fields. */
    private static String describe(JsonElement item) {
        if (item == null || item.isJsonNull()) {
            return null;
        }
        if (item.isJsonPrimitive()) {
            return item.getAsString();
        }
        if (!item.isJsonObject()) {
            return item.toString();
        }
        JsonObject object = item.getAsJsonObject();
        List<String> parts = new ArrayList<>();
        for (String field : List.of("check", "name", "status", "summary", "detail", "reason")) {
            String value = text(object, field);
            if (value != null && !Redact.isSecretName(field)) {
                parts.add(value);
            }
        }
        return parts.isEmpty() ? object.toString() : String.join(": ", parts);
    }

    private static JsonObject object(JsonObject parent, String field) {
        JsonElement value = parent == null ? null : parent.get(field);
        return value != null && value.isJsonObject() ? value.getAsJsonObject() : null;
    }

    static String text(JsonObject parent, String field) {
        JsonElement value = parent == null ? null : parent.get(field);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }
}
