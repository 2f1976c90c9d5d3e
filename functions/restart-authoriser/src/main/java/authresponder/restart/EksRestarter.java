package authresponder.restart;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Outcome;
import authresponder.core.Result;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.Cluster;

/**
 * {@code kubectl rollout restart} for the configured deployments of an EKS cluster: the pod template gets a
 * new {@code kubectl.kubernetes.io/restartedAt} annotation, so Kubernetes replaces every pod (and its
 * in-memory key cache) one by one. A paused deployment is refused, since the patch would wait there unseen.
 * The rollout is then watched until the new pods are available or the time budget ends.
 */
final class EksRestarter {
    static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    private static final Duration CALL_CAP = Duration.ofSeconds(10);
    /** Kept back from the budget for recording the outcome after the watch ends. */
    private static final Duration RESERVE = Duration.ofSeconds(2);
    /** A presigned token lives 60 s; a new one is made well before. */
    private static final Duration TOKEN_REFRESH = Duration.ofSeconds(45);

    private final Supplier<EksClient> eks;
    private final EksToken tokens;
    private final Clock clock;

    EksRestarter(Supplier<EksClient> eks, EksToken tokens, Clock clock) {
        this.eks = eks;
        this.tokens = tokens;
        this.clock = clock;
    }

    Result<RestartDetails> plan(Target.Eks target, String restartedAt, Budget budget) {
        List<String> steps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<RestartDetails.Rollout> now = new ArrayList<>();
        try (Kubernetes kubernetes = connect(target.cluster(), budget)) {
            for (String name : target.deployments()) {
                JsonObject deployment = kubernetes.get(Kubernetes.deploymentPath(target.namespace(), name), budget);
                if (paused(deployment)) {
                    warnings.add("deployment " + name + " is paused: a real run is refused until it is resumed");
                }
                now.add(rollout(name, deployment));
            }
        } catch (Exception e) {
            warnings.add("could not read cluster " + target.cluster() + " now (" + e.getMessage() + "): the plan is from the configuration only");
        }
        steps.add("get a token for cluster " + target.cluster() + " (presigned STS GetCallerIdentity) and trust only its certificate authority");
        steps.add("refuse if any of " + String.join(", ", target.deployments()) + " is paused");
        for (String name : target.deployments()) {
            steps.add("patch deployment " + target.namespace() + "/" + name + ": spec.template.metadata.annotations[\"" + RESTARTED_AT + "\"] = "
                    + restartedAt + " (strategic merge patch)");
        }
        steps.add("watch the rollouts until the new replicas are available or the time budget ends");
        return Result.of(Outcome.DRY_RUN, "would rollout-restart " + String.join(", ", target.deployments()) + " in " + target.namespace()
                        + " on cluster " + target.cluster() + "; nothing was changed",
                new RestartDetails(target.name(), steps, null, new RestartDetails.EksRestart(target.cluster(), target.namespace(), restartedAt, now)),
                warnings);
    }

    Result<RestartDetails> restart(Target.Eks target, String restartedAt, Budget budget) throws Exception {
        try (Kubernetes kubernetes = connect(target.cluster(), budget)) {
            return restart(kubernetes, target, restartedAt, budget);
        }
    }

