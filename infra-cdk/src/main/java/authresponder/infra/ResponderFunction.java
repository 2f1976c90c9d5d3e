package authresponder.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.FunctionUrl;
import software.amazon.awscdk.services.lambda.FunctionUrlAuthType;
import software.amazon.awscdk.services.lambda.FunctionUrlOptions;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.CfnLogGroup;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * One auth-responder function: its own role (nothing granted but its log group until the stack adds
 * what the function calls), its log group with retention, the asynchronous-invoke settings (retries,
 * maximum event age, destinations), and a Function URL that only the ops console's role may call.
 * With SnapStart, Lambda snapshots published versions only: an alias ({@value #ALIAS}) on the current version
 * is what every caller invokes, and the asynchronous-invoke settings are the alias's.
 */
final class ResponderFunction extends Construct {
    static final String ALIAS = "live";
    /** Every network interface of the account and region: Lambda creates the function's, so their ids are not known before. */
    static final String NETWORK_INTERFACES = "network-interface/*";
    static final String NETWORK_INTERFACES_REASON = "Lambda creates, deletes and readdresses the function's network interfaces "
            + "(ec2:CreateNetworkInterface, DeleteNetworkInterface, AssignPrivateIpAddresses, UnassignPrivateIpAddresses), whose ids "
            + "exist only once Lambda has created them: network-interface/* of this account and region, nothing else";
    static final String DESCRIBE_REASON = "ec2:DescribeNetworkInterfaces works only on every resource (Lambda developer guide, VPC "
            + "permissions); the statement holds that one read-only action";

    final FunctionSpec spec;
    final Role role;
    final Function function;
    /** What every caller invokes: the function, or with SnapStart its alias. */
    final IFunction invoked;
    final FunctionUrl url;

    /** Where the function runs when it must reach the cache: the VPC, its subnets and the security group. */
    record Placement(IVpc vpc, SubnetSelection subnets, ISecurityGroup securityGroup) {}

    ResponderFunction(Construct scope, FunctionSpec spec, String handler, DeploymentConfig config, Code code, Map<String, String> environment,
                      Placement placement, IDestination onSuccess, IDestination onFailure) {
        super(scope, spec.id());
        this.spec = spec;
        String name = config.name() + "-" + spec.id();

        role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("auth-responder " + spec.id() + ": only what this function calls")
                .build();

        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .logGroupName("/aws/lambda/" + name)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        // The configuration's retention in days, any value CloudWatch Logs accepts (checked at synth).
        ((CfnLogGroup) logs.getNode().getDefaultChild()).setRetentionInDays(config.logRetentionDays());
        logs.grantWrite(role);

        Function.Builder builder = Function.Builder.create(this, "Function")
                .functionName(name)
                .description("auth-responder " + spec.id())
                .runtime(Runtime.JAVA_25)
                .architecture(Architecture.ARM_64)
                .handler(handler)
                .code(code)
                .memorySize(spec.memoryMb())
                .timeout(Duration.seconds(spec.timeout().toSeconds()))
                .reservedConcurrentExecutions(spec.reservedConcurrency())
                .role(role)
                .logGroup(logs)
                .environment(environment);
        if (placement != null) {
            builder.vpc(placement.vpc()).vpcSubnets(placement.subnets()).securityGroups(List.of(placement.securityGroup()));
        }
        if (config.snapStart()) {
            function = builder.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS).build();
            invoked = Alias.Builder.create(this, "Alias").aliasName(ALIAS).version(function.getCurrentVersion()).build();
        } else {
            function = builder.build();
            invoked = function;
        }
        // Lambda reads these per qualifier: with SnapStart the alias's are the ones that apply.
        invoked.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(spec.retries())
                .maxEventAge(Duration.seconds(spec.maxEventAge().toSeconds()))
                .onFailure(onFailure)
                .onSuccess(onSuccess)
                .build());
        if (placement != null) {
            allowNetworkInterfaces(config, placement);
        }
        url = invoked.addFunctionUrl(FunctionUrlOptions.builder().authType(FunctionUrlAuthType.AWS_IAM).build());
        // Since October 2025 a Function URL call needs both permissions; the second only via the URL.
        ArnPrincipal console = new ArnPrincipal(config.opsConsoleRoleArn());
        invoked.addPermission("OpsConsoleUrl", Permission.builder()
                .principal(console)
                .action("lambda:InvokeFunctionUrl")
                .functionUrlAuthType(FunctionUrlAuthType.AWS_IAM)
                .build());
        invoked.addPermission("OpsConsoleViaUrl", Permission.builder()
                .principal(console)
                .action("lambda:InvokeFunction")
                .invokedViaFunctionUrl(true)
                .build());
    }

    /**
     * What Lambda does with the function's role to place it in the VPC (Lambda developer guide, "Giving Lambda functions
     * access to resources in an Amazon VPC", required IAM permissions; the managed policy AWSLambdaENIManagementAccess
     * holds the same five actions on every resource). aws-cdk-lib adds them only to a role it creates, so this role gets
     * them here, scoped as far as EC2 allows: DescribeNetworkInterfaces works only on every resource; the interface is
     * created in the configured subnets with the function's security group; the others act on network interfaces of this
     * account and region, whose ids are not known before Lambda creates them.
     */
    private void allowNetworkInterfaces(DeploymentConfig config, Placement placement) {
        String ec2 = "arn:" + Stack.of(this).getPartition() + ":ec2:" + config.primaryRegion() + ":" + config.account() + ":";
        String nag = "Resource::arn:<AWS::Partition>:ec2:" + config.primaryRegion() + ":" + config.account() + ":";
        List<String> createdIn = new ArrayList<>();
        createdIn.add(ec2 + NETWORK_INTERFACES);
        config.network().subnetIds().forEach(subnet -> createdIn.add(ec2 + "subnet/" + subnet));
        createdIn.add(ec2 + "security-group/" + placement.securityGroup().getSecurityGroupId());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("ec2:CreateNetworkInterface")).resources(createdIn).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))
                .resources(List.of(ec2 + NETWORK_INTERFACES)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("ec2:DescribeNetworkInterfaces")).resources(List.of("*")).build());
        NagSuppressions.addResourceSuppressions(role, List.of(
                NagPackSuppression.builder().id("AwsSolutions-IAM5")
                        .reason(NETWORK_INTERFACES_REASON)
                        .appliesTo(List.of(nag + NETWORK_INTERFACES)).build(),
                NagPackSuppression.builder().id("AwsSolutions-IAM5")
                        .reason(DESCRIBE_REASON)
                        .appliesTo(List.of("Resource::*")).build()), true);
    }
}
