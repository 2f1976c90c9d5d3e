package authresponder.restart;

import authresponder.core.AwsClients;
import authresponder.core.BadInputException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Json;
import authresponder.core.Lazy;
import authresponder.core.Outcome;
import authresponder.core.Redact;
import authresponder.core.Rehearsal;
import authresponder.core.Result;
import authresponder.core.Trigger;
import authresponder.core.ledger.Claim;
import authresponder.core.ledger.Ledger;
import authresponder.core.ledger.Request;
import authresponder.core.policy.Policy;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * restart-authoriser: drops the authoriser's in-memory key caches by giving it fresh execution environments
 * (a Lambda target) or a rollout restart (an EKS target). A caller names a configured target, never an ARN.
 * Every real restart goes through the action ledger: one per target per cooldown (from the runbooks), once
 * per request, an override only with a reason. Started by a command, an alarm, or a finished flush-cache
 * (the stale-key chain: flush the cached keys, then restart).
 */
public final class RestartAuthoriserHandler extends FunctionHandler<RestartAuthoriserHandler.Command, RestartDetails> {
    /** The action's name in the runbooks and the ledger. */
    static final String ACTION = "restart-authoriser";
    private static final String FLUSH_FUNCTION = "flush-cache";

    /**
     * @param target a target named in RESTART_TARGETS; may be left out when only one is configured
     * @param dryRun say exactly what would be done, change nothing
     * @param force  skip the cooldown; needs a reason, and is audited
     */
    public record Command(String target, Boolean dryRun, Boolean force, String reason) {
        public Command {
            reason = Redact.text(reason); // scrubbed before it is logged or kept in the ledger
        }
    }

    private final Policy policy = Policy.bundled();
    private final Map<String, Target> targets;
    private final Duration cooldown;
    private final Ledger ledger;
    private final Lazy<LambdaClient> lambdaClient;
    private final Lazy<EksClient> eksClient;
    private final LambdaRestarter lambda;
    private final EksRestarter eks;
    private final Clock clock = Clock.systemUTC();

    public RestartAuthoriserHandler() {
        this(Env.system());
        prepare();
    }

    public RestartAuthoriserHandler(Env env) {
        super("restart-authoriser", Command.class, env);
        targets = Target.parse("RESTART_TARGETS", env.required("RESTART_TARGETS"));
        cooldown = policy.cooldown(ACTION);
        ledger = Ledger.from(env);
        AwsClients clients = new AwsClients(env);
        String region = env.required("AWS_REGION");
        URI sts = env.uri("AWS_ENDPOINT_URL").orElse(URI.create("https://sts." + region + ".amazonaws.com"));
        lambdaClient = Lazy.of(() -> clients.build(LambdaClient.builder()), client -> Rehearsal.run(() ->
                client.getFunctionConfiguration(r -> r.functionName("rehearsal").overrideConfiguration(Rehearsal.only()))));
        eksClient = Lazy.of(() -> clients.build(EksClient.builder()), client -> Rehearsal.run(() ->
                client.describeCluster(r -> r.name("rehearsal").overrideConfiguration(Rehearsal.only()))));
        lambda = new LambdaRestarter(lambdaClient);
        eks = new EksRestarter(eksClient, new EksToken(clients.credentials(), region, sts, clock), clock);
    }

    /** Every restart goes through the ledger, and the client of each kind of target configured. */
    @Override
    protected List<Lazy<?>> firstEventClients() {
        List<Lazy<?>> clients = new ArrayList<>(List.of(ledger.client()));
        if (targets.values().stream().anyMatch(Target.Lambda.class::isInstance)) {
            clients.add(lambdaClient);
        }
        if (targets.values().stream().anyMatch(Target.Eks.class::isInstance)) {
            clients.add(eksClient);
        }
        return clients;
    }

    /** An alarm, or a flush-cache that finished, asks for the runbooks' restart command (its configured target). */
    @Override
    protected Command commandFor(Trigger trigger) {
        return switch (trigger) {
            case Trigger.Alarm alarm -> {
                if (!alarm.alarm().inAlarm()) {
                    throw new BadInputException("alarm " + alarm.alarm().alarmName() + " is " + alarm.alarm().state() + ": a restart follows only ALARM");
                }
                yield chainCommand();
            }
            case Trigger.FunctionResult result -> {
                String function = Objects.requireNonNullElse(text(result.response(), "function"), result.function());
                String outcome = Objects.requireNonNullElse(text(result.response(), "outcome"), "none");
                boolean flushed = FLUSH_FUNCTION.equals(function) && result.success()
                        && policy.routing().chain().continueOn().stream().anyMatch(o -> o.name().equals(outcome));
                if (!flushed) {
                    throw new BadInputException("a restart follows only a flush-cache that ended " + policy.routing().chain().continueOn()
                            + "; got " + function + " with outcome " + outcome);
                }
                yield chainCommand();
            }
            default -> super.commandFor(trigger);
        };
    }

    @Override
    protected void check(Command command) {
        target(command);
        Request.checkForce(command.force(), command.reason());
    }

    @Override
    protected Result<RestartDetails> run(Command command, Invocation invocation) throws Exception {
        Target target = target(command);
        var budget = invocation.budget();
        String stamp = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        Request request = Request.of(ACTION, target.name(), invocation.caller(), cooldown)
                .dryRun(Boolean.TRUE.equals(command.dryRun()))
                .force(command.force(), command.reason());
        return ledger.guard(request, budget, RestartDetails.class, go -> {
            boolean dryRun = go instanceof Claim.DryRun;
            return switch (target) {
                case Target.Lambda function -> dryRun ? lambda.plan(function, stamp, budget) : lambda.restart(function, stamp, budget);
                case Target.Eks deployments -> dryRun ? eks.plan(deployments, stamp, budget) : eks.restart(deployments, stamp, budget);
            };
        });
    }

    /** A string member of a relayed result, or null: the result is another function's, so its shape is not trusted. */
    private static String text(JsonObject object, String field) {
        return object.get(field) instanceof JsonPrimitive value && value.isString() ? value.getAsString() : null;
    }

    private Command chainCommand() {
        return Json.bind(policy.routing().action(ACTION).command(), Command.class);
    }

    private Target target(Command command) {
        if (command.target() == null) {
            if (targets.size() == 1) {
                return targets.values().iterator().next();
            }
            throw new BadInputException("name a target: one of " + new TreeSet<>(targets.keySet()));
        }
        Target target = targets.get(command.target());
        if (target == null) {
            throw new BadInputException("unknown target '" + command.target() + "'; configured: " + new TreeSet<>(targets.keySet()));
        }
        return target;
    }
}
