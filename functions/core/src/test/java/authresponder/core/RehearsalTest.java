package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A rehearsed call goes through the SDK up to the wire and no further; any other call of the same client goes
 * out as before. The wire is a local HTTP server answering as DynamoDB does, which records what reaches it.
 */
class RehearsalTest {
    private static final Map<String, AttributeValue> KEY = Map.of("pk", AttributeValue.fromS("k"), "sk", AttributeValue.fromS("k"));

    private final List<String> received = new CopyOnWriteArrayList<>();
    private HttpServer dynamo;
    private AwsClients clients;

    @BeforeEach
    void startTheWire() throws IOException {
        dynamo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        dynamo.createContext("/", exchange -> {
            received.add(exchange.getRequestHeaders().getFirst("X-Amz-Target") + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        dynamo.start();
        clients = new AwsClients(new Env(Map.of("AWS_REGION", "eu-west-2", "AWS_ENDPOINT_URL", "http://127.0.0.1:" + dynamo.getAddress().getPort(),
                "AWS_ACCESS_KEY_ID", "AKIDROLE", "AWS_SECRET_ACCESS_KEY", "secret")));
    }

    @AfterEach
    void stopTheWire() {
        dynamo.stop(0);
    }

    @Test
    void aRehearsalIsStoppedBeforeTheWireAndTheSameClientsRealCallsGoOut() {
        try (DynamoDbClient client = clients.build(DynamoDbClient.builder())) {
            assertTrue(Rehearsal.run(() -> client.getItem(b -> b.tableName("ledger").key(KEY).overrideConfiguration(Rehearsal.only()))));
            assertEquals(List.of(), received, "a rehearsal sends nothing");

            assertTrue(client.getItem(b -> b.tableName("ledger").key(KEY)).item().isEmpty());
            assertEquals(1, received.size());
            assertTrue(received.getFirst().startsWith("DynamoDB_20120810.GetItem AWS4-HMAC-SHA256 Credential=AKIDROLE/"), received.getFirst());
        }
    }

    @Test
    void theClientsOwnOverridesStayBesideTheStop() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                seen.add(context.request().getClass().getSimpleName());
            }
        };
        try (DynamoDbClient client = clients.build(DynamoDbClient.builder().overrideConfiguration(o -> o.addExecutionInterceptor(recorder)))) {
            assertTrue(Rehearsal.run(() -> client.getItem(b -> b.tableName("ledger").key(KEY).overrideConfiguration(Rehearsal.only()))));
            client.getItem(b -> b.tableName("ledger").key(KEY));

            assertEquals(List.of("GetItemRequest", "GetItemRequest"), seen);
            assertEquals(1, received.size(), "only the real call reached the wire");
        }
    }

    @Test
    void aCallThatFailsBeforeTheWireIsNotCountedAsRehearsed() {
        assertFalse(Rehearsal.run(() -> {
            throw new IllegalStateException("failed while marshalling");
        }));
        assertFalse(Rehearsal.run(() -> {}), "a call that returned was not stopped");
        assertEquals(List.of(), received);
    }
}