    private Result<RestartDetails> restart(Kubernetes kubernetes, Target.Eks target, String restartedAt, Budget budget) throws Exception {
        List<String> steps = new ArrayList<>();
        steps.add("connected to cluster " + target.cluster());

        List<String> paused = new ArrayList<>();
        for (String name : target.deployments()) {
            if (paused(kubernetes.get(Kubernetes.deploymentPath(target.namespace(), name), budget))) {
                paused.add(name);
            }
        }
        if (!paused.isEmpty()) {
            return Result.of(Outcome.REFUSED, "refused to restart " + target.name() + ": deployment " + String.join(", ", paused) + " in "
                    + target.namespace() + " is paused (a restart would wait unseen); resume it first. Nothing was patched", null);
        }

        JsonObject patch = restartPatch(restartedAt);
        Map<String, Long> generations = new LinkedHashMap<>();
        for (String name : target.deployments()) {
            try {
                JsonObject patched = kubernetes.strategicMergePatch(Kubernetes.deploymentPath(target.namespace(), name), patch, budget);
                generations.put(name, patched.getAsJsonObject("metadata").get("generation").getAsLong());
                steps.add("patched " + target.namespace() + "/" + name + " " + RESTARTED_AT + "=" + restartedAt);
            } catch (Kubernetes.ApiException e) {
                if (generations.isEmpty()) {
                    throw e;
                }
                steps.add("patching " + name + " failed: " + e.getMessage());
                return Result.of(Outcome.PARTIAL, "restart of " + target.name() + " patched " + String.join(", ", generations.keySet())
                        + " but not " + name + ": " + e.getMessage(), details(target, restartedAt, steps, List.of()));
            }
        }

        List<RestartDetails.Rollout> rollouts = watch(kubernetes, target, generations, budget);
        List<String> failed = rollouts.stream().filter(r -> r.status().startsWith("failed")).map(RestartDetails.Rollout::deployment).toList();
        List<String> pending = rollouts.stream().filter(r -> !r.complete() && !r.status().startsWith("failed"))
                .map(r -> r.deployment() + " (" + r.status() + ")").toList();
        rollouts.forEach(r -> steps.add(r.deployment() + ": " + r.status()));
        RestartDetails details = details(target, restartedAt, steps, rollouts);
        if (!failed.isEmpty()) {
            return Result.of(Outcome.FAILED, "restart of " + target.name() + ": the rollout of " + String.join(", ", failed)
                    + " failed (progress deadline exceeded)", details);
        }
        if (!pending.isEmpty()) {
            return Result.of(Outcome.PARTIAL, "restart of " + target.name() + " started, still rolling out when the time budget ended: "
                    + String.join("; ", pending), details);
        }
        return Result.of(Outcome.DONE, "restarted " + target.name() + ": rolled out " + String.join(", ", target.deployments()) + " in "
                + target.namespace() + " on " + target.cluster() + "; every new replica is available", details);
    }

    private Kubernetes connect(String clusterName, Budget budget) {
        Cluster cluster = eks.get().describeCluster(b -> b.name(clusterName).overrideConfiguration(AwsClients.within(budget, CALL_CAP))).cluster();
        if (cluster.endpoint() == null || cluster.certificateAuthority() == null || cluster.certificateAuthority().data() == null) {
            throw new IllegalStateException("cluster " + clusterName + " has no endpoint or certificate authority yet (status " + cluster.statusAsString() + ")");
        }
        return new Kubernetes(URI.create(cluster.endpoint()), cluster.certificateAuthority().data(), freshToken(clusterName));
    }

    /** A token made on first use and again once it is near its 60 s end, so a long watch stays authorised. */
    private Supplier<String> freshToken(String cluster) {
        return new Supplier<>() {
            private String token;
            private Instant made = Instant.MIN;

            @Override
            public synchronized String get() {
                if (Duration.between(made, clock.instant()).compareTo(TOKEN_REFRESH) > 0) {
                    token = tokens.forCluster(cluster);
                    made = clock.instant();
                }
                return token;
            }
        };
    }

    private List<RestartDetails.Rollout> watch(Kubernetes kubernetes, Target.Eks target, Map<String, Long> generations, Budget budget)
            throws Exception {
        for (int poll = 1; ; poll++) {
            List<RestartDetails.Rollout> rollouts = new ArrayList<>();
            for (var entry : generations.entrySet()) {
                JsonObject deployment = kubernetes.get(Kubernetes.deploymentPath(target.namespace(), entry.getKey()), budget);
                rollouts.add(rollout(entry.getKey(), deployment, entry.getValue()));
            }
            boolean settled = rollouts.stream().allMatch(r -> r.complete() || r.status().startsWith("failed"));
            Duration pause = Duration.ofMillis(Math.min(2000, 250L * poll));
            if (settled || budget.remaining().minus(RESERVE).compareTo(pause) < 0) {
                return rollouts;
            }
            Thread.sleep(pause);
        }
    }

