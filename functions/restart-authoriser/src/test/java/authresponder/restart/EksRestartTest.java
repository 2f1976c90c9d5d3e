package authresponder.restart;

import static authresponder.restart.Fixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Outcome;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;

/**
 * EKS targets: DescribeCluster and the Kubernetes API stand-in over HTTPS (its own CA), tokens checked
 * against moto's STS; and moto's own EKS, whose certificate authority is not a certificate.
 */
class EksRestartTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TARGETS = "{\"oidc\": {\"eks\": \"prod\", \"namespace\": \"auth\", \"deployments\": [\"oidc-provider\", \"api-worker\"]}}";
    private KubernetesStandIn kubernetes;
    private AwsFront front;

    @BeforeEach
    void start() {
        kubernetes = new KubernetesStandIn("prod");
        kubernetes.deploy("auth", "oidc-provider", 3);
        kubernetes.deploy("auth", "api-worker", 2);
        front = new AwsFront(Fixture.MOTO.endpoint()).with("eks", kubernetes.eks());
    }

    @AfterEach
    void stop() {
        front.close();
        kubernetes.close();
    }

    private RestartAuthoriserHandler handler() {
        return new RestartAuthoriserHandler(new Env(Fixture.settings(front.endpoint(), TARGETS)));
    }

    private static String annotation(KubernetesStandIn kubernetes, String name) {
        var metadata = kubernetes.deployment("auth", name).getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("metadata");
        return metadata.has("annotations") ? metadata.getAsJsonObject("annotations").get(EksRestarter.RESTARTED_AT).getAsString() : null;
    }

    @Test
    void aRolloutRestartPatchesEveryDeploymentAndWatchesItThrough() throws InterruptedException {
        long selectors = selectorThreads();
        FunctionHandler.Answer answer = invoke(handler(), "{\"target\": \"oidc\"}", TIMEOUT);

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        RestartDetails.EksRestart details = ((RestartDetails) answer.result().details()).eks();
        assertEquals(details.restartedAt(), annotation(kubernetes, "oidc-provider"));
        assertEquals(details.restartedAt(), annotation(kubernetes, "api-worker"));
        assertEquals("oidc-provider", kubernetes.deployment("auth", "oidc-provider").getAsJsonObject("spec").getAsJsonObject("template")
                .getAsJsonObject("metadata").getAsJsonObject("labels").get("app").getAsString(), "the patch lost the template's labels");
        assertTrue(details.rollouts().stream().allMatch(RestartDetails.Rollout::complete), details.rollouts().toString());
        assertEquals(List.of(3, 2), details.rollouts().stream().map(RestartDetails.Rollout::available).toList());
        assertEquals(2, kubernetes.patches.size());
        assertTrue(kubernetes.callers.stream().allMatch(c -> c.startsWith("arn:aws:")), kubernetes.callers.toString());
        assertFalse(answer.response().contains(EksToken.PREFIX), "the token leaked into the result");
        assertSelectorThreadsReturnTo(selectors);
    }

    @Test
    void aPausedDeploymentIsRefusedAndNothingIsPatched() {
        kubernetes.pause("auth", "api-worker");
        FunctionHandler.Answer answer = invoke(handler(), "{\"target\": \"oidc\"}", TIMEOUT);
        assertEquals(Outcome.REFUSED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("api-worker in auth is paused"), answer.result().summary());
        assertEquals(List.of(), kubernetes.patches);
    }

    @Test
    void aRolloutStillGoingAtTheBudgetsEndIsPartialAndSaysWhere() {
        kubernetes.stuck = true;
        FunctionHandler.Answer answer = invoke(handler(), "{\"target\": \"oidc\"}", Duration.ofSeconds(6));
        assertEquals(Outcome.PARTIAL, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("oidc-provider (waiting for the new pod template to be observed)"), answer.result().summary());
        assertEquals(2, kubernetes.patches.size());
    }

    @Test
    void aDryRunReadsTheDeploymentsAndPatchesNothing() throws InterruptedException {
        long selectors = selectorThreads();
        kubernetes.pause("auth", "api-worker");
        FunctionHandler.Answer answer = invoke(handler(), "{\"target\": \"oidc\", \"dryRun\": true}", TIMEOUT);
        assertEquals(Outcome.DRY_RUN, answer.result().outcome(), answer.response());
        RestartDetails details = (RestartDetails) answer.result().details();
        assertTrue(details.steps().stream().anyMatch(s -> s.startsWith("patch deployment auth/oidc-provider: spec.template.metadata.annotations")),
                details.steps().toString());
        assertTrue(answer.result().warnings().contains("deployment api-worker is paused: a real run is refused until it is resumed"),
                answer.result().warnings().toString());
        assertEquals(List.of(), kubernetes.patches);
        assertSelectorThreadsReturnTo(selectors);
    }

    /** Each connection to a cluster is a JDK HTTP client with a selector thread of its own, which must end with the restart. */
    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith("-SelectorManager")).count();
    }

    private static void assertSelectorThreadsReturnTo(long before) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(5);
        while (selectorThreads() > before && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        assertTrue(selectorThreads() <= before, "a cluster's HTTP client was left running");
    }

    @Test
    void aClusterWhoseCertificateAuthorityIsNotACertificateFailsClearly() {
        try (EksClient eks = new AwsClients(new Env(Fixture.MOTO.awsEnvironment())).build(EksClient.builder())) {
            eks.createCluster(b -> b.name("moto-cluster").roleArn(Fixture.ROLE)
                    .resourcesVpcConfig(v -> v.subnetIds("subnet-1")));
        }
        RestartAuthoriserHandler handler = new RestartAuthoriserHandler(new Env(Fixture.settings(Fixture.MOTO.endpoint(),
                "{\"oidc\": {\"eks\": \"moto-cluster\", \"namespace\": \"auth\", \"deployments\": [\"oidc-provider\"]}}")));
        FunctionHandler.Answer answer = invoke(handler, "{\"target\": \"oidc\"}", TIMEOUT);
        assertEquals(Outcome.FAILED, answer.result().outcome(), answer.response());
        assertTrue(answer.result().summary().contains("certificate authority is not a PEM certificate"), answer.result().summary());
    }

    @Test
    void theTokenIsAPresignedGetCallerIdentityForTheCluster() {
        var credentials = new AwsClients(new Env(Fixture.MOTO.awsEnvironment())).credentials();
        String token = new EksToken(credentials, "eu-west-2", URI.create("https://sts.eu-west-2.amazonaws.com"), Clock.systemUTC()).forCluster("prod");

        assertTrue(token.startsWith("k8s-aws-v1."));
        String encoded = token.substring("k8s-aws-v1.".length());
        assertFalse(encoded.contains("=") || encoded.contains("+") || encoded.contains("/"), "not unpadded base64url: " + encoded);
        URI url = URI.create(new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8));
        assertEquals("sts.eu-west-2.amazonaws.com", url.getHost());
        String query = URLDecoder.decode(url.getRawQuery(), StandardCharsets.UTF_8);
        for (String part : List.of("Action=GetCallerIdentity", "Version=2011-06-15", "X-Amz-Expires=60", "X-Amz-SignedHeaders=host;x-k8s-aws-id",
                "X-Amz-Algorithm=AWS4-HMAC-SHA256", "/eu-west-2/sts/aws4_request")) {
            assertTrue(query.contains(part), part + " missing from " + query);
        }
    }
}
