package authresponder.infra;

import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: a responder stack in the primary region and an alarms stack in every region. Run by the
 * CDK CLI (infra-cdk/cdk.json), or directly with CDK_OUTDIR set to synthesize offline.
 */
public final class AuthResponderApp {
    /** Context key naming a JSON configuration file. */
    static final String CONFIG_FILE = "config";
    /** Context key holding the configuration itself, as an object (cdk.json). */
    static final String CONFIG_OBJECT = "auth-responder";
    /** Context key: the directory of the function modules, whose jars are deployed. */
    static final String FUNCTIONS_DIR = "functionsDir";

    private AuthResponderApp() {}

    public static void main(String[] args) {
        App app = new App();
        try {
            DeploymentConfig config = configFrom(app);
            Object functionsDir = app.getNode().tryGetContext(FUNCTIONS_DIR);
            build(app, config, Policy.bundled(), FunctionCode.builtJars(Path.of(functionsDir == null ? "../functions" : functionsDir.toString())));
        } catch (InvalidConfigException | IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        app.synth();
    }

    /** The stacks of one deployment: checked against the policy first, so nothing half-made is synthesized. */
    public static Deployment build(App app, DeploymentConfig config, Policy policy, FunctionCode code) {
        check(config, policy);
        Environment primary = Environment.builder().account(config.account()).region(config.primaryRegion()).build();
        ResponderStack responder = new ResponderStack(app, config.name() + "-responder",
                StackProps.builder().env(primary).description("auth-responder: functions, routing, ledger, on-call topics").build(),
                config, policy, code);
        List<RegionalAlarmsStack> alarms = new ArrayList<>();
        for (String region : config.regions()) {
            RegionalAlarmsStack stack = new RegionalAlarmsStack(app, config.name() + "-alarms-" + region,
                    StackProps.builder()
                            .env(Environment.builder().account(config.account()).region(region).build())
                            .description("auth-responder: alarms of " + region + ", forwarded to " + config.primaryRegion())
                            .build(),
                    config, policy);
            stack.addStackDependency(responder, "alarm events are forwarded to the responder's bus");
            alarms.add(stack);
        }
        return new Deployment(responder, List.copyOf(alarms));
    }

    public record Deployment(ResponderStack responder, List<RegionalAlarmsStack> alarms) {}

    /**
     * The configuration against the runbooks: the teams it subscribes are the routing's, the targets the
     * routing's commands restart are configured, the namespaces it adds dimensions to are the alarms'; and
     * the functions the routing names are the ones this app deploys.
     */
    static void check(DeploymentConfig config, Policy policy) {
        Routing routing = policy.routing();
        if (!routing.functions().keySet().equals(new TreeSet<>(FunctionSpec.ids()))) {
            throw new IllegalStateException("runbooks/routing.json names the functions " + new TreeSet<>(routing.functions().keySet())
                    + " but this app deploys " + new TreeSet<>(FunctionSpec.ids()) + ": add the function to FunctionSpec");
        }
        List<String> problems = new ArrayList<>();
        config.teams().keySet().stream().filter(team -> !routing.teams().containsKey(team)).forEach(team ->
                problems.add("teams." + team + " is not a team of runbooks/routing.json: one of " + routing.teams().keySet()));
        if (config.fallbackTeam() != null && !routing.teams().containsKey(config.fallbackTeam())) {
            problems.add("fallbackTeam must be a team of runbooks/routing.json: one of " + routing.teams().keySet());
        }
        routing.actions().forEach((name, action) -> {
            if (action.function().equals(FunctionSpec.RESTART_AUTHORISER.id()) && action.command().has("target")) {
                String target = action.command().get("target").getAsString();
                if (!config.restartTargets().containsKey(target)) {
                    problems.add("restartTargets." + target + " is required: the runbooks' action " + name + " restarts it");
                }
            }
        });
        Set<String> namespaces = new TreeSet<>();
        policy.alarms().forEach(alarm -> alarm.metricNames().forEach(metric -> namespaces.add(metric.substring(0, metric.indexOf('/')))));
        config.metricDimensions().keySet().stream().filter(ns -> !namespaces.contains(ns)).forEach(ns ->
                problems.add("metricDimensions." + ns + " is not a namespace the runbooks' alarms read: one of " + namespaces));
        List<String> withBaseline = policy.alarms().stream().filter(a -> a.baseline() != null).map(a -> a.name()).toList();
        config.alarmBaselines().keySet().stream().filter(alarm -> !withBaseline.contains(alarm)).forEach(alarm ->
                problems.add("alarmBaselines." + alarm + " is not a runbook alarm with a baseline: one of " + withBaseline));
        if (!problems.isEmpty()) {
            throw new InvalidConfigException("against the runbooks", problems);
        }
    }

    /** The configuration from the context: a file named by {@code config}, or the object {@code auth-responder}. */
    static DeploymentConfig configFrom(App app) {
        Object file = app.getNode().tryGetContext(CONFIG_FILE);
        Object inline = app.getNode().tryGetContext(CONFIG_OBJECT);
        if (file != null && inline != null) {
            throw new InvalidConfigException("context", List.of("give the configuration once: either -c " + CONFIG_FILE
                    + "=FILE or the context object '" + CONFIG_OBJECT + "', not both"));
        }
        if (file != null) {
            return fromFile(Path.of(file.toString()));
        }
        if (inline != null) {
            JsonElement tree = new Gson().toJsonTree(inline);
            if (!tree.isJsonObject()) {
                throw new InvalidConfigException("context", List.of("context '" + CONFIG_OBJECT + "' must be an object"));
            }
            return DeploymentConfig.from(tree.getAsJsonObject(), "context '" + CONFIG_OBJECT + "'");
        }
        throw new InvalidConfigException("context", List.of("no configuration: pass -c " + CONFIG_FILE
                + "=FILE (see config.example.json) or put the object '" + CONFIG_OBJECT + "' in cdk.json's context"));
    }

    static DeploymentConfig fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
        }
        JsonElement tree;
        try {
            tree = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new InvalidConfigException(file.toString(), List.of("is not valid JSON: " + e.getMessage()));
        }
        if (!tree.isJsonObject()) {
            throw new InvalidConfigException(file.toString(), List.of("must hold one JSON object"));
        }
        return DeploymentConfig.from(tree.getAsJsonObject(), file.toString());
    }
}