    /** The rollout as kubectl rollout status reads it; {@code generation} is the one our patch made (0 when not patched). */
    static RestartDetails.Rollout rollout(String name, JsonObject deployment, long generation) {
        JsonObject spec = object(deployment, "spec");
        JsonObject status = object(deployment, "status");
        int replicas = integer(spec, "replicas", 1);
        int updated = integer(status, "updatedReplicas", 0);
        int current = integer(status, "replicas", 0);
        int available = integer(status, "availableReplicas", 0);
        long observed = status.has("observedGeneration") ? status.get("observedGeneration").getAsLong() : 0;
        String state;
        if (observed < generation) {
            state = "waiting for the new pod template to be observed";
        } else if (deadlineExceeded(status)) {
            state = "failed: progress deadline exceeded";
        } else if (updated < replicas) {
            state = updated + " of " + replicas + " new replicas updated";
        } else if (current > updated) {
            state = (current - updated) + " old replicas pending termination";
        } else if (available < updated) {
            state = available + " of " + updated + " updated replicas available";
        } else {
            return new RestartDetails.Rollout(name, replicas, updated, available, true, "rolled out");
        }
        return new RestartDetails.Rollout(name, replicas, updated, available, false, state);
    }

    private static RestartDetails.Rollout rollout(String name, JsonObject deployment) {
        RestartDetails.Rollout now = rollout(name, deployment, 0);
        return paused(deployment) ? new RestartDetails.Rollout(name, now.replicas(), now.updated(), now.available(), now.complete(), "paused") : now;
    }

    static JsonObject restartPatch(String restartedAt) {
        JsonObject annotations = new JsonObject();
        annotations.addProperty(RESTARTED_AT, restartedAt);
        JsonObject metadata = new JsonObject();
        metadata.add("annotations", annotations);
        JsonObject template = new JsonObject();
        template.add("metadata", metadata);
        JsonObject spec = new JsonObject();
        spec.add("template", template);
        JsonObject patch = new JsonObject();
        patch.add("spec", spec);
        return patch;
    }

    private static boolean paused(JsonObject deployment) {
        JsonObject spec = object(deployment, "spec");
        return spec.has("paused") && spec.get("paused").getAsBoolean();
    }

    private static boolean deadlineExceeded(JsonObject status) {
        if (!status.has("conditions") || !status.get("conditions").isJsonArray()) {
            return false;
        }
        for (JsonElement condition : status.getAsJsonArray("conditions")) {
            JsonObject c = condition.getAsJsonObject();
            if ("Progressing".equals(text(c, "type")) && "ProgressDeadlineExceeded".equals(text(c, "reason"))) {
                return true;
            }
        }
        return false;
    }

    private static RestartDetails details(Target.Eks target, String restartedAt, List<String> steps, List<RestartDetails.Rollout> rollouts) {
        return new RestartDetails(target.name(), steps, null, new RestartDetails.EksRestart(target.cluster(), target.namespace(), restartedAt, rollouts));
    }

    private static JsonObject object(JsonObject parent, String field) {
        return parent.has(field) && parent.get(field).isJsonObject() ? parent.getAsJsonObject(field) : new JsonObject();
    }

    private static int integer(JsonObject parent, String field, int fallback) {
        return parent.has(field) && parent.get(field).isJsonPrimitive() ? parent.get(field).getAsInt() : fallback;
    }

    private static String text(JsonObject parent, String field) {
        return parent.has(field) && parent.get(field).isJsonPrimitive() ? parent.get(field).getAsString() : null;
    }
}
