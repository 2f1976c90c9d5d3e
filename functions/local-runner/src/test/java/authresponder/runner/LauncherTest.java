package authresponder.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.testkit.RedisServer;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/auth-responder as a user runs it on day one: from their own directory, with a relative event path, and
 * with JAVA_TOOL_OPTIONS set (the JDK then prints "Picked up JAVA_TOOL_OPTIONS: ..." before anything else).
 */
class LauncherTest {

    @Test
    void invokeTakesARelativeEventPathAndAJdkThatPrintsPickedUp(@TempDir Path checkout, @TempDir Path userDir) throws Exception {
        Path script = checkout.resolve("bin/auth-responder");
        Files.createDirectories(script.getParent());
        Files.copy(Path.of("../../bin/auth-responder"), script);
        script.toFile().setExecutable(true);
        runnerJar(checkout.resolve("functions/local-runner/target/local-runner.jar"));
        Files.copy(Path.of("../../events-samples/flush-cache/flush-jwks-dry-run.json"), userDir.resolve("event.json"));

        try (RedisServer redis = RedisServer.start()) {
            ProcessBuilder launcher = new ProcessBuilder(script.toString(), "invoke", "flush-cache", "--event", "event.json")
                    .directory(userDir.toFile());
            launcher.environment().put("JAVA_HOME", System.getProperty("java.home"));
            launcher.environment().put("JAVA_TOOL_OPTIONS", "-Dauth-responder.launcher-test=true");
            launcher.environment().put("CACHE_URL", redis.url());
            Process process = launcher.start();
            process.getOutputStream().close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher did not end");
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertFalse(err.contains("no JDK"), err);
            assertFalse(err.contains("no such event file"), err);
            assertEquals(0, process.exitValue(), out + err);
            assertTrue(out.contains("\"outcome\":\"DRY_RUN\""), out + err);
        }
    }

    /** The runner's jar as the build makes it, in the copied checkout: its manifest points at this test's own classpath. */
    private static void runnerJar(Path jar) throws Exception {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(file, manifest)) {
            // the manifest is all it needs
        }
    }
}
