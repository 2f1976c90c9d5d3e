package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import authresponder.core.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** The configuration is checked as a whole at synth time; every mistake is named with its path. */
class ConfigTest {
    private static JsonObject example() throws IOException {
        return JsonParser.parseString(Files.readString(Synthesized.EXAMPLE_CONFIG)).getAsJsonObject();
    }

    private static List<String> problems(Consumer<JsonObject> change) throws IOException {
        JsonObject config = example();
        change.accept(config);
        return assertThrows(InvalidConfigException.class, () -> DeploymentConfig.from(config, "test")).problems();
    }

    @Test
    void theExampleIsValid() throws IOException {
        DeploymentConfig config = DeploymentConfig.from(example(), "example");
        assertEquals("eu-west-2", config.primaryRegion());
        assertEquals(List.of("eu-west-2", "eu-west-1"), config.regions());
        assertEquals(6379, config.cache().port());
        assertEquals("https://auth.example.gov.uk", config.identityProviders().get("scotaccount").issuer());
        assertEquals(new DeploymentConfig.RestartTarget.Eks("auth", "auth", List.of("oidc-provider")), config.restartTargets().get("oidc"));
        assertEquals(new DeploymentConfig.RestartTarget.Lambda("commandbridge-authoriser", "live"), config.restartTargets().get("api-authoriser"));
        AuthResponderApp.check(config, Policy.bundled());
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsPath() throws IOException {
        List<String> problems = problems(c -> {
            c.remove("account");
            c.addProperty("primaryRegion", "mars-1");
            c.getAsJsonObject("cache").addProperty("port", 70000);
            c.getAsJsonObject("network").getAsJsonArray("subnetIds").remove(1);
            c.addProperty("opsConsoleRoleArn", "commandbridge-console");
        });
        assertEquals(List.of(
                "account is required",
                "primaryRegion must be a region such as eu-west-2, got 'mars-1'",
                "opsConsoleRoleArn must be an IAM role ARN, got 'commandbridge-console'",
                "network.subnetIds must list one subnet per availability zone, in the same order",
                "cache.port must be between 1 and 65535, got 70000"), problems);
    }

    @Test
    void aMisspeltSettingIsNotSilentlyIgnored() throws IOException {
        assertEquals(List.of("cache.replicationGroup is not a known setting"),
                problems(c -> c.getAsJsonObject("cache").addProperty("replicationGroup", "x")));
        assertEquals(List.of("environment.flush-cach is not a known setting"),
                problems(c -> c.getAsJsonObject("environment").add("flush-cach", new JsonObject())));
        assertEquals(List.of("identityProviders.scotaccount.issuer must be an https URL, got 'http://idp.example'"),
                problems(c -> c.getAsJsonObject("identityProviders").getAsJsonObject("scotaccount").addProperty("issuer", "http://idp.example")));
    }

    /** Defect 4: the 401 spike's baseline is a deployment setting, checked at synth time with its key named. */
    @Test
    void alarmBaselinesArePositiveNumbersOfRunbookAlarmsWithABaseline() throws IOException {
        assertEquals(Map.of("auth-401-spike", 0.5), DeploymentConfig.from(example(), "example").alarmBaselines());
        assertEquals(List.of("alarmBaselines.auth-401-spike must be above 0"),
                problems(c -> c.getAsJsonObject("alarmBaselines").addProperty("auth-401-spike", 0)));
        assertEquals(List.of("alarmBaselines.auth-401-spike must be a number between 0.0 and 100.0"),
                problems(c -> c.getAsJsonObject("alarmBaselines").addProperty("auth-401-spike", "0.5%")));
        JsonObject config = example();
        config.getAsJsonObject("alarmBaselines").addProperty("auth-error-rate", 1);
        InvalidConfigException error = assertThrows(InvalidConfigException.class,
                () -> AuthResponderApp.check(DeploymentConfig.from(config, "test"), Policy.bundled()));
        assertEquals(List.of("alarmBaselines.auth-error-rate is not a runbook alarm with a baseline: one of [auth-401-spike]"), error.problems());
        // Without the setting, the runbook's baseline.
        JsonObject without = example();
        without.remove("alarmBaselines");
        var alarm = Policy.bundled().alarm("auth-401-spike").orElseThrow();
        assertEquals(2.5, DeploymentConfig.from(without, "test").threshold(alarm), 1e-9);
    }

    @Test
    void snapStartIsTrueOrFalse() throws IOException {
        assertEquals(List.of("snapStart must be true or false"), problems(c -> c.addProperty("snapStart", "yes")));
    }

    @Test
    void regionsTeamsAndRetentionMustFitTogether() throws IOException {
        assertEquals(List.of("regions must include the primary region eu-west-2"), problems(c -> {
            JsonArray regions = new JsonArray();
            regions.add("eu-west-1");
            c.add("regions", regions);
        }));
        assertEquals(List.of("network.availabilityZones must be zones of the primary region eu-west-2"),
                problems(c -> c.getAsJsonObject("network").getAsJsonArray("availabilityZones").set(1, new com.google.gson.JsonPrimitive("eu-west-1b"))));
        assertTrue(problems(c -> c.addProperty("logRetentionDays", 10)).getFirst().startsWith("logRetentionDays must be one of CloudWatch Logs' periods"));
        assertEquals(List.of("opsConsoleRoleArn must be a role of account 111122223333"),
                problems(c -> c.addProperty("opsConsoleRoleArn", "arn:aws:iam::999999999999:role/console")));
    }

    @Test
    void lambdaOwnSettingsCannotBeConfigured() throws IOException {
        assertEquals(List.of("environment.diagnose.AWS_REGION is set by Lambda and cannot be configured"), problems(c -> {
            JsonObject variables = new JsonObject();
            variables.addProperty("AWS_REGION", "us-east-1");
            c.getAsJsonObject("environment").add("diagnose", variables);
        }));
    }

    @Test
    void aRestartTargetIsALambdaFunctionOrEksDeployments() throws IOException {
        assertEquals(List.of("restartTargets.oidc must name either a Lambda function (lambda) or an EKS cluster (eks)"), problems(c -> {
            c.getAsJsonObject("restartTargets").getAsJsonObject("oidc").addProperty("lambda", "x");
        }));
        assertEquals(List.of("restartTargets.oidc.deployments is required"),
                problems(c -> c.getAsJsonObject("restartTargets").getAsJsonObject("oidc").remove("deployments")));
    }

    @Test
    void theConfigurationMustFitTheRunbooks() throws IOException {
        JsonObject config = example();
        config.getAsJsonObject("restartTargets").remove("api-authoriser");
        config.getAsJsonObject("teams").add("payments", new JsonObject());
        config.addProperty("fallbackTeam", "payments");
        config.getAsJsonObject("metricDimensions").add("AWS/ApiGateway", new JsonObject());
        DeploymentConfig parsed = DeploymentConfig.from(config, "test");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> AuthResponderApp.check(parsed, Policy.bundled()));
        assertEquals(List.of(
                "teams.payments is not a team of runbooks/routing.json: one of [identity-platform, iam-security, auth-team, backend]",
                "fallbackTeam must be a team of runbooks/routing.json: one of [identity-platform, iam-security, auth-team, backend]",
                "restartTargets.api-authoriser is required: the runbooks' action restart-authoriser restarts it",
                "metricDimensions.AWS/ApiGateway is not a namespace the runbooks' alarms read: one of [AuthService]"), e.problems());
    }

