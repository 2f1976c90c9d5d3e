package authresponder.infra;

import authresponder.infra.Policy.AlarmRoute;
import authresponder.infra.Policy.ResultRoute;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.ec2.IPeer;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
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
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.destinations.EventBridgeDestination;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
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

        Key key = Key.Builder.create(this, "Key")
                .alias("alias/" + config.name())
                .description("auth-responder: encrypts the on-call topics")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        // CloudWatch publishes the dead-letter alarms to an encrypted topic.
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", config.account())))
                .build());

        Map<String, Topic> topics = new TreeMap<>();
        config.teams().forEach((team, settings) -> {
            Topic topic = Topic.Builder.create(this, "Team-" + team)
                    .topicName(config.name() + "-" + team)
                    .displayName("auth-responder: " + team)
                    .masterKey(key)
                    .enforceSsl(true)
                    .build();
            settings.email().forEach(address -> topic.addSubscription(new EmailSubscription(address)));
            topics.put(team, topic);
        });

        Table ledger = Table.Builder.create(this, "Ledger")
                .tableName(config.name() + "-ledger")
                .partitionKey(Attribute.builder().name(Ledger.PARTITION_KEY).type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name(Ledger.SORT_KEY).type(AttributeType.STRING).build())
                .timeToLiveAttribute(Ledger.TTL_ATTRIBUTE)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        bus = EventBus.Builder.create(this, "Bus").eventBusName(config.name()).build();

        undelivered = deadLetterQueue("Undelivered", "events EventBridge could not deliver to a function");
        Queue escalationFailed = deadLetterQueue("EscalationFailed", "escalations that failed after Lambda's retries");
        Topic fallback = topics.get(config.fallbackTeam());
        pageWhenNotEmpty(undelivered, fallback);
        pageWhenNotEmpty(escalationFailed, fallback);

        ResponderFunction.Placement placement = cachePlacement();
        IDestination toBus = new EventBridgeDestination(bus);
        for (FunctionSpec spec : FunctionSpec.values()) {
            IDestination onFailure = spec == FunctionSpec.ESCALATE ? new SqsDestination(escalationFailed) : toBus;
            IDestination onSuccess = policy.resultSources().contains(spec.id()) ? toBus : null;
            functions.put(spec, new ResponderFunction(this, spec, config, code.of(spec), environment(spec, ledger, topics),
                    spec.inCacheVpc() ? placement : null, onSuccess, onFailure));
        }

        grantLeastPrivilege(ledger, topics, key);
        routeAlarms(policy.alarmRoutes());
        routeResults(policy.resultRoutes());
        routeFailures();
        scheduleWatchKeys();
        config.eks().ifPresent(this::admitRestartToNamespace);

        CfnOutput.Builder.create(this, "BusArn").value(bus.getEventBusArn()).description("every region's alarm events arrive here").build();
        functions.values().forEach(f -> CfnOutput.Builder.create(this, "Url-" + f.spec.id())
                .value(f.url.getUrl()).description(f.spec.id() + " Function URL (AWS_IAM, ops console role only)").build());
    }

    /** The bus's ARN, known before deployment, so the regional stacks can forward to it. */
    static String busArn(Stack stack, DeploymentConfig config) {
        return "arn:" + stack.getPartition() + ":events:" + config.primaryRegion() + ":" + config.account() + ":event-bus/" + config.name();
    }

    /** The settings each function reads, from the resources this stack creates and the configuration. */
    private Map<String, String> environment(FunctionSpec spec, Table ledger, Map<String, Topic> topics) {
        Map<String, String> env = new LinkedHashMap<>();
        // C1 only: these functions run briefly and rarely, so JIT warm-up would never pay back (see issue 8).
        env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        String topicList = topics.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().getTopicArn()).collect(Collectors.joining(","));
        String issuers = config.identityProviders().stream()
                .map(DeploymentConfig.IdentityProvider::issuer).collect(Collectors.joining(","));
        DeploymentConfig.Cache cache = config.cache();
        switch (spec) {
            case DIAGNOSE -> {
                putCache(env, cache);
                env.put("IDP_ISSUERS", issuers);
                env.put("AUTHORISER_FUNCTION", config.authoriser().functionName());
                env.put("AUTHORISER_LOG_GROUP", config.authoriser().logGroup());
            }
            case FLUSH_CACHE -> {
                putCache(env, cache);
                env.put("LEDGER_TABLE", ledger.getTableName());
            }
            case RESTART_AUTHORISER -> {
                env.put("AUTHORISER_FUNCTION", config.authoriser().functionName());
                config.eks().ifPresent(eks -> {
                    env.put("EKS_CLUSTER", eks.clusterName());
                    env.put("EKS_NAMESPACE", eks.namespace());
                    env.put("EKS_DEPLOYMENTS", String.join(",", eks.deployments()));
                });
                env.put("LEDGER_TABLE", ledger.getTableName());
            }
            case ESCALATE -> {
                env.put("TEAM_TOPICS", topicList);
                env.put("LEDGER_TABLE", ledger.getTableName());
            }
            case WATCH_KEYS -> {
                env.put("IDP_ISSUERS", issuers);
                env.put("FLUSH_CACHE_FUNCTION", config.name() + "-" + FunctionSpec.FLUSH_CACHE.id());
                env.put("RESTART_AUTHORISER_FUNCTION", config.name() + "-" + FunctionSpec.RESTART_AUTHORISER.id());
                env.put("TEAM_TOPICS", topicList);
                env.put("LEDGER_TABLE", ledger.getTableName());
            }
        }
        Map<String, String> extra = config.environment().getOrDefault(spec.id(), Map.of());
        extra.keySet().stream().filter(env::containsKey).findFirst().ifPresent(clash -> {
            throw new InvalidConfigException("environment", List.of("environment." + spec.id() + "." + clash
                    + " is set by the app from the rest of the configuration and cannot be overridden"));
        });
        env.putAll(extra);
        return env;
    }

    private static void putCache(Map<String, String> env, DeploymentConfig.Cache cache) {
        env.put("CACHE_REPLICATION_GROUP_ID", cache.replicationGroupId());
        env.put("CACHE_TLS", Boolean.toString(cache.tls()));
        if (cache.authTokenSecretArn() != null) {
            env.put("CACHE_AUTH_TOKEN_SECRET_ARN", cache.authTokenSecretArn());
        }
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
                .privateSubnetIds(network.subnetIds())
                .build());
        List<software.amazon.awscdk.services.ec2.ISubnet> subnets = new ArrayList<>();
        for (int i = 0; i < network.subnetIds().size(); i++) {
            subnets.add(Subnet.fromSubnetAttributes(this, "Subnet" + i, SubnetAttributes.builder()
                    .subnetId(network.subnetIds().get(i))
                    .availabilityZone(network.availabilityZones().get(i))
                    .build()));
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
        String[] ledgerActions = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"};

        ResponderFunction diagnose = functions.get(FunctionSpec.DIAGNOSE);
        allow(diagnose, List.of("elasticache:DescribeReplicationGroups"), replicationGroup);
        allow(diagnose, List.of("lambda:GetFunctionConfiguration"), authoriser);
        allow(diagnose, List.of("logs:FilterLogEvents"), authoriserLogs, authoriserLogs + ":*");
        NagSuppressions.addResourceSuppressions(diagnose.role, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-IAM5")
                .reason("FilterLogEvents on the authoriser's log group names its streams (log-group:NAME:*); no other group")
                .appliesTo(List.of(nagResource("logs", "log-group:" + config.authoriser().logGroup() + ":*")))
                .build()), true);

        ResponderFunction flush = functions.get(FunctionSpec.FLUSH_CACHE);
        allow(flush, List.of("elasticache:DescribeReplicationGroups"), replicationGroup);
        ledger.grant(flush.role, ledgerActions);

        if (config.cache().authTokenSecretArn() != null) {
            for (ResponderFunction f : List.of(diagnose, flush)) {
                allow(f, List.of("secretsmanager:GetSecretValue"), config.cache().authTokenSecretArn());
            }
        }

        ResponderFunction restart = functions.get(FunctionSpec.RESTART_AUTHORISER);
        allow(restart, List.of("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration", "lambda:GetFunction",
                "lambda:PublishVersion", "lambda:GetAlias", "lambda:UpdateAlias"), authoriser, authoriser + ":*");
        NagSuppressions.addResourceSuppressions(restart.role, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-IAM5")
                .reason("the authoriser's aliases and versions (function:NAME:QUALIFIER): a restart through an alias publishes "
                        + "a version and moves the alias; no other function")
                .appliesTo(List.of(nagResource("lambda", "function:" + config.authoriser().functionName() + ":*")))
                .build()), true);
        config.eks().ifPresent(eks -> allow(restart, List.of("eks:DescribeCluster"), arn("eks", "cluster/" + eks.clusterName())));
        ledger.grant(restart.role, ledgerActions);

        ResponderFunction escalate = functions.get(FunctionSpec.ESCALATE);
        allowPublish(escalate, topics, key);
        ledger.grant(escalate.role, ledgerActions);

        ResponderFunction watch = functions.get(FunctionSpec.WATCH_KEYS);
        allow(watch, List.of("lambda:InvokeFunction"), functionArnOf(FunctionSpec.FLUSH_CACHE.id()),
                functionArnOf(FunctionSpec.RESTART_AUTHORISER.id()));
        allowPublish(watch, topics, key);
        ledger.grant(watch.role, ledgerActions);
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

    /** Alarm state changes reach the bus from every region; each function gets the alarms routed to it, in ALARM. */
    private void routeAlarms(List<AlarmRoute> routes) {
        Map<String, List<String>> alarmsByFunction = new TreeMap<>();
        routes.forEach(r -> alarmsByFunction.computeIfAbsent(r.function(), f -> new ArrayList<>()).add(r.alarm()));
        alarmsByFunction.forEach((function, alarms) -> Rule.Builder.create(this, "Alarms-" + function)
                .eventBus(bus)
                .description("alarms in ALARM that " + function + " handles")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.cloudwatch"))
                        .detailType(List.of(RegionalAlarmsStack.ALARM_STATE_CHANGE))
                        .detail(Map.of("alarmName", alarms, "state", Map.of("value", List.of("ALARM"))))
                        .build())
                .targets(List.of(target(function)))
                .build());
    }

    /** A function's result, sent to the bus by its success destination, goes on where the routing says. */
    private void routeResults(List<ResultRoute> routes) {
        for (ResultRoute route : routes) {
            Map<String, Object> payload = nested(route.field(), route.values());
            Rule.Builder.create(this, "Result-" + route.from() + "-" + route.field() + "-" + String.join("-", route.values()) + "-" + route.to())
                    .eventBus(bus)
                    .description(route.from() + " result with " + route.field() + " in " + route.values() + " goes to " + route.to())
                    .eventPattern(EventPattern.builder()
                            .source(List.of("lambda"))
                            .detailType(List.of(RESULT_SUCCESS))
                            .detail(Map.of(
                                    "requestContext", Map.of("functionArn", List.of(Map.of("prefix", functionArnOf(route.from()) + ":"))),
                                    "responsePayload", payload))
                            .build())
                    .targets(List.of(target(route.to())))
                    .build();
        }
    }

    /** An invocation that failed after Lambda's retries pages a human through escalate (escalate's own go to a queue). */
    private void routeFailures() {
        List<Object> failing = functions.values().stream()
                .filter(f -> f.spec != FunctionSpec.ESCALATE)
                .map(f -> (Object) Map.of("prefix", f.function.getFunctionArn() + ":"))
                .toList();
        Rule.Builder.create(this, "Failures")
                .eventBus(bus)
                .description("failed invocations of the other functions go to escalate")
                .eventPattern(EventPattern.builder()
                        .source(List.of("lambda"))
                        .detailType(List.of(RESULT_FAILURE))
                        .detail(Map.of("requestContext", Map.of("functionArn", failing)))
                        .build())
                .targets(List.of(target(FunctionSpec.ESCALATE.id())))
                .build();
    }

    private void scheduleWatchKeys() {
        Rule.Builder.create(this, "WatchKeysSchedule")
                .description("watch-keys compares each identity provider's signing keys with the last seen")
                .schedule(Schedule.rate(Duration.minutes(config.watchKeysEveryMinutes())))
                .targets(List.of(target(FunctionSpec.WATCH_KEYS.id())))
                .build();
    }

    /** restart-authoriser may edit workloads in the authoriser's namespace and nowhere else in the cluster. */
    private void admitRestartToNamespace(DeploymentConfig.Eks eks) {
        CfnAccessEntry.Builder.create(this, "RestartAccess")
                .clusterName(eks.clusterName())
                .principalArn(functions.get(FunctionSpec.RESTART_AUTHORISER).role.getRoleArn())
                .type("STANDARD")
                .accessPolicies(List.of(CfnAccessEntry.AccessPolicyProperty.builder()
                        .policyArn("arn:" + getPartition() + ":eks::aws:cluster-access-policy/AmazonEKSEditPolicy")
                        .accessScope(CfnAccessEntry.AccessScopeProperty.builder()
                                .type("namespace")
                                .namespaces(List.of(eks.namespace()))
                                .build())
                        .build()))
                .build();
    }

    /** A rule's target: EventBridge retries delivery as long as the event is still worth acting on, then parks it. */
    private LambdaFunction target(String functionId) {
        ResponderFunction target = function(functionId);
        return new LambdaFunction(target.function, LambdaFunctionProps.builder()
                .deadLetterQueue(undelivered)
                .retryAttempts(4)
                .maxEventAge(Duration.seconds(target.spec.maxEventAge().toSeconds()))
                .build());
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

    /** {@code details.verdict} and its values as the nested event pattern {@code {details: {verdict: [...]}}}. */
    private static Map<String, Object> nested(String field, List<String> values) {
        String[] parts = field.split("\\.");
        Object pattern = values;
        for (int i = parts.length - 1; i >= 0; i--) {
            pattern = Map.of(parts[i], pattern);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) pattern;
        return result;
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
        Alarm alarm = Alarm.Builder.create(this, queue.getNode().getId() + "NotEmpty")
                .alarmName(config.name() + "-" + queue.getNode().getId().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase() + "-not-empty")
                .alarmDescription("auth-responder could not deliver an event or a page: read " + queue.getNode().getId())
                .metric(queue.metricApproximateNumberOfMessagesVisible().with(
                        software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(Duration.minutes(1)).statistic("Maximum").build()))
                .threshold(0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        alarm.addAlarmAction(new SnsAction(fallback));
    }
}
