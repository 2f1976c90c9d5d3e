package authresponder.restart;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.LocalContext;
import authresponder.core.ledger.Ledger;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** What the restart tests share: moto, a fresh ledger table, the handler's settings, the samples. */
final class Fixture {
    static final MotoServer MOTO = MotoServer.shared();
    static final String ROLE = "arn:aws:iam::" + MotoServer.ACCOUNT + ":role/authoriser";

    private Fixture() {}

    /** The settings of a handler talking to {@code endpoint} (moto, or a front before it) with a fresh ledger table. */
    static Map<String, String> settings(String endpoint, String targets) {
        Map<String, String> env = new HashMap<>(MOTO.awsEnvironment());
        String table = "ledger-" + UUID.randomUUID();
        try (DynamoDbClient dynamo = new AwsClients(new Env(MOTO.awsEnvironment())).build(DynamoDbClient.builder())) {
            LedgerTable.create(dynamo, table, Ledger.TIME_INDEX);
        }
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("LEDGER_TABLE", table);
        env.put("RESTART_TARGETS", targets);
        return env;
    }

    static FunctionHandler.Answer invoke(RestartAuthoriserHandler handler, String event, Duration timeout) {
        return handler.handle(event.getBytes(StandardCharsets.UTF_8), new LocalContext("restart-authoriser", timeout));
    }

    static String sample(String name) {
        try {
            return Files.readString(Path.of("../../events-samples", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LambdaClient lambda() {
        return new AwsClients(new Env(MOTO.awsEnvironment())).build(LambdaClient.builder());
    }

    static void createRole() {
        MOTO.createRole("authoriser");
    }

    static void createFunction(LambdaClient lambda, String name, Map<String, String> variables) {
        lambda.createFunction(b -> b.functionName(name).runtime(Runtime.JAVA21).role(ROLE).handler("authoriser.Handler::handleRequest")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(MotoServer.placeholderCode()))).environment(e -> e.variables(variables)));
    }
}
