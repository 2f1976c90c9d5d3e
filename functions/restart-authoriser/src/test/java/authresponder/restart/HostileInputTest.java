package authresponder.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.LocalContext;
import authresponder.core.Log;
import authresponder.testkit.HostileCorpus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;

/**
 * The hostile-input corpus (testkit's hostile/*.json), every case through the handler as Lambda calls it,
 * against moto's Lambda and a real ledger table: each is answered as the corpus says, the authoriser's
 * configuration stays as it was (no marker, no new version) and the ledger stays empty.
 */
class HostileInputTest {
    private static LambdaClient lambda;
    private static DynamoDbClient dynamo;
    private static String function;
    private static String table;
    private static GetFunctionConfigurationResponse before;
    private static RestartAuthoriserHandler handler;

    @BeforeAll
    static void start() {
        lambda = Fixture.lambda();
        dynamo = new AwsClients(new Env(Fixture.MOTO.awsEnvironment())).build(DynamoDbClient.builder());
        Fixture.createRole();
        function = "authoriser-" + UUID.randomUUID().toString().substring(0, 8);
        Fixture.createFunction(lambda, function, Map.of("JWKS_URL", "https://idp.example.com/jwks"));
        before = lambda.getFunctionConfiguration(b -> b.functionName(function));
        Map<String, String> settings = Fixture.settings(Fixture.MOTO.endpoint(), "{\"api-authoriser\": {\"lambda\": \"" + function + "\"}}");
        table = settings.get("LEDGER_TABLE");
        handler = new RestartAuthoriserHandler(new Env(settings));
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        lambda.close();
    }

    static List<HostileCorpus.Case> cases() {
        return HostileCorpus.forFunction("restart-authoriser");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answeredAsTheCorpusSaysAndNothingChanges(HostileCorpus.Case c) {
        HostileCorpus.run(c, (event, response) -> handler.handleRequest(event, response,
                new LocalContext("restart-authoriser", Duration.ofSeconds(30))), Log::redirect);
        GetFunctionConfigurationResponse now = lambda.getFunctionConfiguration(b -> b.functionName(function));
        assertEquals(before.environment().variables(), now.environment().variables(), c + ": the authoriser's configuration changed");
        assertEquals(before.revisionId(), now.revisionId(), c + ": the authoriser was updated");
        assertEquals(1, lambda.listVersionsByFunction(b -> b.functionName(function)).versions().size(), c + ": a version was published");
        assertEquals(0, dynamo.scan(b -> b.tableName(table)).count(), c + ": the ledger changed");
    }
}
