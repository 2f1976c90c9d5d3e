package authresponder.watchkeys;

import authresponder.core.Budget;
import authresponder.core.Caller;
import authresponder.core.FunctionHandler;
import authresponder.core.Json;
import authresponder.core.Outcome;
import authresponder.core.Result;
import authresponder.watchkeys.WatchReport.ActionReport;
import authresponder.core.policy.Routing;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the runbooks' actions for a key change, in order, each through the function that owns it, in this
 * process: the routing's command for the action (the one the alarm chain sends), so the same checks, ledger
 * record, cooldown and dry run apply. Like the chain, a step runs only after the one before ended in
 * {@link Routing.Chain#continueOn()}; a dry run asks every step for its dry run.
 */
final class Repair {
    /** All the steps; {@code outcome} is DONE/NO_CHANGE when every step let the next one run, else the step that stopped it. */
    record Done(List<ActionReport> steps, Outcome outcome) {
        boolean complete() {
            return outcome == Outcome.DONE || outcome == Outcome.NO_CHANGE;
        }
    }

    private final Routing routing;
    private final Map<String, FunctionHandler<?, ?>> functions;

    /** @param functions the functions this one can run, by name; an action of a function not among them is skipped, and says so */
    Repair(Routing routing, Map<String, FunctionHandler<?, ?>> functions) {
        this.routing = routing;
        this.functions = Map.copyOf(functions);
    }

    Done run(List<String> actions, boolean dryRun, Caller caller, Budget budget) {
        List<ActionReport> steps = new ArrayList<>();
        boolean changed = false;
        Outcome stopped = null;
        for (String action : actions) {
            Routing.Action spec = routing.action(action);
            FunctionHandler<?, ?> function = functions.get(spec.function());
            if (function == null) {
                steps.add(new ActionReport(action, spec.function(), Outcome.NO_CHANGE, "skipped: " + spec.function() + " has no target configured for watch-keys", null));
                continue;
            }
            JsonObject command = spec.command();
            if (dryRun) {
                command.addProperty("dryRun", true);
            }
            Result<?> result = function.perform(command, caller, budget);
            steps.add(new ActionReport(action, spec.function(), result.outcome(), result.summary(),
                    result.details() == null ? null : Json.tree(result.details())));
            if (dryRun) {
                // a dry run that could not even look (an unreachable cache) says so
                stopped = stopped != null || result.outcome().succeeded() ? stopped : result.outcome();
                continue;
            }
            if (!routing.chain().continueOn().contains(result.outcome())) {
                return new Done(steps, result.outcome());
            }
            changed |= result.outcome() == Outcome.DONE;
        }
        if (dryRun) {
            return new Done(steps, stopped != null ? stopped : Outcome.DRY_RUN);
        }
        return new Done(steps, changed ? Outcome.DONE : Outcome.NO_CHANGE);
    }
}
