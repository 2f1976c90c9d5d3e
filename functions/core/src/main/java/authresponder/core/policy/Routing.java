package authresponder.core.policy;

import authresponder.core.Outcome;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How events travel between the alarms and the functions (runbooks/routing.json), the same data for
 * the CDK app's EventBridge rules and for the local drill.
 *
 * @param runbooks    the runbook ids, in reading order (the files runbooks/ID.md)
 * @param functions   function name → handler class
 * @param teams       the on-call teams a page can go to → what they own
 * @param actions     action name → the function that carries it out and the command it is sent
 * @param alarmStates the alarm states that are routed at all (the rules' state filter)
 * @param alarms      alarm name → the functions its state changes go to (empty: it only feeds a composite)
 * @param chain       what a verdict's action chain does after each step's outcome
 */
public record Routing(
        List<String> runbooks,
        Map<String, String> functions,
        Map<String, String> teams,
        Map<String, Action> actions,
        List<String> alarmStates,
        Map<String, List<String>> alarms,
        Chain chain) {

    /**
     * @param command the JSON command the function binds (its own command record): what the EventBridge
     *                rule's target input sends it, with the relayed event's id as {@code requestId}
     * @param does    one line for the timeline and the page
     * @param input   what the function is sent: the command (the default), or the relayed result of the
     *                step before (a Lambda destination event), for an action that needs the evidence
     */
    public record Action(String function, JsonObject command, String does, Input input) {
        @Override
        public JsonObject command() {
            return command.deepCopy();
        }

        @Override
        public Input input() {
            return input == null ? Input.COMMAND : input;
        }
    }

    /** What an action's function receives. */
    public enum Input { COMMAND, RESULT }

    /**
     * @param continueOn   outcomes after which the verdict's next action runs
     * @param stopOn       outcomes that end the chain quietly (a cooldown: someone acted moments ago; a dry run)
     * @param escalateOn   outcomes that page the verdict's team with what happened
     * @param escalateWith the action that pages
     */
    public record Chain(List<Outcome> continueOn, List<Outcome> stopOn, List<Outcome> escalateOn, String escalateWith) {}

    public Action action(String name) {
        Action action = actions.get(name);
        if (action == null) {
            throw new IllegalArgumentException("no action '" + name + "' in runbooks/routing.json");
        }
        return action;
    }

    /**
     * The routing's name of an alarm as CloudWatch delivers it. A deployment names its alarms
     * {@code DEPLOYMENT_NAME + "-" + routing name} (the CDK app does, so two deployments can share an
     * account); with no deployment name (a local run) the delivered name is the routing's own. Empty when
     * the routing has no such alarm.
     */
    public Optional<String> alarmNamed(String delivered, String deploymentName) {
        String name = delivered;
        if (deploymentName != null && !deploymentName.isBlank()) {
            String prefix = deploymentName + "-";
            if (delivered == null || !delivered.startsWith(prefix)) {
                return Optional.empty();
            }
            name = delivered.substring(prefix.length());
        }
        return alarms.containsKey(name) ? Optional.of(name) : Optional.empty();
    }

    /** Whether the routing sends the alarm's state changes to the function. */
    public boolean routes(String alarmName, String function) {
        return alarms.getOrDefault(alarmName, List.of()).contains(function);
    }

    /** The alarms routed to a function, sorted: for a refusal that names them. */
    public List<String> alarmsOf(String function) {
        return alarms.entrySet().stream().filter(e -> e.getValue().contains(function)).map(Map.Entry::getKey).sorted().toList();
    }
}
