package authresponder.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awscdk.services.lambda.Code;

/** Where each function's deployable code comes from. */
@FunctionalInterface
public interface FunctionCode {
    Code of(FunctionSpec function);

    /**
     * The jar each function module builds, {@code functions/<name>/target/<name>.jar}; a missing jar
     * stops the synth with the command that builds it, so a stale or empty deployment cannot happen.
     */
    static FunctionCode builtJars(Path functionsDir) {
        return function -> {
            Path jar = functionsDir.resolve(function.id()).resolve("target").resolve(function.id() + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar.toAbsolutePath().normalize()
                        + " does not exist: build the functions first (mvn -B -DskipTests package at the project root)");
            }
            return Code.fromAsset(jar.toString());
        };
    }
}
