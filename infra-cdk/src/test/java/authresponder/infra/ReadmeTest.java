package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/deployment.md's table of the functions says what the app deploys. */
class ReadmeTest {
    @Test
    void theFunctionsTableMatchesWhatIsDeployed() throws IOException {
        String readme = Files.readString(Path.of("../docs/deployment.md"));
        for (FunctionSpec spec : FunctionSpec.values()) {
            long seconds = spec.timeout().toSeconds();
            String row = "| " + spec.id() + " | " + spec.memoryMb() + " MB | " + (seconds < 60 ? seconds + " s" : seconds / 60 + " min")
                    + " | " + spec.reservedConcurrency() + " | " + spec.retries();
            assertTrue(readme.contains(row), "docs/deployment.md, The functions: expected a row starting " + row);
            assertTrue(readme.contains(row) && readme.substring(readme.indexOf(row)).lines().findFirst().orElseThrow()
                    .endsWith("| " + (spec.inCacheVpc() ? "yes" : "no") + " |"), spec.id() + ": in the cache's VPC");
        }
    }
}
