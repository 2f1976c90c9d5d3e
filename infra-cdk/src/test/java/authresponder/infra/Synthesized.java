package authresponder.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import authresponder.core.policy.Policy;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.lambda.Code;

/**
 * The app as the tests see it: the example configuration (and the same with SnapStart on), cdk-nag's
 * AwsSolutions checks applied, and one synthesis each (to a temporary cloud assembly that cfn-lint reads)
 * shared by every test class.
 */
final class Synthesized {
    static final Path EXAMPLE_CONFIG = Path.of("config.example.json");

    final App app;
    final AuthResponderApp.Deployment deployment;
    final Path outdir;
    final DeploymentConfig config;

    private static Synthesized example;
    private static Synthesized snapStart;

    private Synthesized(DeploymentConfig config) {
        outdir = temporaryDirectory("auth-responder-cdk-out");
        this.config = config;
        app = new App(AppProps.builder().outdir(outdir.toString()).context(Map.of()).build());
        Aspects.of(app).add(new AwsSolutionsChecks());
        deployment = AuthResponderApp.build(app, config, Policy.bundled(), placeholderCode());
        app.synth();
    }

    /** The example configuration, synthesized once per test run. */
    static synchronized Synthesized example() {
        if (example == null) {
            example = new Synthesized(AuthResponderApp.fromFile(EXAMPLE_CONFIG));
        }
        return example;
    }

    /** The example configuration with {@code "snapStart": true}, synthesized once per test run. */
    static synchronized Synthesized snapStart() {
        if (snapStart == null) {
            JsonObject json;
            try {
                json = JsonParser.parseString(Files.readString(EXAMPLE_CONFIG)).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            json.addProperty("snapStart", true);
            snapStart = new Synthesized(DeploymentConfig.from(json, "example with snapStart"));
        }
        return snapStart;
    }

    /** Every configuration the app-wide checks (cdk-nag, cfn-lint) run on. */
    static List<Synthesized> all() {
        return List.of(example(), snapStart());
    }

    Template responder() {
        return Template.fromStack(deployment.responder());
    }

    Template alarms(String region) {
        return Template.fromStack(deployment.alarms().stream()
                .filter(s -> region.equals(s.getRegion())).findFirst().orElseThrow());
    }

    /**
     * The tests deploy no function code: an asset of a one-file directory stands in for the jars, so the
     * infrastructure tests do not depend on the function modules having been packaged first.
     */
    static FunctionCode placeholderCode() {
        Path dir = temporaryDirectory("auth-responder-placeholder-code");
        try {
            Files.writeString(dir.resolve("PLACEHOLDER"), "infrastructure tests deploy no function code\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Code code = Code.fromAsset(dir.toString());
        return function -> code;
    }

    /** A temporary directory that is removed, with all it holds, when the test JVM ends. */
    private static Path temporaryDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory: the OS cleans what is left
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
