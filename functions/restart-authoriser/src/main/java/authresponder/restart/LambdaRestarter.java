package authresponder.restart;

import authresponder.core.RestartMarker;
import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Outcome;
import authresponder.core.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.SnapStartApplyOn;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Gives a Lambda authoriser fresh execution environments, so its in-memory key cache starts empty.
 * Environment variables are replaced as a whole by UpdateGetFunctionConfigurationResponse, so the restart reads them,
 * merges one marker in and writes them back with the RevisionId it read: a concurrent change is never lost.
 * Through an alias (or with SnapStart, which only runs published versions) a $LATEST change reaches no caller:
 * then a version is published and the alias moved to it. That publishes whatever $LATEST holds, so it is done only
 * when $LATEST is what the alias runs already (the same CodeSha256 and configuration, but for the marker): after a
 * rollback, or while a canary holds the alias on an older version, $LATEST is code nobody chose for the alias, and
 * the restart is refused (the chain then pages). A weighted alias (a canary, a gradual deploy) is refused too.
 */
final class LambdaRestarter {
    static final String MARKER = RestartMarker.VARIABLE;
    private static final Duration CALL_CAP = Duration.ofSeconds(10);
    /** Kept back from the budget for recording the outcome after a wait ends. */
    private static final Duration RESERVE = Duration.ofSeconds(2);
    private static final int MAX_ATTEMPTS = 8;

    private final Supplier<LambdaClient> lambda;

    LambdaRestarter(Supplier<LambdaClient> lambda) {
        this.lambda = lambda;
    }

    Result<RestartDetails> plan(Target.Lambda target, String marker, Budget budget) {
        List<String> steps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int kept = 0;
        String fromVersion = null;
        String status = null;
        try {
            GetFunctionConfigurationResponse current = read(target.function(), null, budget);
            kept = others(current.environment() == null ? null : current.environment().variables()).size();
            status = String.valueOf(current.lastUpdateStatusAsString());
            if (target.alias() == null && snapStartOnVersions(current)) {
                warnings.add(target.function() + " uses SnapStart, which runs only published versions: a real run is refused"
                        + " until the target names the alias it is invoked through");
            }
            if (target.alias() != null) {
                GetAliasResponse alias = alias(target, budget);
                fromVersion = alias.functionVersion();
                refusal(target, alias, current, budget).ifPresent(why -> warnings.add("a real run would be refused: " + why));
            }
        } catch (RuntimeException e) {
            warnings.add("could not read " + target.function() + " now (" + e.getMessage() + "): the plan is from the configuration only");
        }
        steps.add("set " + MARKER + "=" + marker + " in " + target.function() + "'s $LATEST environment, keeping its "
                + kept + " other variables, with the RevisionId read just before (retrying a conflict with backoff)");
        steps.add("wait until LastUpdateStatus is Successful (now " + status + ")");
        String way = "$LATEST environment update";
        if (target.alias() != null) {
            way = "new version + alias move";
            steps.add("publish a new version of " + target.function() + " and wait until it is Active");
            steps.add("move alias " + target.alias() + " from version " + fromVersion + " to the new version");
        }
        return Result.of(Outcome.DRY_RUN, "would restart " + target.name() + " (" + way + " of " + target.function() + "); nothing was changed",
                new RestartDetails(target.name(), steps,
                        new RestartDetails.LambdaRestart(target.function(), way, marker, kept, status, target.alias(), fromVersion, null), null),
                warnings);
    }

