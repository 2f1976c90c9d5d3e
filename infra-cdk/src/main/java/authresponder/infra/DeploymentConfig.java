package authresponder.infra;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where auth-responder is deployed and what it looks after: the account and regions, the cache and its
 * network, the authoriser and what may be restarted, the on-call subscriptions. Read from the CDK context
 * or a JSON file (README, Deployment) and checked as a whole: every problem is reported at synth time.
 *
 * @param name               prefix of every resource name (functions, bus, table, topics)
 * @param regions            every region that raises alarms; the primary is one of them
 * @param restartTargets     restart-authoriser's targets by name (its RESTART_TARGETS), from which its permissions follow
 * @param metricDimensions   dimensions to add to every runbook metric of a namespace, where this deployment publishes them so
 * @param environment        extra environment variables per function, passed on verbatim
 * @param snapStart          Lambda SnapStart on every function, which callers then invoke through its alias
 * @param alarmBaselines     a runbook alarm's baseline as measured in this deployment (alarm name to value, in the
 *                           alarm's unit: auth-401-spike's is the percentage of requests answered 401); an alarm not
 *                           named here keeps its runbook's baseline (auth-401-spike: 0.5)
 */
public record DeploymentConfig(
        String name,
        String account,
        String primaryRegion,
        List<String> regions,
        int logRetentionDays,
        String opsConsoleRoleArn,
        Network network,
        Cache cache,
        Map<String, IdentityProvider> identityProviders,
        Authoriser authoriser,
        Map<String, RestartTarget> restartTargets,
        Map<String, Map<String, String>> metricDimensions,
        Map<String, Team> teams,
        String fallbackTeam,
        int watchKeysEveryMinutes,
        Map<String, Map<String, String>> environment,
        boolean snapStart,
        Map<String, Double> alarmBaselines) {

    /** The subnets and egress of the cache's VPC, where diagnose and flush-cache run. */
    public record Network(String vpcId, List<String> availabilityZones, List<String> subnetIds, List<String> httpsEgress) {}

    /** The ElastiCache replication group that holds the JWKS and token caches, and how to authenticate to it. */
    public record Cache(String replicationGroupId, String securityGroupId, int port, String authSecretArn, String username) {}

    /** An identity provider watch-keys watches; the first one listed is the one diagnose examines. */
    public record IdentityProvider(String issuer, String audience) {}

    /** The authoriser diagnose examines (its configuration and log group); the alarms read its log group too. */
    public record Authoriser(String functionName, String logGroup) {}

    /** What restart-authoriser may restart, by the name a command uses: a Lambda function or EKS deployments. */
    public sealed interface RestartTarget {
        record Lambda(String function, String alias) implements RestartTarget {}

        record Eks(String cluster, String namespace, List<String> deployments) implements RestartTarget {}
    }

    /** Who is subscribed to a team's topic (more can subscribe outside this app, for example a pager service). */
    public record Team(List<String> email) {}

    /** The threshold of a runbook alarm with a baseline: this deployment's baseline (or the runbook's) × the runbook's multiple. */
    public double threshold(authresponder.core.policy.Alarm alarm) {
        if (alarm.baseline() == null) {
            return alarm.effectiveThreshold();
        }
        return alarmBaselines.getOrDefault(alarm.name(), alarm.baseline()) * alarm.baselineMultiple();
    }

    static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d");
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}[a-z0-9]");
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    static final Pattern SECRET_ARN = Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@-]+");
    static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{8,17}");
    static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-f]{8,17}");
    static final Pattern SECURITY_GROUP_ID = Pattern.compile("sg-[0-9a-f]{8,17}");
    static final Pattern ZONE = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d[a-z]");
    static final Pattern EGRESS = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}|pl-[0-9a-f]{8,17}|sg-[0-9a-f]{8,17}");
    static final Pattern HTTPS_URL = Pattern.compile("https://[^\\s/?#]+(/[^\\s?#]*)?");
    static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    static final Pattern LOG_GROUP = Pattern.compile("[\\w/.#-]{1,512}");
    static final Pattern EKS_NAME = Pattern.compile("[0-9A-Za-z][A-Za-z0-9_-]{0,99}");
    static final Pattern K8S_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final Pattern REPLICATION_GROUP = Pattern.compile("[a-zA-Z][a-zA-Z0-9-]{0,39}");
    static final Pattern NAMESPACE = Pattern.compile("[\\w./#:-]{1,255}");
    static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** The retention periods CloudWatch Logs accepts, in days. */
    static final Set<Integer> RETENTION_DAYS = Set.of(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
            1096, 1827, 2192, 2557, 2922, 3288, 3653);
    /** Variables the app sets itself: configuration must not override them. */
    static final Set<String> RESERVED_ENVIRONMENT = Set.of("AWS_REGION", "AWS_ENDPOINT_URL");

    public boolean isPrimary(String region) {
        return primaryRegion.equals(region);
    }

    /** A restart target in restart-authoriser's own RESTART_TARGETS form: {"lambda", "alias"} or {"eks", "namespace", "deployments"}. */
    private static RestartTarget restartTarget(ConfigReader target) {
        if (target.has("lambda") == target.has("eks")) {
            target.problem("must name either a Lambda function (lambda) or an EKS cluster (eks)");
            target.keys().forEach(target::has);
            return null;
        }
        if (target.has("lambda")) {
            return new RestartTarget.Lambda(target.matching("lambda", FUNCTION_NAME, "a Lambda function name"),
                    target.optionalMatching("alias", FUNCTION_NAME, "a Lambda alias name"));
        }
        return new RestartTarget.Eks(target.matching("eks", EKS_NAME, "an EKS cluster name"),
                target.matching("namespace", K8S_NAME, "a Kubernetes namespace"),
                target.texts("deployments", K8S_NAME, "a Kubernetes deployment name", 1));
    }

    /** Reads and checks the whole configuration; {@code source} names where it came from, for the error. */
    public static DeploymentConfig from(JsonObject json, String source) {
        List<String> problems = new ArrayList<>();
        ConfigReader root = new ConfigReader(json, "", problems);

        String name = root.optionalMatching("name", NAME, "lower-case letters, digits and dashes (2-32)");
        String account = root.matching("account", ACCOUNT, "a 12-digit AWS account id");
        String primary = root.matching("primaryRegion", REGION, "a region such as eu-west-2");
        List<String> regions = root.texts("regions", REGION, "a region such as eu-west-1", 1);
        if (primary != null && !regions.isEmpty() && !regions.contains(primary)) {
            root.problem("regions", "must include the primary region " + primary);
        }
        int retention = root.integer("logRetentionDays", 90, 1, 3653);
        if (!RETENTION_DAYS.contains(retention)) {
            root.problem("logRetentionDays", "must be one of CloudWatch Logs' periods " + RETENTION_DAYS.stream().sorted().toList());
        }
        String opsRole = root.matching("opsConsoleRoleArn", ROLE_ARN, "an IAM role ARN");
        if (opsRole != null && account != null && !opsRole.contains(":" + account + ":")) {
            root.problem("opsConsoleRoleArn", "must be a role of account " + account);
        }

        Network network = null;
        ConfigReader net = root.object("network", true);
        if (net != null) {
            List<String> zones = net.texts("availabilityZones", ZONE, "an availability zone such as eu-west-2a", 1);
            List<String> subnets = net.texts("subnetIds", SUBNET_ID, "a subnet id", 1);
            if (!zones.isEmpty() && zones.size() != subnets.size()) {
                net.problem("subnetIds", "must list one subnet per availability zone, in the same order");
            }
            if (primary != null && zones.stream().anyMatch(zone -> !zone.startsWith(primary))) {
                net.problem("availabilityZones", "must be zones of the primary region " + primary);
            }
            network = new Network(
                    net.matching("vpcId", VPC_ID, "a VPC id"), zones, subnets,
                    net.texts("httpsEgress", EGRESS, "an IPv4 CIDR, a prefix list id (pl-...) or a security group id (sg-...)", 1));
            net.done();
        }

        Cache cache = null;
        ConfigReader c = root.object("cache", true);
        if (c != null) {
            String secret = c.optionalMatching("authSecretArn", SECRET_ARN, "a Secrets Manager secret ARN");
            if (secret != null && primary != null && !secret.contains(":" + primary + ":")) {
                c.problem("authSecretArn", "must be a secret in the primary region " + primary);
            }
            cache = new Cache(
                    c.matching("replicationGroupId", REPLICATION_GROUP, "an ElastiCache replication group id"),
                    c.matching("securityGroupId", SECURITY_GROUP_ID, "the cache's security group id"),
                    c.integer("port", 6379, 1, 65535),
                    secret,
                    c.optionalText("username", null));
            c.done();
        }

        Map<String, IdentityProvider> idps = root.map("identityProviders", NAME, "lower-case letters, digits and dashes",
                i -> new IdentityProvider(i.matching("issuer", HTTPS_URL, "an https URL"), i.optionalText("audience", null)), true);

        Authoriser authoriser = null;
        ConfigReader a = root.object("authoriser", true);
        if (a != null) {
            authoriser = new Authoriser(
                    a.matching("functionName", FUNCTION_NAME, "a Lambda function name"),
                    a.matching("logGroup", LOG_GROUP, "a CloudWatch Logs log group name"));
            a.done();
        }

        Map<String, RestartTarget> restartTargets = root.map("restartTargets", NAME, "lower-case letters, digits and dashes",
                DeploymentConfig::restartTarget, true);

        Map<String, Map<String, String>> dimensions = new LinkedHashMap<>();
        ConfigReader d = root.object("metricDimensions", false);
        if (d != null) {
            for (String namespace : d.keys()) {
                dimensions.put(namespace, d.strings(namespace, NAMESPACE, "a CloudWatch dimension name"));
            }
            d.done();
        }

        Map<String, Team> teams = root.map("teams", NAME, "lower-case letters, digits and dashes",
                t -> new Team(t.texts("email", EMAIL, "an email address", 0)), false);
        String fallback = root.text("fallbackTeam");

        int watchEvery = root.integer("watchKeysEveryMinutes", 1, 1, 60);

        Map<String, Map<String, String>> environment = new LinkedHashMap<>();
        ConfigReader env = root.object("environment", false);
        if (env != null) {
            for (FunctionSpec fn : FunctionSpec.values()) {
                if (env.has(fn.id())) {
                    Map<String, String> variables = env.strings(fn.id(), ENV_NAME, "an environment variable name");
                    variables.keySet().stream().filter(RESERVED_ENVIRONMENT::contains).forEach(v ->
                            env.problem(fn.id() + "." + v, "is set by Lambda and cannot be configured"));
                    environment.put(fn.id(), variables);
                }
            }
            env.done();
        }
        boolean snapStart = root.bool("snapStart", false);

        Map<String, Double> baselines = new LinkedHashMap<>();
        ConfigReader b = root.object("alarmBaselines", false);
        if (b != null) {
            for (String alarm : b.keys()) {
                double value = b.number(alarm, -1, 0, 100);
                if (value == 0) {
                    b.problem(alarm, "must be above 0");
                } else if (value > 0) {
                    baselines.put(alarm, value);
                }
            }
            b.done();
        }
        root.done();

        if (!problems.isEmpty()) {
            throw new InvalidConfigException(source, problems);
        }
        return new DeploymentConfig(name == null ? "auth-responder" : name, account, primary, regions, retention, opsRole,
                network, cache, idps, authoriser, restartTargets, dimensions, teams, fallback, watchEvery, environment,
                snapStart, Map.copyOf(baselines));
    }
}
