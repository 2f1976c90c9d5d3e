package authresponder.runner.drill;

import authresponder.core.Json;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CDK app (infra-cdk), synthesized once per drill run for the drill's own deployment: the example
 * configuration with the stage's account, the stage's authoriser as the restart target and no cache AUTH
 * secret. The app runs as {@code bin/auth-responder cdk-app} runs it, in a JVM of its own with
 * CDK_OUTDIR set (no CDK CLI needed); the drill reads the stacks' templates from that cdk.out.
 */
record Synthesis(String name, List<CfnTemplate> stacks) {
    static final String NAME = "drill";
    static final Duration TIMEOUT = Duration.ofMinutes(3);

    /** The stack with the functions and the bus. */
    CfnTemplate responder() {
        return stacks.stream().filter(s -> s.has("AWS::Lambda::Function")).findFirst()
                .orElseThrow(() -> new IllegalStateException("cdk.out holds no stack with the functions"));
    }

    /** The stacks of the alarms, one per region. */
    List<CfnTemplate> alarms() {
        return stacks.stream().filter(s -> !s.has("AWS::Lambda::Function")).toList();
    }

    /** Synthesizes the app into a temporary cdk.out, reads it, and removes it. */
    static Synthesis run(String account, String authoriser) {
        Path root = projectRoot();
        Path infra = root.resolve("infra-cdk");
        Path classpath = infra.resolve("target/classpath.txt");
        if (!Files.isRegularFile(classpath)) {
            throw new IllegalStateException(classpath + " does not exist: build first (mvn -B -DskipTests package at the project root)");
        }
        Path work;
        try {
            work = Files.createTempDirectory("auth-responder-drill-cdk");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path config = work.resolve("config.json");
            Files.writeString(config, Json.write(config(infra.resolve("config.example.json"), account, authoriser)));
            Path out = work.resolve("cdk.out");
            Path log = work.resolve("synth.log");
            JsonObject context = new JsonObject();
            context.addProperty("config", config.toString());
            context.addProperty("functionsDir", root.resolve("functions").toString());
            ProcessBuilder app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", infra.resolve("target/classes") + java.io.File.pathSeparator + Files.readString(classpath).strip(),
                    "authresponder.infra.AuthResponderApp")
                    .directory(infra.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            app.environment().put("CDK_OUTDIR", out.toString());
            app.environment().put("CDK_CONTEXT_JSON", Json.write(context));
            Process process = app.start();
            // Stopped however the drill ends, Ctrl-C included: the app's JVM and the node process jsii runs for it.
            Thread stop = new Thread(() -> {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }, "drill-stop-synth");
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the CDK app did not synthesize within " + TIMEOUT.toMinutes() + " minutes");
                }
            } finally {
                stop.run();
                try {
                    Runtime.getRuntime().removeShutdownHook(stop);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running already
                }
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("the CDK app failed (exit " + process.exitValue() + "):\n" + tail(log));
            }
            return read(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the CDK app synthesized", e);
        } finally {
            delete(work);
        }
    }

    /** The example configuration, made the drill's: its account and authoriser, no AUTH secret (the local Redis has none), no SnapStart. */
    private static JsonObject config(Path example, String account, String authoriser) throws IOException {
        JsonObject config = Json.parseObject(Files.readString(example), example.toString());
        String exampleAccount = config.get("account").getAsString();
        config = Json.parseObject(Json.write(config).replace(exampleAccount, account), example.toString());
        config.addProperty("name", NAME);
        config.addProperty("snapStart", false);
        config.getAsJsonObject("cache").remove("authSecretArn");
        JsonObject target = new JsonObject();
        target.addProperty("lambda", authoriser);
        JsonObject targets = new JsonObject();
        targets.add("api-authoriser", target);
        config.add("restartTargets", targets);
        JsonObject function = new JsonObject();
        function.addProperty("functionName", authoriser);
        function.addProperty("logGroup", "/aws/lambda/" + authoriser);
        config.add("authoriser", function);
        config.remove("environment");
        return config;
    }

    private static Synthesis read(Path out) throws IOException {
        JsonObject manifest = Json.parseObject(Files.readString(out.resolve("manifest.json")), "cdk.out/manifest.json");
        List<CfnTemplate> stacks = new ArrayList<>();
        for (var artifact : manifest.getAsJsonObject("artifacts").entrySet()) {
            JsonObject value = artifact.getValue().getAsJsonObject();
            if (!"aws:cloudformation:stack".equals(value.get("type").getAsString())) {
                continue;
            }
            String[] environment = value.get("environment").getAsString().substring("aws://".length()).split("/");
            Path template = out.resolve(value.getAsJsonObject("properties").get("templateFile").getAsString());
            stacks.add(new CfnTemplate(artifact.getKey(), environment[0], environment[1],
                    Json.parseObject(Files.readString(template), template.toString())));
        }
        return new Synthesis(NAME, List.copyOf(stacks));
    }

    /** The checkout's root: the working directory or one above it that holds infra-cdk/cdk.json. */
    static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("infra-cdk/cdk.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run the drill inside the auth-responder checkout: no infra-cdk/cdk.json above " + Path.of("").toAbsolutePath());
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans what is left
        }
    }
}