    @Test
    void theConfigurationComesFromAFileOrTheContextButNotBoth(@TempDir Path dir) throws IOException {
        InvalidConfigException none = assertThrows(InvalidConfigException.class,
                () -> AuthResponderApp.configFrom(new App(AppProps.builder().context(Map.of()).build())));
        assertTrue(none.getMessage().contains("no configuration: pass -c config=FILE"), none.getMessage());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{ \"account\": ");
        InvalidConfigException notJson = assertThrows(InvalidConfigException.class, () -> AuthResponderApp.fromFile(broken));
        assertTrue(notJson.getMessage().contains("is not valid JSON"), notJson.getMessage());

        App both = new App(AppProps.builder().context(Map.of("config", "x.json", "auth-responder", Map.of())).build());
        assertTrue(assertThrows(InvalidConfigException.class, () -> AuthResponderApp.configFrom(both)).getMessage().contains("not both"));

        App inline = new App(AppProps.builder().context(Map.of("config", Synthesized.EXAMPLE_CONFIG.toString())).build());
        assertEquals("111122223333", AuthResponderApp.configFrom(inline).account());
    }

    @Test
    void aMissingJarStopsTheSynthWithTheBuildCommand(@TempDir Path dir) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FunctionCode.builtJars(dir).of(FunctionSpec.DIAGNOSE));
        assertTrue(e.getMessage().endsWith("diagnose/target/diagnose.jar does not exist: build the functions first "
                + "(mvn -B -DskipTests package at the project root)"), e.getMessage());
    }
}
