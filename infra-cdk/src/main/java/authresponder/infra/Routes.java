package authresponder.infra;

import authresponder.core.Outcome;
import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import authresponder.core.policy.Verdict;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runbooks' routing (runbooks/routing.json and each verdict's chain of actions) in EventBridge's
 * terms, as the local drill follows it: diagnose's verdict starts the chain's first action; an action's
 * result goes on to the next action when its outcome is in {@code continueOn}, and to the paging action
 * when it is in {@code escalateOn} (FAILED included: a step's command is answered with its outcome, never
 * thrown). Lambda relays each result (a destination event) with the command the function was sent
 * ({@code requestPayload}), which is how a rule tells one action's result from another's.
 */
final class Routes {
    static final String DIAGNOSE = "diagnose";

    /**
     * One rule: results of {@code from} whose destination-event {@code detail} matches go to {@code action}.
     *
     * @param detail the rule's pattern on the event's detail (requestPayload, responsePayload)
     */
    record Step(String from, Map<String, Object> detail, String action, String why) {}

    private Routes() {}

    /** The alarms whose state changes reach a function: exactly these are forwarded and routed. */
    static List<String> forwardedAlarms(Policy policy) {
        return policy.routing().alarms().entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    /** Function → the alarms routed to it. */
    static Map<String, List<String>> alarmsByFunction(Policy policy) {
        Map<String, List<String>> byFunction = new TreeMap<>();
        policy.routing().alarms().forEach((alarm, functions) ->
                functions.forEach(f -> byFunction.computeIfAbsent(f, x -> new ArrayList<>()).add(alarm)));
        return byFunction;
    }

    /** Every step of every verdict's chain, once. */
    static List<Step> steps(Policy policy) {
        Routing routing = policy.routing();
        Routing.Chain chain = routing.chain();
        Map<String, Step> steps = new LinkedHashMap<>();
        for (Verdict verdict : Verdict.values()) {
            List<String> actions = policy.verdict(verdict).actions();
            if (actions.isEmpty()) {
                continue;
            }
            add(steps, new Step(DIAGNOSE, Map.of("responsePayload", Map.of("details", Map.of("verdict", List.of(verdict.name())))),
                    actions.getFirst(), "verdict " + verdict));
            for (int i = 0; i < actions.size(); i++) {
                String action = actions.get(i);
                if (action.equals(chain.escalateWith())) {
                    continue;
                }
                Routing.Action done = routing.action(action);
                if (done.input() == Routing.Input.RESULT) {
                    throw new IllegalStateException("action " + action + " takes the previous result, so its own result cannot be told "
                            + "apart from another action's by EventBridge: give it a command");
                }
                Map<String, Object> sent = pattern(done.command());
                if (i + 1 < actions.size()) {
                    add(steps, new Step(done.function(), outcomes(sent, chain.continueOn()), actions.get(i + 1), action + " done"));
                }
                // A step's command is answered, not thrown: FAILED arrives in a success record like PARTIAL and REFUSED,
                // so the page goes out at once, without Lambda's retries (minutes apart, each meeting the failed
                // attempt's cooldown and ending COOLDOWN, which stops the chain without a page). A step that crashes
                // or times out still arrives as a failure record: see the failures rule.
                add(steps, new Step(done.function(), outcomes(sent, chain.escalateOn()), chain.escalateWith(), action + " went wrong"));
            }
        }
        return List.copyOf(steps.values());
    }

    /** Two verdicts that share an action but follow it differently cannot both be told apart by a rule. */
    private static void add(Map<String, Step> steps, Step step) {
        String key = step.from() + " " + step.detail();
        Step earlier = steps.putIfAbsent(key, step);
        if (earlier != null && !earlier.action().equals(step.action())) {
            throw new IllegalStateException("after " + step.why() + " the chains go on to both " + earlier.action() + " and "
                    + step.action() + ": EventBridge rules cannot tell these chains apart");
        }
    }

    private static Map<String, Object> outcomes(Map<String, Object> requestPayload, List<Outcome> outcomes) {
        Map<String, Object> detail = new TreeMap<>();
        detail.put("requestPayload", requestPayload);
        detail.put("responsePayload", Map.of("outcome", outcomes.stream().map(Outcome::name).toList()));
        return detail;
    }

    /** An action's command as an event pattern: each value must be exactly the command's. */
    static Map<String, Object> pattern(JsonObject command) {
        Map<String, Object> pattern = new TreeMap<>();
        command.entrySet().forEach(field -> pattern.put(field.getKey(), field.getValue().isJsonObject()
                ? pattern(field.getValue().getAsJsonObject()) : List.of(plain(field.getValue()))));
        return pattern;
    }

    /** JSON as the plain values CDK takes: objects as maps, arrays as lists, whole numbers as longs. */
    static Object plain(JsonElement value) {
        if (value.isJsonObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            value.getAsJsonObject().entrySet().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
            return map;
        }
        if (value.isJsonArray()) {
            return value.getAsJsonArray().asList().stream().map(Routes::plain).toList();
        }
        if (value.isJsonNull()) {
            return null;
        }
        var primitive = value.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return primitive.getAsBoolean();
        }
        if (primitive.isNumber()) {
            double number = primitive.getAsDouble();
            return number == Math.rint(number) ? (Object) primitive.getAsLong() : (Object) number;
        }
        return primitive.getAsString();
    }

    /** The functions whose results a step reads: their success destination is the bus. */
    static List<String> resultSources(Policy policy) {
        return steps(policy).stream().map(Step::from).distinct().toList();
    }
}
