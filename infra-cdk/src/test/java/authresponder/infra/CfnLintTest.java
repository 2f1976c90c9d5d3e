package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** cfn-lint passes on every template the app synthesizes, with SnapStart off and on. */
class CfnLintTest {
    /** cfn-lint's exit code is a bit set: 2 errors, 4 warnings, 8 informational. */
    private static final int ERRORS = 2;
    private static final int WARNINGS = 4;

    @Test
    void everyTemplatePasses() throws IOException, InterruptedException {
        Path cfnLint = onPath("cfn-lint");
        if (cfnLint == null) {
            String warning = "\n*** cfn-lint is NOT installed: the synthesized templates were NOT linted. "
                    + "Install it (pip install cfn-lint) or run the README's test command. ***\n";
            System.err.println(warning);
            Assumptions.abort(warning);
        }
        List<String> templates = new ArrayList<>();
        for (Synthesized app : Synthesized.all()) {
            try (Stream<Path> files = Files.list(app.outdir)) {
                List<String> synthesized = files.map(Path::toString).filter(name -> name.endsWith(".template.json")).sorted().toList();
                assertEquals(1 + app.config.regions().size(), synthesized.size(), "one template per stack: " + synthesized);
                templates.addAll(synthesized);
            }
        }

        // W3005: CDK makes each function depend on its role explicitly; the GetAtt already orders them. Harmless.
        // "--" ends --ignore-checks' list of checks: without it the templates would be read as check ids, and cfn-lint
        // would wait for a template on its standard input instead.
        List<String> command = new ArrayList<>(List.of(cfnLint.toString(), "--format", "parseable", "--ignore-checks", "W3005", "--"));
        command.addAll(templates);
        Process lint = new ProcessBuilder(command).redirectErrorStream(true).start();
        String report = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertFalse(!lint.waitFor(2, TimeUnit.MINUTES), "cfn-lint did not finish in 2 minutes");
        int exit = lint.exitValue();
        assertEquals(0, exit & (ERRORS | WARNINGS), "cfn-lint found errors or warnings (exit " + exit + "):\n" + report);
    }

    private static Path onPath(String executable) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
