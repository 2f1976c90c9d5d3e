package authresponder.restart;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.LocalContext;
import authresponder.core.ledger.LedgerTable;
import authresponder.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
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
            LedgerTable.create(dynamo, table);
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

    /** moto checks that the execution role exists; the IAM API is form-encoded, so a plain request makes it. */
    static void createRole() {
        String form = "Action=CreateRole&Version=2010-05-08&RoleName=authoriser&AssumeRolePolicyDocument="
                + java.net.URLEncoder.encode("{\"Version\":\"2012-10-17\",\"Statement\":[]}", StandardCharsets.UTF_8);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(MOTO.endpoint() + "/"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 && !response.body().contains("EntityAlreadyExists")) {
                throw new IllegalStateException("CreateRole answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void createFunction(LambdaClient lambda, String name, Map<String, String> variables) {
        lambda.createFunction(b -> b.functionName(name).runtime(Runtime.JAVA21).role(ROLE).handler("authoriser.Handler::handleRequest")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(zip()))).environment(e -> e.variables(variables)));
    }

    private static byte[] zip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("authoriser/Handler.class"));
            zip.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
