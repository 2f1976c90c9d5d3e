package authresponder.infra;

import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import authresponder.core.ledger.Ledger;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.ec2.IPeer;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Subnet;
import software.amazon.awscdk.services.ec2.SubnetAttributes;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.eks.CfnAccessEntry;
import software.amazon.awscdk.services.events.EventBus;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.destinations.EventBridgeDestination;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The primary region's stack, where every decision is made: the event bus that all regions' alarm
 * events reach, the five functions and the rules between them, the action ledger, the on-call topics.
 */
public final class ResponderStack extends Stack {
    /** The detail types of a Lambda destination event relayed by EventBridge. */
    static final String RESULT_SUCCESS = "Lambda Function Invocation Result - Success";
    static final String RESULT_FAILURE = "Lambda Function Invocation Result - Failure";

    private final DeploymentConfig config;
    private final EventBus bus;
    private final Queue undelivered;
    private final Map<FunctionSpec, ResponderFunction> functions = new EnumMap<>(FunctionSpec.class);

    public ResponderStack(Construct scope, String id, StackProps props, DeploymentConfig config, Policy policy, FunctionCode code) {
        super(scope, id, props);
        this.config = config;

        Key key = OnCall.key(this, config);
        Map<String, Topic> topics = new TreeMap<>();
        policy.routing().teams().keySet().forEach(team -> topics.put(team, OnCall.topic(this, config, key, team)));

        // The schema of authresponder.core.ledger (README, action ledger): records and locks, the by-time feed, TTL.
        Table ledger = Table.Builder.create(this, "Ledger")
                .tableName(config.name() + "-ledger")
                .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
                .timeToLiveAttribute("expiresAt")
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        ledger.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(Ledger.TIME_INDEX)
                .partitionKey(Attribute.builder().name("feed").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("at").type(AttributeType.NUMBER).build())
                .projectionType(ProjectionType.ALL)
                .build());

        bus = EventBus.Builder.create(this, "Bus").eventBusName(config.name()).build();

        undelivered = deadLetterQueue("Undelivered", "events EventBridge could not deliver to a function");
        Queue escalationFailed = deadLetterQueue("EscalationFailed", "escalations that failed after Lambda's retries");
        Topic fallback = topics.get(config.fallbackTeam());
        pageWhenNotEmpty(undelivered, fallback);
        pageWhenNotEmpty(escalationFailed, fallback);

        ResponderFunction.Placement placement = cachePlacement();
        IDestination toBus = new EventBridgeDestination(bus);
        List<String> resultSources = Routes.resultSources(policy);
        for (FunctionSpec spec : FunctionSpec.values()) {
            IDestination onFailure = spec == FunctionSpec.ESCALATE ? new SqsDestination(escalationFailed) : toBus;
            IDestination onSuccess = resultSources.contains(spec.id()) ? toBus : null;
            functions.put(spec, new ResponderFunction(this, spec, policy.routing().functions().get(spec.id()), config, code.of(spec),
                    environment(spec, ledger, topics), spec.inCacheVpc() ? placement : null, onSuccess, onFailure));
        }

        grantLeastPrivilege(ledger, topics, key);
        functions.values().forEach(f -> pageWhenWiringFails(f, fallback));
        routeAlarms(policy);
        routeChains(policy);
        routeFailures(policy.routing());
        scheduleWatchKeys();
        admitRestartToNamespaces();