    Result<RestartDetails> restart(Target.Lambda target, String marker, Budget budget) throws InterruptedException {
        String function = target.function();
        List<String> steps = new ArrayList<>();
        if (target.alias() == null && snapStartOnVersions(read(function, null, budget))) {
            return Result.of(Outcome.REFUSED, "refused to restart " + target.name() + ": " + function + " uses SnapStart, which runs only"
                    + " published versions, so a $LATEST change reaches no caller; name the alias it is invoked through in RESTART_TARGETS", null);
        }
        GetAliasResponse alias = target.alias() == null ? null : alias(target, budget);
        Updated updated = updateEnvironment(target, alias, marker, budget);
        if (updated.refusal() != null) {
            return Result.of(Outcome.REFUSED, "refused to restart " + target.name() + ": " + updated.refusal() + "; nothing was changed", null);
        }
        steps.add("set " + MARKER + "=" + marker + " in " + function + "'s environment, kept " + updated.kept() + " other variables"
                + (updated.attempts() > 1 ? " (" + updated.attempts() + " attempts: an update was in progress or the function changed meanwhile)" : ""));
        GetFunctionConfigurationResponse settled = awaitUpdate(function, budget);
        String status = settled.lastUpdateStatusAsString();
        RestartDetails.LambdaRestart lambdaDetails = new RestartDetails.LambdaRestart(function,
                target.alias() == null ? "$LATEST environment update" : "new version + alias move", marker, updated.kept(), status,
                target.alias(), null, null);
        if (settled.lastUpdateStatus() == LastUpdateStatus.FAILED) {
            steps.add("LastUpdateStatus Failed: " + settled.lastUpdateStatusReason());
            return Result.of(Outcome.FAILED, "restart of " + target.name() + " failed: Lambda reports LastUpdateStatus Failed ("
                    + settled.lastUpdateStatusReasonCodeAsString() + ": " + settled.lastUpdateStatusReason() + ")",
                    new RestartDetails(target.name(), steps, lambdaDetails, null));
        }
        if (settled.lastUpdateStatus() != LastUpdateStatus.SUCCESSFUL) {
            steps.add("LastUpdateStatus still " + status + " when the time budget ended");
            return Result.of(Outcome.PARTIAL, "restart of " + target.name() + " sent, but " + function + " still reports LastUpdateStatus "
                    + status + " at the end of the time budget: check it before acting again",
                    new RestartDetails(target.name(), steps, lambdaDetails, null));
        }
        steps.add("LastUpdateStatus Successful");
        if (target.alias() == null) {
            return Result.of(Outcome.DONE, "restarted " + target.name() + ": updated " + function + "'s $LATEST environment ("
                    + MARKER + "=" + marker + "); new invocations start in fresh execution environments",
                    new RestartDetails(target.name(), steps, lambdaDetails, null));
        }
        return moveAlias(target, settled, steps, lambdaDetails, budget);
    }

