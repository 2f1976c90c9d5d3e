package authresponder.coldstartfloor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What any Java function that calls AWS pays before its own code: one DynamoDB client, built in the init phase
 * the way the AWS SDK's guide advises for a fast Lambda start (the url-connection HTTP client, the region and
 * the credentials named rather than looked up; the endpoint from AWS_ENDPOINT_URL, which the SDK reads itself),
 * and one GetItem per invocation on the benchmark world's ledger table. The benchmark measures it beside the
 * functions, in the same run, so a cold-start target can be read against the SDK's own floor.
 */
public final class SdkFloorHandler implements RequestStreamHandler {
    private final DynamoDbClient dynamo = DynamoDbClient.builder()
            .httpClient(UrlConnectionHttpClient.create())
            .region(Region.of(System.getenv(SdkSystemSetting.AWS_REGION.environmentVariable())))
            .credentialsProvider(EnvironmentVariableCredentialsProvider.create())
            .build();
    private final String table = System.getenv("LEDGER_TABLE");

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        boolean found = dynamo.getItem(request -> request.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS("sdk-floor"), "sk", AttributeValue.fromS("sdk-floor")))).hasItem();
        output.write(("{\"outcome\":\"" + (found ? "FOUND" : "NOT_FOUND") + "\"}").getBytes(StandardCharsets.UTF_8));
    }
}
