package authresponder.restart;

import java.util.List;

/**
 * What a restart did, or for a dry run what it would do.
 *
 * @param steps  each step in words, in order: what a person checks first
 * @param lambda for a Lambda target, else null
 * @param eks    for an EKS target, else null
 */
public record RestartDetails(String target, List<String> steps, LambdaRestart lambda, EksRestart eks) {

    /**
     * @param way              "$LATEST environment update" or "new version + alias move"
     * @param marker           the restart marker variable's new value
     * @param keptVariables    how many other environment variables were kept as they were
     * @param lastUpdateStatus Lambda's LastUpdateStatus when the restart ended
     */
    public record LambdaRestart(String function, String way, String marker, int keptVariables, String lastUpdateStatus,
                                String alias, String fromVersion, String toVersion) {}

    public record EksRestart(String cluster, String namespace, String restartedAt, List<Rollout> rollouts) {}

    /** One deployment's rollout as {@code kubectl rollout status} reads it. */
    public record Rollout(String deployment, int replicas, int updated, int available, boolean complete, String status) {}
}
