package authresponder.diagnose;

import authresponder.core.Env;
import authresponder.core.LocalContext;
import authresponder.core.Log;
import authresponder.testkit.HostileCorpus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus (testkit's hostile/*.json) through diagnose's handler as Lambda calls it. diagnose
 * changes nothing, so what is proved is the answer: each case is refused or ignored as the corpus says,
 * before any check runs (the issuer is a closed loopback port: a check that ran would say so).
 */
class HostileInputTest {
    private static final DiagnoseHandler HANDLER = new DiagnoseHandler(new Env(Map.of("IDP_ISSUER", "http://127.0.0.1:9/idp")));

    static List<HostileCorpus.Case> cases() {
        return HostileCorpus.forFunction("diagnose");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answeredAsTheCorpusSays(HostileCorpus.Case c) {
        HostileCorpus.run(c, (event, response) -> HANDLER.handleRequest(event, response,
                new LocalContext("diagnose", Duration.ofSeconds(10))), Log::redirect);
    }
}