    private Result<RestartDetails> moveAlias(Target.Lambda target, GetFunctionConfigurationResponse settled, List<String> steps,
                                             RestartDetails.LambdaRestart details, Budget budget) throws InterruptedException {
        String function = target.function();
        GetAliasResponse alias = lambda.get().getAlias(b -> b.functionName(function).name(target.alias())
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
        String version = retryingConflicts(budget, () -> lambda.get().publishVersion(b -> b.functionName(function)
                .revisionId(settled.revisionId()).description("auth-responder restart " + details.marker())
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP)))).version();
        steps.add("published version " + version);
        GetFunctionConfigurationResponse published = awaitActive(function, version, budget);
        if (published.state() != State.ACTIVE) {
            steps.add("version " + version + " is " + published.stateAsString() + ", not Active: alias " + target.alias() + " left on " + alias.functionVersion());
            Outcome outcome = published.state() == State.FAILED ? Outcome.FAILED : Outcome.PARTIAL;
            return Result.of(outcome, "restart of " + target.name() + " published version " + version + " but it is " + published.stateAsString()
                    + (published.stateReason() == null ? "" : " (" + published.stateReason() + ")") + ": alias " + target.alias()
                    + " still points to " + alias.functionVersion(),
                    new RestartDetails(target.name(), steps, withVersions(details, alias.functionVersion(), version), null));
        }
        retryingConflicts(budget, () -> lambda.get().updateAlias(b -> b.functionName(function).name(target.alias()).functionVersion(version)
                .revisionId(alias.revisionId()).overrideConfiguration(AwsClients.within(budget, CALL_CAP))));
        steps.add("moved alias " + target.alias() + " from version " + alias.functionVersion() + " to " + version);
        return Result.of(Outcome.DONE, "restarted " + target.name() + ": published " + function + " version " + version + " and moved alias "
                + target.alias() + " from " + alias.functionVersion() + " to it; new invocations start in fresh execution environments",
                new RestartDetails(target.name(), steps, withVersions(details, alias.functionVersion(), version), null));
    }

    /** @param refusal why nothing was written, or null when the marker was */
    private record Updated(int kept, int attempts, String refusal) {}

    /**
     * Read, check that publishing would deploy nothing new to the alias, merge the marker in, write with the
     * RevisionId read: re-read (and check again) on a concurrent change, back off while an update is in progress.
     */
    private Updated updateEnvironment(Target.Lambda target, GetAliasResponse alias, String marker, Budget budget) throws InterruptedException {
        String function = target.function();
        for (int attempt = 1; ; attempt++) {
            GetFunctionConfigurationResponse current = read(function, null, budget);
            Optional<String> refusal = alias == null ? Optional.empty() : refusal(target, alias, current, budget);
            if (refusal.isPresent()) {
                return new Updated(0, attempt, refusal.get());
            }
            Map<String, String> variables = new HashMap<>(current.environment() == null ? Map.of() : current.environment().variables());
            int kept = others(variables).size();
            variables.put(MARKER, marker);
            try {
                lambda.get().updateFunctionConfiguration(b -> b.functionName(function).revisionId(current.revisionId())
                        .environment(e -> e.variables(variables)).overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
                return new Updated(kept, attempt, null);
            } catch (ResourceConflictException | PreconditionFailedException e) {
                if (attempt >= MAX_ATTEMPTS || budget.remaining().compareTo(RESERVE) < 0) {
                    throw e;
                }
                if (e instanceof ResourceConflictException) {
                    backoff(attempt, budget);
                }
            }
        }
    }

    private GetAliasResponse alias(Target.Lambda target, Budget budget) {
        return lambda.get().getAlias(b -> b.functionName(target.function()).name(target.alias())
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
    }

    /**
     * Why publishing $LATEST would change what the alias runs, if it would: the alias splits traffic between
     * versions, or $LATEST's code or configuration differs from the aliased version's (the marker aside).
     */
    private Optional<String> refusal(Target.Lambda target, GetAliasResponse alias, GetFunctionConfigurationResponse latest, Budget budget) {
        String where = "alias " + target.alias() + " of " + target.function();
        if (alias.routingConfig() != null && !alias.routingConfig().additionalVersionWeights().isEmpty()) {
            return Optional.of(where + " is weighted (version " + alias.functionVersion() + ", and " + alias.routingConfig().additionalVersionWeights()
                    + "): a canary or gradual deploy is under way, and moving the alias would end it; restart by hand once the deploy settles");
        }
        GetFunctionConfigurationResponse aliased = read(target.function(), alias.functionVersion(), budget);
        Map<String, Object> running = deployed(aliased);
        Map<String, Object> candidate = deployed(latest);
        List<String> differ = running.keySet().stream().filter(key -> !Objects.equals(running.get(key), candidate.get(key)))
                .map(key -> key.equals("Environment") ? key + " (" + String.join(", ", differing(running, candidate)) + ")" : key).toList();
        if (differ.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(where + " runs version " + alias.functionVersion() + ", and $LATEST differs from it in " + String.join(", ", differ)
                + ": publishing $LATEST would deploy code or configuration nobody chose for the alias (after a rollback, or during a canary);"
                + " restart by hand, or deploy $LATEST on purpose first");
    }

    /** The names of the environment variables set differently, never their values (they may be secrets). */
    @SuppressWarnings("unchecked")
    private static List<String> differing(Map<String, Object> a, Map<String, Object> b) {
        Map<String, String> x = (Map<String, String>) a.get("Environment");
        Map<String, String> y = (Map<String, String>) b.get("Environment");
        TreeSet<String> names = new TreeSet<>(x.keySet());
        names.addAll(y.keySet());
        return names.stream().filter(name -> !Objects.equals(x.get(name), y.get(name))).toList();
    }

    /**
     * What a version deploys, as compared for a restart: the code and the configuration (environment variable
     * names and values, but for the marker, are compared; only the names of those that differ are reported).
     */
    private static Map<String, Object> deployed(GetFunctionConfigurationResponse c) {
        Map<String, Object> deployed = new TreeMap<>();
        deployed.put("CodeSha256", c.codeSha256());
        deployed.put("PackageType", c.packageTypeAsString());
        deployed.put("Runtime", c.runtimeAsString());
        deployed.put("Handler", c.handler());
        deployed.put("Role", c.role());
        deployed.put("MemorySize", c.memorySize());
        deployed.put("Timeout", c.timeout());
        deployed.put("Architectures", c.architecturesAsStrings());
        deployed.put("Layers", c.layers().stream().map(layer -> layer.arn()).toList());
        deployed.put("EphemeralStorage", c.ephemeralStorage() == null ? null : c.ephemeralStorage().size());
        deployed.put("VpcConfig", c.vpcConfig() == null ? null : List.of(new TreeSet<>(c.vpcConfig().subnetIds()), new TreeSet<>(c.vpcConfig().securityGroupIds())));
        deployed.put("DeadLetterConfig", c.deadLetterConfig() == null ? null : c.deadLetterConfig().targetArn());
        deployed.put("KMSKeyArn", c.kmsKeyArn());
        deployed.put("TracingConfig", c.tracingConfig() == null ? null : c.tracingConfig().modeAsString());
        deployed.put("SnapStart", c.snapStart() == null ? null : c.snapStart().applyOnAsString());
        deployed.put("ImageConfig", c.imageConfigResponse() == null ? null : c.imageConfigResponse().imageConfig());
        deployed.put("FileSystemConfigs", c.fileSystemConfigs());
        deployed.put("LoggingConfig", c.loggingConfig());
        Map<String, String> variables = others(c.environment() == null ? null : c.environment().variables());
        deployed.put("Environment", new TreeMap<>(variables));
        return deployed;
    }

    private <T> T retryingConflicts(Budget budget, Supplier<T> call) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (ResourceConflictException e) {
                if (attempt >= MAX_ATTEMPTS || budget.remaining().compareTo(RESERVE) < 0) {
                    throw e;
                }
                backoff(attempt, budget);
            }
        }
    }

    private GetFunctionConfigurationResponse awaitUpdate(String function, Budget budget) throws InterruptedException {
        for (int poll = 1; ; poll++) {
            GetFunctionConfigurationResponse current = read(function, null, budget);
            if (current.lastUpdateStatus() != LastUpdateStatus.IN_PROGRESS || budget.remaining().compareTo(RESERVE) < 0) {
                return current;
            }
            pause(poll, budget);
        }
    }

    private GetFunctionConfigurationResponse awaitActive(String function, String version, Budget budget) throws InterruptedException {
        for (int poll = 1; ; poll++) {
            GetFunctionConfigurationResponse current = read(function, version, budget);
            if (current.state() != State.PENDING || budget.remaining().compareTo(RESERVE) < 0) {
                return current;
            }
            pause(poll, budget);
        }
    }

    private GetFunctionConfigurationResponse read(String function, String qualifier, Budget budget) {
        return lambda.get().getFunctionConfiguration(b -> b.functionName(function).qualifier(qualifier)
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
    }

    private static boolean snapStartOnVersions(GetFunctionConfigurationResponse configuration) {
        return configuration.snapStart() != null && configuration.snapStart().applyOn() == SnapStartApplyOn.PUBLISHED_VERSIONS;
    }

    private static Map<String, String> others(Map<String, String> variables) {
        Map<String, String> others = new HashMap<>(variables == null ? Map.of() : variables);
        others.remove(MARKER);
        return others;
    }

    private static RestartDetails.LambdaRestart withVersions(RestartDetails.LambdaRestart d, String from, String to) {
        return new RestartDetails.LambdaRestart(d.function(), d.way(), d.marker(), d.keptVariables(), d.lastUpdateStatus(), d.alias(), from, to);
    }

    /** 250 ms, 500 ms, 1 s, 2 s...: a conflicting update usually settles within seconds. */
    private static void backoff(int attempt, Budget budget) throws InterruptedException {
        sleep(Duration.ofMillis(250L << Math.min(attempt - 1, 3)), budget);
    }

    /** Polls start quick and settle at one a second. */
    private static void pause(int poll, Budget budget) throws InterruptedException {
        sleep(Duration.ofMillis(Math.min(1000, 200L * poll)), budget);
    }

    private static void sleep(Duration wanted, Budget budget) throws InterruptedException {
        Duration left = budget.remaining().minus(RESERVE);
        Duration chosen = left.compareTo(wanted) < 0 ? left : wanted;
        if (!chosen.isNegative()) {
            Thread.sleep(chosen);
        }
    }
}