        CfnOutput.Builder.create(this, "BusArn").value(bus.getEventBusArn()).description("every region's alarm events arrive here").build();
        functions.values().forEach(f -> CfnOutput.Builder.create(this, "Url-" + f.spec.id())
                .value(f.url.getUrl()).description(f.spec.id() + " Function URL (AWS_IAM, ops console role only)").build());
    }

    /** The bus's ARN, known before deployment, so the regional stacks can forward to it. */
    static String busArn(Stack stack, DeploymentConfig config) {
        return "arn:" + stack.getPartition() + ":events:" + config.primaryRegion() + ":" + config.account() + ":event-bus/" + config.name();
    }

    /** The settings each function reads (README, Configuration), from the resources this stack creates and the configuration. */
    private Map<String, String> environment(FunctionSpec spec, Table ledger, Map<String, Topic> topics) {
        Map<String, String> env = new LinkedHashMap<>();
        // C1 only: these functions run briefly and rarely, so JIT warm-up would never pay back (see issue 8).
        // With SnapStart the compilation happens before the snapshot: the runtime's default tiered compilation stays.
        // The functions accept an alarm named DEPLOYMENT_NAME-<runbook alarm name>: the names this app gives the alarms.
        env.put("DEPLOYMENT_NAME", config.name());
        if (!config.snapStart()) {
            env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        }
        String teamTopics = topics.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().getTopicArn()).collect(Collectors.joining(","));
        switch (spec) {
            case DIAGNOSE -> {
                putCache(env);
                putIdentityProvider(env);
                env.put("AUTHORISER_FUNCTION", config.authoriser().functionName());
                env.put("AUTHORISER_LOG_GROUP", config.authoriser().logGroup());
            }
            case FLUSH_CACHE -> putCache(env);
            case RESTART_AUTHORISER -> env.put("RESTART_TARGETS", restartTargetsJson());
            case ESCALATE -> env.put("ESCALATION_TOPICS", teamTopics);
            case WATCH_KEYS -> {
                // The flush and the restart run in process: watch-keys takes their settings.
                env.put("WATCH_KEYS_PROVIDERS", config.identityProviders().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().issuer()).collect(Collectors.joining(",")));
                putCache(env);
                env.put("RESTART_TARGETS", restartTargetsJson());
                env.put("ESCALATION_TOPICS", teamTopics);
            }
        }
        if (spec != FunctionSpec.DIAGNOSE) {
            env.put("LEDGER_TABLE", ledger.getTableName());
        }
        Map<String, String> extra = config.environment().getOrDefault(spec.id(), Map.of());
        extra.keySet().stream().filter(env::containsKey).findFirst().ifPresent(clash -> {
            throw new InvalidConfigException("environment", List.of("environment." + spec.id() + "." + clash
                    + " is set by the app from the rest of the configuration and cannot be overridden"));
        });
        env.putAll(extra);
        return env;
    }

    private void putCache(Map<String, String> env) {
        DeploymentConfig.Cache cache = config.cache();
        env.put("CACHE_REPLICATION_GROUP_ID", cache.replicationGroupId());
        if (cache.authSecretArn() != null) {
            env.put("CACHE_AUTH_SECRET_ARN", cache.authSecretArn());
        }
        if (cache.username() != null) {
            env.put("CACHE_USERNAME", cache.username());
        }
    }

    /** diagnose examines one identity provider: the first configured. */
    private void putIdentityProvider(Map<String, String> env) {
        DeploymentConfig.IdentityProvider idp = config.identityProviders().values().iterator().next();
        env.put("IDP_ISSUER", idp.issuer());
        if (idp.audience() != null) {
            env.put("IDP_AUDIENCE", idp.audience());
        }
    }

    /** restart-authoriser's RESTART_TARGETS, in its own JSON form (in a fixed order: a new order would be a new deployment). */
    private String restartTargetsJson() {
        JsonObject targets = new JsonObject();
        new TreeMap<>(config.restartTargets()).forEach((name, target) -> {
            JsonObject spec = new JsonObject();
            switch (target) {
                case DeploymentConfig.RestartTarget.Lambda l -> {
                    spec.addProperty("lambda", l.function());
                    if (l.alias() != null) {
                        spec.addProperty("alias", l.alias());
                    }
                }
                case DeploymentConfig.RestartTarget.Eks e -> {
                    spec.addProperty("eks", e.cluster());
                    spec.addProperty("namespace", e.namespace());
                    spec.add("deployments", new Gson().toJsonTree(e.deployments()));
                }
            }
            targets.add(name, spec);
        });
        return targets.toString();
    }

    /**
     * The cache's VPC and subnets, and one security group for the functions that talk to Redis: out to
     * the cache port of the cache's group and to HTTPS through the configured egress, nothing else.
     */
    private ResponderFunction.Placement cachePlacement() {
        DeploymentConfig.Network network = config.network();
        IVpc vpc = Vpc.fromVpcAttributes(this, "CacheVpc", VpcAttributes.builder()
                .vpcId(network.vpcId())
                .availabilityZones(network.availabilityZones())
                .build());
        List<ISubnet> subnets = new ArrayList<>();
        for (int i = 0; i < network.subnetIds().size(); i++) {
            ISubnet subnet = Subnet.fromSubnetAttributes(this, "Subnet" + i, SubnetAttributes.builder()
                    .subnetId(network.subnetIds().get(i))
                    .availabilityZone(network.availabilityZones().get(i))
                    .build());
            Annotations.of(subnet).acknowledgeWarning("@aws-cdk/aws-ec2:noSubnetRouteTableId",
                    "the functions are only placed in these subnets; nothing here reads their route tables");
            subnets.add(subnet);
        }
        SecurityGroup clients = SecurityGroup.Builder.create(this, "CacheClients")
                .vpc(vpc)
                .description("auth-responder functions: the cache port and HTTPS egress only")
                .allowAllOutbound(false)
                .build();
        ISecurityGroup cacheGroup = SecurityGroup.fromSecurityGroupId(this, "Cache", config.cache().securityGroupId());
        clients.getConnections().allowTo(cacheGroup, Port.tcp(config.cache().port()), "Redis: the JWKS and token caches");
        for (String egress : network.httpsEgress()) {
            clients.addEgressRule(peer(egress), Port.tcp(443), "HTTPS: the identity provider and AWS APIs");
        }
        return new ResponderFunction.Placement(vpc, SubnetSelection.builder().subnets(subnets).build(), clients);
    }

    private static IPeer peer(String egress) {
        if (egress.startsWith("pl-")) {
            return Peer.prefixList(egress);
        }
        return egress.startsWith("sg-") ? Peer.securityGroupId(egress) : Peer.ipv4(egress);
    }

    /** Each function gets the actions it calls, on the resources it names, and nothing else. */
    private void grantLeastPrivilege(Table ledger, Map<String, Topic> topics, Key key) {
        String replicationGroup = arn("elasticache", "replicationgroup:" + config.cache().replicationGroupId());
        String authoriser = arn("lambda", "function:" + config.authoriser().functionName());
        String authoriserLogs = arn("logs", "log-group:" + config.authoriser().logGroup());

        ResponderFunction diagnose = functions.get(FunctionSpec.DIAGNOSE);
        ResponderFunction flush = functions.get(FunctionSpec.FLUSH_CACHE);
        ResponderFunction restart = functions.get(FunctionSpec.RESTART_AUTHORISER);
        ResponderFunction escalate = functions.get(FunctionSpec.ESCALATE);
        // watch-keys runs flush-cache's and restart-authoriser's code itself: it needs their reach.
        ResponderFunction watch = functions.get(FunctionSpec.WATCH_KEYS);

        allow(diagnose, List.of("lambda:GetFunctionConfiguration"), authoriser);
        allow(diagnose, List.of("logs:FilterLogEvents"), authoriserLogs + ":*");
        suppressWildcard(diagnose, "FilterLogEvents names the authoriser's log group as log-group:NAME:*; no other group",
                nagResource("logs", "log-group:" + config.authoriser().logGroup() + ":*"));

        for (ResponderFunction cacheClient : List.of(diagnose, flush, watch)) {
            allow(cacheClient, List.of("elasticache:DescribeReplicationGroups"), replicationGroup);
            if (config.cache().authSecretArn() != null) {
                allow(cacheClient, List.of("secretsmanager:GetSecretValue"), config.cache().authSecretArn());
            }
        }
        allowRestarts(restart);
        allowRestarts(watch);
        allowPublish(escalate, topics, key);
        allowPublish(watch, topics, key);

        // The ledger's calls (README, action ledger), on the table and its by-time index only.
        for (ResponderFunction f : List.of(flush, restart, escalate, watch)) {
            allow(f, List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"),
                    ledger.getTableArn(), ledger.getTableArn() + "/index/" + Ledger.TIME_INDEX);
        }
    }

    /** What restarting the configured targets calls: the Lambda updates (with an alias, publish and move it), the clusters' endpoints. */
    private void allowRestarts(ResponderFunction function) {
        config.restartTargets().forEach((name, target) -> {
            switch (target) {
                case DeploymentConfig.RestartTarget.Lambda l -> {
                    String lambda = arn("lambda", "function:" + l.function());
                    if (l.alias() == null) {
                        allow(function, List.of("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"), lambda);
                    } else {
                        allow(function, List.of("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration",
                                "lambda:PublishVersion", "lambda:GetAlias", "lambda:UpdateAlias"), lambda, lambda + ":*");
                        suppressWildcard(function, "the versions a restart publishes of " + l.function()
                                + " and its alias (function:NAME:QUALIFIER); no other function",
                                nagResource("lambda", "function:" + l.function() + ":*"));
                    }
                }
                case DeploymentConfig.RestartTarget.Eks e -> allow(function, List.of("eks:DescribeCluster"), arn("eks", "cluster/" + e.cluster()));
            }
        });
    }

    private void suppressWildcard(ResponderFunction function, String reason, String resource) {
        NagSuppressions.addResourceSuppressions(function.role, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-IAM5").reason(reason).appliesTo(List.of(resource)).build()), true);
    }

    /** Publishing to an encrypted topic: sns:Publish on the topics, and the data key SNS makes with the topics' key. */
    private void allowPublish(ResponderFunction function, Map<String, Topic> topics, Key key) {
        allow(function, List.of("sns:Publish"), topics.values().stream().map(Topic::getTopicArn).toArray(String[]::new));
        allow(function, List.of("kms:GenerateDataKey", "kms:Decrypt"), key.getKeyArn());
    }

    private void allow(ResponderFunction function, List<String> actions, String... resources) {
        function.role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(actions).resources(List.of(resources)).build());
    }

    private String arn(String service, String resource) {
        return "arn:" + getPartition() + ":" + service + ":" + config.primaryRegion() + ":" + config.account() + ":" + resource;
    }

    /** An ARN as cdk-nag prints it in a finding, to name exactly which wildcard a suppression covers. */
    private String nagResource(String service, String resource) {
        return "Resource::arn:<AWS::Partition>:" + service + ":" + config.primaryRegion() + ":" + config.account() + ":" + resource;
    }

    /** Alarm state changes reach the bus from every region; each function gets the alarms routed to it, in the routed states. */
    private void routeAlarms(Policy policy) {
        Routes.alarmsByFunction(policy).forEach((function, alarms) -> Rule.Builder.create(this, "Alarms-" + function)
                .eventBus(bus)
                .description("the alarms that " + function + " handles, as runbooks/routing.json routes them")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.cloudwatch"))
                        .detailType(List.of(RegionalAlarmsStack.ALARM_STATE_CHANGE))
                        .detail(new TreeMap<>(Map.of("alarmName", alarmNames(alarms), "state", Map.of("value", policy.routing().alarmStates()))))
                        .build())
                .targets(List.of(target(function, null)))
                .build());
    }

    /** The runbooks' alarm names as this deployment names them (its functions accept both, see DEPLOYMENT_NAME). */
    List<String> alarmNames(List<String> runbookNames) {
        return runbookNames.stream().map(n -> config.name() + "-" + n).toList();
    }

    /** Each step of the verdicts' chains: a result relayed by a success destination goes on to the next action. */
    private void routeChains(Policy policy) {
        for (Routes.Step step : Routes.steps(policy)) {
            Routing.Action action = policy.routing().action(step.action());
            Map<String, Object> detail = new TreeMap<>(step.detail());
            detail.put("requestContext", Map.of("functionArn", List.of(Map.of("prefix", functionArnOf(step.from()) + ":"))));
            Rule.Builder.create(this, "Step-" + step.from() + "-" + step.why().replace(' ', '-') + "-" + step.action())
                    .eventBus(bus)
                    .description("after " + step.why() + ": " + step.action() + " (" + action.function() + ")")
                    .eventPattern(EventPattern.builder()
                            .source(List.of("lambda"))
                            .detailType(List.of(RESULT_SUCCESS))
                            .detail(detail)
                            .build())
                    .targets(List.of(target(action.function(), action)))
                    .build();
        }
    }

    /** An invocation that failed after Lambda's retries goes to the paging action (escalate's own go to a queue). */
    private void routeFailures(Routing routing) {
        Routing.Action page = routing.action(routing.chain().escalateWith());
        List<Object> failing = functions.values().stream()
                .filter(f -> !f.spec.id().equals(page.function()))
                .map(f -> (Object) Map.of("prefix", f.function.getFunctionArn() + ":"))
                .toList();
        Rule.Builder.create(this, "Failures")
                .eventBus(bus)
                .description("failed invocations of the other functions go to " + routing.chain().escalateWith())
                .eventPattern(EventPattern.builder()
                        .source(List.of("lambda"))
                        .detailType(List.of(RESULT_FAILURE))
                        .detail(Map.of("requestContext", Map.of("functionArn", failing)))
                        .build())
                .targets(List.of(target(page.function(), page)))
                .build();
    }

    private void scheduleWatchKeys() {
        Rule.Builder.create(this, "WatchKeysSchedule")
                .description("watch-keys compares each identity provider's signing keys with the last seen")
                .schedule(Schedule.rate(Duration.minutes(config.watchKeysEveryMinutes())))
                .targets(List.of(target(FunctionSpec.WATCH_KEYS.id(), null)))
                .build();
    }

    /**
     * restart-authoriser (and watch-keys, which restarts in process) may edit workloads in the targets' namespaces and
     * nowhere else: one access entry per role and cluster.
     */
    private void admitRestartToNamespaces() {
        Map<String, List<String>> namespaces = new TreeMap<>();
        config.restartTargets().values().forEach(target -> {
            if (target instanceof DeploymentConfig.RestartTarget.Eks e) {
                List<String> list = namespaces.computeIfAbsent(e.cluster(), c -> new ArrayList<>());
                if (!list.contains(e.namespace())) {
                    list.add(e.namespace());
                }
            }
        });
        for (FunctionSpec restarter : List.of(FunctionSpec.RESTART_AUTHORISER, FunctionSpec.WATCH_KEYS)) {
            namespaces.forEach((cluster, scope) -> CfnAccessEntry.Builder.create(this, "RestartAccess-" + restarter.id() + "-" + cluster)
                    .clusterName(cluster)
                    .principalArn(functions.get(restarter).role.getRoleArn())
                    .type("STANDARD")
                    .accessPolicies(List.of(CfnAccessEntry.AccessPolicyProperty.builder()
                            .policyArn("arn:" + getPartition() + ":eks::aws:cluster-access-policy/AmazonEKSEditPolicy")
                            .accessScope(CfnAccessEntry.AccessScopeProperty.builder().type("namespace").namespaces(scope).build())
                            .build()))
                    .build());
        }
    }

    /**
     * A rule's target. An action that takes a command gets it as the rule's input, with the relayed event's id
     * as its request id (a redelivered event is one request); otherwise the function gets the event itself.
     * EventBridge retries delivery as long as the event is still worth acting on, then parks it.
     */
    private LambdaFunction target(String functionId, Routing.Action action) {
        ResponderFunction target = function(functionId);
        LambdaFunctionProps.Builder props = LambdaFunctionProps.builder()
                .deadLetterQueue(undelivered)
                .retryAttempts(4)
                .maxEventAge(Duration.seconds(target.spec.maxEventAge().toSeconds()));
        if (action != null && action.input() == Routing.Input.COMMAND) {
            @SuppressWarnings("unchecked")
            Map<String, Object> command = (Map<String, Object>) Routes.plain(action.command());
            command.put("requestId", "event:" + EventField.getEventId());
            props.event(RuleTargetInput.fromObject(command));
        }
        return new LambdaFunction(target.invoked, props.build());
    }

    private ResponderFunction function(String id) {
        FunctionSpec spec = FunctionSpec.byId(id);
        if (spec == null) {
            throw new IllegalArgumentException("the routing names an unknown function '" + id + "': one of " + FunctionSpec.ids());
        }
        return functions.get(spec);
    }

    private String functionArnOf(String id) {
        return function(id).function.getFunctionArn();
    }

    private Queue deadLetterQueue(String id, String what) {
        Queue queue = Queue.Builder.create(this, id)
                .queueName(config.name() + "-" + id.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase())
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        NagSuppressions.addResourceSuppressions(queue, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-SQS3")
                .reason("this queue is itself a dead-letter queue: " + what)
                .build()));
        return queue;
    }

    /** A message in a dead-letter queue means a page did not happen: tell the fallback team directly, not through escalate. */
    private void pageWhenNotEmpty(Queue queue, Topic fallback) {
        String id = queue.getNode().getId();
        OnCall.pageOnAny(this, id + "NotEmpty", config, id.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase() + "-not-empty",
                "auth-responder could not deliver an event or a page: read " + id, visibleMessages(queue), fallback);
    }

    /** The most messages visible in the queue in a minute. */
    static IMetric visibleMessages(Queue queue) {
        return queue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder().period(OnCall.MINUTE).statistic("Maximum").build());
    }

    /**
     * Lambda could not deliver a result or a failure to its destination, or dropped an event it could not process in time
     * (Lambda developer guide, asynchronous invocation metrics): the chain broke where no rule sees it.
     */
    private void pageWhenWiringFails(ResponderFunction f, Topic fallback) {
        for (String metric : List.of("DestinationDeliveryFailures", "AsyncEventsDropped")) {
            String kebab = metric.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
            OnCall.pageOnAny(this, "Wiring-" + f.spec.id() + "-" + metric, config, f.spec.id() + "-" + kebab,
                    "auth-responder " + f.spec.id() + ": Lambda " + metric + " (an asynchronous event or result was lost)",
                    f.function.metric(metric, MetricOptions.builder().period(OnCall.MINUTE).statistic("Sum").build()), fallback);
        }
    }
}
