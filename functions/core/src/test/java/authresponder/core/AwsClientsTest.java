package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.testkit.MotoServer;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Every SDK client of a process shares one HTTP client: closing one service client must leave the others working. */
class AwsClientsTest {
    private final AwsClients clients = new AwsClients(new Env(MotoServer.shared().awsEnvironment()));

    @Test
    void aClosedClientLeavesTheSharedHttpClientToTheOthers() {
        String table = "shared-" + UUID.randomUUID();
        try (DynamoDbClient first = clients.build(DynamoDbClient.builder())) {
            first.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
        }
        try (DynamoDbClient second = clients.build(DynamoDbClient.builder())) {
            assertTrue(second.listTables().tableNames().contains(table));
            second.deleteTable(b -> b.tableName(table));
            assertFalse(second.listTables().tableNames().contains(table));
        }
    }
}
