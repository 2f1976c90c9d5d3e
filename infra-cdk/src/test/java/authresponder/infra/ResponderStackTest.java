package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.policy.Policy;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** What the primary region's stack creates, property by property, from the example configuration. */
class ResponderStackTest {
    private static final String OPS_ROLE = "arn:aws:iam::111122223333:role/commandbridge-console";
    private static Template template;
    private static TemplateJson json;

    @BeforeAll
    static void synthesize() {
        template = Synthesized.example().responder();
        json = new TemplateJson(template);
    }

    static final Set<String> NETWORK_INTERFACES = Set.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses");

    private static String name(FunctionSpec spec) {
        return "auth-responder-" + spec.id();
    }

    @Test
    void everyFunctionRunsJava25OnArmWithItsOwnSizingAndLimits() {
        template.resourceCountIs("AWS::Lambda::Function", FunctionSpec.values().length);
        for (FunctionSpec spec : FunctionSpec.values()) {
            template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                    "FunctionName", name(spec),
                    "Runtime", "java25",
                    "Architectures", List.of("arm64"),
                    "Handler", Policy.bundled().routing().functions().get(spec.id()),
                    "MemorySize", 3538, // two vCPUs: a cold start loads classes on one and compiles on the other
                    "Timeout", (int) spec.timeout().toSeconds(),
                    "ReservedConcurrentExecutions", spec.reservedConcurrency()));
        }
    }

    @Test
    void everyFunctionLogsToItsOwnGroupWithTheConfiguredRetention() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            template.hasResourceProperties("AWS::Logs::LogGroup", Map.of(
                    "LogGroupName", "/aws/lambda/" + name(spec), "RetentionInDays", 90));
            JsonObject loggingConfig = json.function(name(spec)).getAsJsonObject("LoggingConfig");
            assertNotNull(loggingConfig, spec.id() + " names its log group");
        }
    }

    @Test
    void asynchronousInvokesRetryThenGoToTheBusOrForEscalateToAQueue() {
        Map<String, JsonObject> configs = json.ofType("AWS::Lambda::EventInvokeConfig");
        assertEquals(FunctionSpec.values().length, configs.size());
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject config = json.eventInvokeConfig(name(spec));
            assertEquals(spec.retries(), config.get("MaximumRetryAttempts").getAsInt(), spec.id());
            assertEquals(spec.maxEventAge().toSeconds(), config.get("MaximumEventAgeInSeconds").getAsLong(), spec.id());
            JsonObject destinations = config.getAsJsonObject("DestinationConfig");
            String onFailure = destinations.getAsJsonObject("OnFailure").getAsJsonObject("Destination").getAsJsonArray("Fn::GetAtt").get(0).getAsString();
            assertTrue(onFailure.startsWith(spec == FunctionSpec.ESCALATE ? "EscalationFailed" : "Bus"), spec.id() + " on failure: " + onFailure);
            boolean sendsResults = spec == FunctionSpec.DIAGNOSE || spec == FunctionSpec.FLUSH_CACHE || spec == FunctionSpec.RESTART_AUTHORISER;
            assertEquals(sendsResults, destinations.has("OnSuccess"), spec.id() + " sends its result to the bus only when a route reads it");
        }
    }

    @Test
    void functionUrlsUseIamAndAdmitOnlyTheOpsConsoleRole() {
        Map<String, JsonObject> urls = json.ofType("AWS::Lambda::Url");
        assertEquals(FunctionSpec.values().length, urls.size());
        urls.values().forEach(url -> assertEquals("AWS_IAM", url.get("AuthType").getAsString()));
        template.resourcePropertiesCountIs("AWS::Lambda::Url", Map.of("AuthType", "NONE"), 0);

        Map<String, JsonObject> permissions = json.ofType("AWS::Lambda::Permission");
        for (JsonObject permission : permissions.values()) {
            String principal = permission.get("Principal").getAsString();
            assertFalse(principal.equals("*"), "no public invoke: " + permission);
            if (principal.equals("events.amazonaws.com")) {
                assertTrue(permission.has("SourceArn"), "EventBridge may invoke only from its rule: " + permission);
            } else {
                assertEquals(OPS_ROLE, principal, "only the ops console's role: " + permission);
            }
        }
        for (FunctionSpec spec : FunctionSpec.values()) {
            Map<String, Object> function = Map.of("Fn::GetAtt", List.of(json.functionId(name(spec)), "Arn"));
            template.hasResourceProperties("AWS::Lambda::Permission", Map.of("FunctionName", function,
                    "Action", "lambda:InvokeFunctionUrl", "FunctionUrlAuthType", "AWS_IAM", "Principal", OPS_ROLE));
            template.hasResourceProperties("AWS::Lambda::Permission", Map.of("FunctionName", function,
                    "Action", "lambda:InvokeFunction", "InvokedViaFunctionUrl", true, "Principal", OPS_ROLE));
        }
    }

    @Test
    void theCacheClientsRunInTheCacheVpcAndReachOnlyTheCachePortAndHttps() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject vpc = json.function(name(spec)).getAsJsonObject("VpcConfig");
            assertEquals(spec.inCacheVpc(), vpc != null, spec.id());
            if (vpc != null) {
                assertEquals(List.of("subnet-0a1b2c3d4e5f60718", "subnet-08f7e6d5c4b3a2910"),
                        vpc.getAsJsonArray("SubnetIds").asList().stream().map(JsonElement::getAsString).toList());
            }
        }
        Map<String, JsonObject> groups = json.ofType("AWS::EC2::SecurityGroup");
        assertEquals(1, groups.size());
        JsonObject group = groups.values().iterator().next();
        assertEquals("vpc-0a1b2c3d4e5f60718", group.get("VpcId").getAsString());
        List<JsonElement> inline = group.getAsJsonArray("SecurityGroupEgress").asList();
        assertEquals(1, inline.size(), "HTTPS through the one configured egress: " + inline);
        JsonObject https = inline.getFirst().getAsJsonObject();
        assertEquals(List.of(443, 443, "0.0.0.0/0"), List.of(https.get("FromPort").getAsInt(), https.get("ToPort").getAsInt(), https.get("CidrIp").getAsString()));

        template.resourceCountIs("AWS::EC2::SecurityGroupEgress", 1);
        template.hasResourceProperties("AWS::EC2::SecurityGroupEgress", Map.of(
                "DestinationSecurityGroupId", "sg-0a1b2c3d4e5f60718", "FromPort", 6379, "ToPort", 6379, "IpProtocol", "tcp"));
        template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 1);
        template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Map.of(
                "GroupId", "sg-0a1b2c3d4e5f60718", "FromPort", 6379, "ToPort", 6379, "IpProtocol", "tcp"));
    }

    @Test
    void eachFunctionMayCallOnlyWhatItCalls() {
        Set<String> logs = Set.of("logs:CreateLogStream", "logs:PutLogEvents");
        Set<String> ledger = Set.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query");
        // In the cache's VPC: the network interfaces Lambda manages with the function's role.
        Set<String> cache = union(NETWORK_INTERFACES, Set.of("elasticache:DescribeReplicationGroups", "secretsmanager:GetSecretValue"));
        assertEquals(union(logs, cache, Set.of("events:PutEvents", "lambda:GetFunctionConfiguration", "logs:FilterLogEvents")),
                json.actionsOf(name(FunctionSpec.DIAGNOSE)));
        assertEquals(union(logs, cache, ledger, Set.of("events:PutEvents")), json.actionsOf(name(FunctionSpec.FLUSH_CACHE)));
        assertEquals(union(logs, ledger, Set.of("events:PutEvents", "eks:DescribeCluster", "lambda:GetFunctionConfiguration",
                        "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:GetAlias", "lambda:UpdateAlias")),
                json.actionsOf(name(FunctionSpec.RESTART_AUTHORISER)));
        assertEquals(union(logs, ledger, Set.of("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sns:Publish",
                "kms:GenerateDataKey", "kms:Decrypt")), json.actionsOf(name(FunctionSpec.ESCALATE)));
        // watch-keys runs the flush and the restart in process: their calls, and a notice's.
        assertEquals(union(logs, cache, ledger, Set.of("events:PutEvents", "eks:DescribeCluster", "lambda:GetFunctionConfiguration",
                        "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:GetAlias", "lambda:UpdateAlias",
                        "sns:Publish", "kms:GenerateDataKey", "kms:Decrypt")),
                json.actionsOf(name(FunctionSpec.WATCH_KEYS)));
    }

    @Test
    void theLedgerIsReachedOnlyAtTheTableAndItsTimeIndex() {
        String statement = json.statementsOf(name(FunctionSpec.FLUSH_CACHE)).stream()
                .filter(s -> s.toString().contains("dynamodb:PutItem")).findFirst().orElseThrow().get("Resource").toString();
        assertTrue(statement.contains("\"Ledger") && statement.contains("/index/by-time"), statement);
        assertFalse(json.statementsOf(name(FunctionSpec.DIAGNOSE)).toString().contains("dynamodb:"), "diagnose only reads");
    }

    @Test
    void noStatementGrantsAWildcardResourceOrAction() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            for (JsonObject statement : json.statementsOf(name(spec))) {
                // The one exception: EC2 answers DescribeNetworkInterfaces only on every resource, and that statement holds nothing else.
                boolean describeOnly = statement.get("Action").toString().equals("\"ec2:DescribeNetworkInterfaces\"");
                TemplateJson.list(statement.get("Resource")).forEach(resource -> {
                    assertFalse(!describeOnly && resource.isJsonPrimitive() && resource.getAsString().equals("*"), spec.id() + ": " + statement);
                });
                TemplateJson.list(statement.get("Action")).forEach(action ->
                        assertFalse(action.getAsString().contains("*"), spec.id() + ": " + statement));
            }
        }
        // The restart role reaches the configured authoriser (and, through its alias, its versions) and no other function.
        String restartLambda = json.statementsOf(name(FunctionSpec.RESTART_AUTHORISER)).stream()
                .filter(s -> s.toString().contains("lambda:UpdateFunctionConfiguration")).findFirst().orElseThrow().get("Resource").toString();
        assertTrue(restartLambda.contains(":function:commandbridge-authoriser\"") && restartLambda.contains(":function:commandbridge-authoriser:*\""), restartLambda);
        String describeCluster = json.statementsOf(name(FunctionSpec.RESTART_AUTHORISER)).stream()
                .filter(s -> s.toString().contains("eks:DescribeCluster")).findFirst().orElseThrow().get("Resource").toString();
        assertTrue(describeCluster.contains(":eks:eu-west-2:111122223333:cluster/auth\""), describeCluster);
    }

    @Test
    void theLedgerKeepsRecordsWithExpiryRecoveryAndOnDemandBilling() {
        template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "TableName", "auth-responder-ledger",
                "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"), Map.of("AttributeName", "sk", "KeyType", "RANGE")),
                "BillingMode", "PAY_PER_REQUEST",
                "TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true),
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "DeletionProtectionEnabled", true,
                "GlobalSecondaryIndexes", List.of(Map.of(
                        "IndexName", "by-time",
                        "KeySchema", List.of(Map.of("AttributeName", "feed", "KeyType", "HASH"), Map.of("AttributeName", "at", "KeyType", "RANGE")),
                        "Projection", Map.of("ProjectionType", "ALL")))));
        template.hasResource("AWS::DynamoDB::Table", Map.of("DeletionPolicy", "Retain"));
    }

    @Test
    void eachTeamHasAnEncryptedTopicWithItsSubscriptions() {
        for (String team : Policy.bundled().routing().teams().keySet()) {
            template.hasResourceProperties("AWS::SNS::Topic", Map.of(
                    "TopicName", "auth-responder-" + team, "KmsMasterKeyId", Match.anyValue()));
        }
        template.resourceCountIs("AWS::SNS::Topic", Policy.bundled().routing().teams().size());
        template.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "iam-security-oncall@example.gov.uk"));
        template.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
    }

    @Test
    void alarmsAreRoutedOnTheBusToTheFunctionsTheRunbooksName() {
        template.hasResourceProperties("AWS::Events::EventBus", Map.of("Name", "auth-responder"));
        Map<String, List<String>> routed = Routes.alarmsByFunction(Policy.bundled());
        assertEquals(Map.of("diagnose", List.of("auth-login-failures"),
                "escalate", List.of("auth-error-rate", "auth-validation-failures", "auth-validation-failures-sustained")), routed);
        routed.forEach((function, alarms) -> template.hasResourceProperties("AWS::Events::Rule", Map.of(
                "EventBusName", Match.anyValue(),
                "EventPattern", Map.of(
                        "source", List.of("aws.cloudwatch"),
                        "detail-type", List.of("CloudWatch Alarm State Change"),
                        "detail", Map.of("alarmName", alarms.stream().map(a -> "auth-responder-" + a).toList(),
                                "state", Map.of("value", List.of("ALARM")))),
                "Targets", List.of(Map.of(
                        "Arn", Map.of("Fn::GetAtt", List.of(json.functionId("auth-responder-" + function), "Arn")),
                        "Id", "Target0",
                        "DeadLetterConfig", Match.anyValue(),
                        "RetryPolicy", Match.anyValue())))));
    }

    @Test
    void aStaleKeyCacheVerdictFlushesTheJwksWithTheRunbooksCommand() {
        JsonObject rule = rule("\"verdict\":[\"STALE_KEY_CACHE\"]");
        assertEquals(List.of("lambda"), strings(rule.getAsJsonObject("EventPattern").getAsJsonArray("source")));
        assertEquals(List.of("Lambda Function Invocation Result - Success"), strings(rule.getAsJsonObject("EventPattern").getAsJsonArray("detail-type")));
        assertTrue(rule.getAsJsonObject("EventPattern").toString().contains(json.functionId(name(FunctionSpec.DIAGNOSE))), "only diagnose's results");
        JsonObject target = rule.getAsJsonArray("Targets").get(0).getAsJsonObject();
        assertTrue(target.get("Arn").toString().contains(json.functionId(name(FunctionSpec.FLUSH_CACHE))));
        JsonObject transformer = target.getAsJsonObject("InputTransformer");
        assertEquals("{\"action\":\"flush\",\"scope\":\"jwks\",\"requestId\":\"event:<id>\"}",
                transformer.get("InputTemplate").getAsString().replace(" ", ""));
        assertEquals("$.id", transformer.getAsJsonObject("InputPathsMap").get("id").getAsString());
    }

    @Test
    void aDoneFlushGoesOnToTheRestartAndAStepThatFailedOrWentWrongPages() {
        JsonObject restart = rule("\"requestPayload\":{\"action\":[\"flush\"],\"scope\":[\"jwks\"]},\"responsePayload\":{\"outcome\":[\"DONE\",\"NO_CHANGE\"]}");
        JsonObject restartTarget = restart.getAsJsonArray("Targets").get(0).getAsJsonObject();
        assertTrue(restartTarget.get("Arn").toString().contains(json.functionId(name(FunctionSpec.RESTART_AUTHORISER))), restart.toString());
        assertTrue(restartTarget.getAsJsonObject("InputTransformer").get("InputTemplate").getAsString().contains("\"target\":\"api-authoriser\""),
                restart.toString());

        // FAILED too: a step's command is answered with its outcome in a success record, never thrown (issue 21).
        for (String requestPayload : List.of("{\"action\":[\"flush\"],\"scope\":[\"jwks\"]}", "{\"target\":[\"api-authoriser\"]}")) {
            JsonObject page = rule("\"requestPayload\":" + requestPayload + ",\"responsePayload\":{\"outcome\":[\"PARTIAL\",\"REFUSED\",\"FAILED\",\"BAD_INPUT\"]}");
            assertEquals(List.of("Lambda Function Invocation Result - Success"), strings(page.getAsJsonObject("EventPattern").getAsJsonArray("detail-type")));
            JsonObject target = page.getAsJsonArray("Targets").get(0).getAsJsonObject();
            assertTrue(target.get("Arn").toString().contains(json.functionId(name(FunctionSpec.ESCALATE))), page.toString());
            assertFalse(target.has("InputTransformer") || target.has("Input"), "escalate gets the relayed result itself, with its evidence");
        }
    }

    @Test
    void verdictsThatNeedAPersonGoStraightToEscalateAndHealthyGoesNowhere() {
        for (String verdict : List.of("CLOCK_SKEW", "RECENT_DEPLOY", "IDP_UNAVAILABLE", "IDP_UNTRUSTED", "SESSION_CACHE_PRESSURE", "UNKNOWN")) {
            JsonObject rule = rule("\"verdict\":[\"" + verdict + "\"]");
            assertTrue(rule.get("Targets").toString().contains(json.functionId(name(FunctionSpec.ESCALATE))), verdict);
        }
        assertTrue(json.ofType("AWS::Events::Rule").values().stream().noneMatch(r -> r.toString().contains("HEALTHY")));
    }

    private static JsonObject rule(String patternPart) {
        List<JsonObject> rules = json.ofType("AWS::Events::Rule").values().stream()
                .filter(r -> r.has("EventPattern") && r.getAsJsonObject("EventPattern").toString().contains(patternPart)).toList();
        assertEquals(1, rules.size(), "one rule with " + patternPart + ": " + rules);
        return rules.getFirst();
    }

    private static List<String> strings(com.google.gson.JsonArray array) {
        return array.asList().stream().map(JsonElement::getAsString).toList();
    }

    @Test
    void failedInvocationsOfEveryOtherFunctionPageThroughEscalate() {
        JsonObject rule = json.ofType("AWS::Events::Rule").values().stream()
                .filter(r -> r.toString().contains("Lambda Function Invocation Result - Failure")).findFirst().orElseThrow();
        Set<String> sources = new TreeSet<>();
        rule.getAsJsonObject("EventPattern").getAsJsonObject("detail").getAsJsonObject("requestContext").getAsJsonArray("functionArn")
                .forEach(p -> sources.add(p.toString().replaceAll(".*GetAtt\":\\[\"([A-Za-z0-9]+)\".*", "$1")));
        Set<String> expected = new TreeSet<>();
        for (FunctionSpec spec : FunctionSpec.values()) {
            if (spec != FunctionSpec.ESCALATE) {
                expected.add(json.functionId(name(spec)));
            }
        }
        assertEquals(expected, sources);
        assertTrue(rule.get("Targets").toString().contains(json.functionId(name(FunctionSpec.ESCALATE))));
        // A dead-letter message means a page may not have happened: CloudWatch tells the fallback team directly.
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "auth-responder-escalation-failed-not-empty", "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("Teamidentityplatform.*")))));
    }

    @Test
    void watchKeysRunsOnItsSchedule() {
        template.hasResourceProperties("AWS::Events::Rule", Map.of(
                "ScheduleExpression", "rate(1 minute)",
                "Targets", List.of(Match.objectLike(Map.of(
                        "Arn", Map.of("Fn::GetAtt", List.of(json.functionId(name(FunctionSpec.WATCH_KEYS)), "Arn")),
                        "RetryPolicy", Map.of("MaximumEventAgeInSeconds", 300, "MaximumRetryAttempts", 4))))));
    }

    @Test
    void theRestartingRolesMayEditOnlyTheTargetsNamespace() {
        for (String role : List.of("restartauthoriserRole.*", "watchkeysRole.*")) {
            template.hasResourceProperties("AWS::EKS::AccessEntry", Map.of(
                    "ClusterName", "auth",
                    "PrincipalArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp(role), "Arn")),
                    "AccessPolicies", List.of(Map.of(
                            "PolicyArn", Match.anyValue(),
                            "AccessScope", Map.of("Type", "namespace", "Namespaces", List.of("auth"))))));
        }
        template.resourceCountIs("AWS::EKS::AccessEntry", 2);
    }

    @Test
    void functionsGetTheirSettingsFromTheConfigurationAndTheStack() {
        JsonObject diagnose = variables(FunctionSpec.DIAGNOSE);
        assertEquals("auth-jwks", diagnose.get("CACHE_REPLICATION_GROUP_ID").getAsString());
        assertEquals("arn:aws:secretsmanager:eu-west-2:111122223333:secret:auth-jwks-auth-token-AbCdEf", diagnose.get("CACHE_AUTH_SECRET_ARN").getAsString());
        assertEquals("https://auth.example.gov.uk", diagnose.get("IDP_ISSUER").getAsString());
        assertEquals("commandbridge-authoriser", diagnose.get("AUTHORISER_FUNCTION").getAsString());
        assertEquals("/aws/lambda/commandbridge-authoriser", diagnose.get("AUTHORISER_LOG_GROUP").getAsString());
        assertEquals("jwks:https://auth.example.gov.uk", diagnose.get("CACHED_JWKS_KEY").getAsString(), "the configuration's extra settings");
        assertFalse(diagnose.has("LEDGER_TABLE"));

        assertTrue(variables(FunctionSpec.FLUSH_CACHE).get("LEDGER_TABLE").toString().contains("Ledger"));
        assertEquals("{\"api-authoriser\":{\"lambda\":\"commandbridge-authoriser\",\"alias\":\"live\"},"
                        + "\"oidc\":{\"eks\":\"auth\",\"namespace\":\"auth\",\"deployments\":[\"oidc-provider\"]}}",
                variables(FunctionSpec.RESTART_AUTHORISER).get("RESTART_TARGETS").getAsString());
        String topics = variables(FunctionSpec.ESCALATE).get("ESCALATION_TOPICS").toString();
        Policy.bundled().routing().teams().keySet().forEach(team -> assertTrue(topics.contains(team + "="), topics));

        JsonObject watch = variables(FunctionSpec.WATCH_KEYS);
        assertEquals("scotaccount=https://auth.example.gov.uk", watch.get("WATCH_KEYS_PROVIDERS").getAsString());
        assertEquals("auth-jwks", watch.get("CACHE_REPLICATION_GROUP_ID").getAsString(), "it flushes in process");
        assertEquals(variables(FunctionSpec.RESTART_AUTHORISER).get("RESTART_TARGETS"), watch.get("RESTART_TARGETS"), "it restarts in process");
    }

    private static JsonObject variables(FunctionSpec spec) {
        return json.function(name(spec)).getAsJsonObject("Environment").getAsJsonObject("Variables");
    }

    /** Defect 1: Lambda creates the VPC functions' network interfaces with their own roles, or CreateFunction fails. */
    @Test
    void theCacheClientsRolesLetLambdaManageTheirNetworkInterfacesAndNoMore() {
        String security = json.ofType("AWS::EC2::SecurityGroup").keySet().iterator().next();
        for (FunctionSpec spec : FunctionSpec.values()) {
            List<JsonObject> statements = json.statementsOf(name(spec));
            Set<String> ec2 = new TreeSet<>(json.actionsOf(name(spec)).stream().filter(a -> a.startsWith("ec2:")).toList());
            assertEquals(spec.inCacheVpc() ? NETWORK_INTERFACES : Set.of(), ec2, spec.id());
            if (!spec.inCacheVpc()) {
                continue;
            }
            String create = statementWith(statements, "ec2:CreateNetworkInterface").get("Resource").toString();
            assertTrue(create.contains(":ec2:eu-west-2:111122223333:network-interface/*") && create.contains("subnet/subnet-0a1b2c3d4e5f60718")
                    && create.contains("subnet/subnet-08f7e6d5c4b3a2910") && create.contains(security), "in the configured subnets, with its group: " + create);
            JsonObject manage = statementWith(statements, "ec2:DeleteNetworkInterface");
            assertEquals(List.of("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
                    TemplateJson.list(manage.get("Action")).stream().map(JsonElement::getAsString).toList());
            assertTrue(manage.get("Resource").toString().contains(":ec2:eu-west-2:111122223333:network-interface/*\""), manage.toString());
            assertEquals("\"*\"", statementWith(statements, "ec2:DescribeNetworkInterfaces").get("Resource").toString());
            // CloudFormation must attach the policy before Lambda creates the function with the role.
            String function = json.functionId(name(spec));
            String dependsOn = json.resources.getAsJsonObject(function).get("DependsOn").toString();
            String policy = json.ofType("AWS::IAM::Policy").entrySet().stream()
                    .filter(p -> p.getValue().toString().contains("ec2:CreateNetworkInterface")
                            && p.getValue().get("Roles").toString().contains(spec.id().replace("-", "") + "Role"))
                    .map(java.util.Map.Entry::getKey).findFirst().orElseThrow();
            assertTrue(dependsOn.contains(policy), spec.id() + " depends on " + dependsOn);
        }
    }

    private static JsonObject statementWith(List<JsonObject> statements, String action) {
        return statements.stream().filter(s -> TemplateJson.list(s.get("Action")).stream().anyMatch(a -> a.getAsString().equals(action)))
                .findFirst().orElseThrow(() -> new AssertionError("no statement allows " + action));
    }

    /** Defect 3: CloudWatch may publish this deployment's alarms to every team topic, and use the topics' key for it. */
    @Test
    void cloudWatchMayPublishThisDeploymentsAlarmsToTheEncryptedTopics() {
        Map<String, Object> conditions = Map.of(
                "StringEquals", Map.of("aws:SourceAccount", "111122223333"),
                "ArnLike", Map.of("aws:SourceArn", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"),
                        ":cloudwatch:eu-west-2:111122223333:alarm:auth-responder-*")))));
        for (String team : Policy.bundled().routing().teams().keySet()) {
            String topic = json.ofType("AWS::SNS::Topic").entrySet().stream()
                    .filter(t -> t.getValue().get("TopicName").getAsString().equals("auth-responder-" + team)).findFirst().orElseThrow().getKey();
            template.hasResourceProperties("AWS::SNS::TopicPolicy", Map.of(
                    "Topics", List.of(Map.of("Ref", topic)),
                    "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Map.of(
                            "Sid", "CloudWatchAlarmsPublish",
                            "Effect", "Allow",
                            "Principal", Map.of("Service", "cloudwatch.amazonaws.com"),
                            "Action", "sns:Publish",
                            "Resource", Map.of("Ref", topic),
                            "Condition", conditions))))));
        }
        template.hasResourceProperties("AWS::KMS::Key", Map.of("KeyPolicy", Map.of("Statement", Match.arrayWith(List.of(Map.of(
                "Sid", "CloudWatchAlarmsPublishToTheEncryptedTopics",
                "Effect", "Allow",
                "Principal", Map.of("Service", "cloudwatch.amazonaws.com"),
                "Action", List.of("kms:Decrypt", "kms:GenerateDataKey*"),
                "Resource", "*",
                "Condition", conditions))))));
    }

    /** Defect 5: a result or failure Lambda could not deliver, or an event it dropped, pages the fallback team. */
    @Test
    void lostAsynchronousEventsAndResultsOfEveryFunctionPageTheFallbackTeam() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            for (String metric : List.of("DestinationDeliveryFailures", "AsyncEventsDropped")) {
                template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                        "AlarmName", "auth-responder-" + spec.id() + "-" + metric.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(),
                        "Namespace", "AWS/Lambda",
                        "MetricName", metric,
                        "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", json.functionId(name(spec))))),
                        "Statistic", "Sum",
                        "Threshold", 0,
                        "ComparisonOperator", "GreaterThanThreshold",
                        "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("Teamidentityplatform.*")))));
            }
        }
        template.resourceCountIs("AWS::CloudWatch::Alarm", 2 + 2 * FunctionSpec.values().length);
    }

    /** Defect 6: every alarm is this deployment's by name, and every function knows the prefix (DEPLOYMENT_NAME). */
    @Test
    void everyAlarmIsNamedAfterTheDeploymentAndEveryFunctionKnowsItsName() {
        json.ofType("AWS::CloudWatch::Alarm").values().forEach(alarm ->
                assertTrue(alarm.get("AlarmName").getAsString().startsWith("auth-responder-"), alarm.get("AlarmName").toString()));
        for (FunctionSpec spec : FunctionSpec.values()) {
            assertEquals("auth-responder", variables(spec).get("DEPLOYMENT_NAME").getAsString(), spec.id());
        }
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new TreeSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }
}
