package authresponder.watchkeys;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Json;
import authresponder.core.Lazy;
import authresponder.core.Rehearsal;
import com.google.gson.reflect.TypeToken;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Keeps each provider's {@link WatchState} in the ledger table (item {@code pk = watch-keys#<provider>},
 * {@code sk = state}), outside the cache that watch-keys repairs: a flushed or failed-over cache must not
 * make it forget the keys it saw. Every write is conditional on the version read, so of two invocations that
 * saw the same change only one records it.
 */
final class StateStore {
    private static final Duration CALL_CAP = Duration.ofSeconds(3);
    private static final Type STORED_KEYS = new TypeToken<Map<String, List<String>>>() {}.getType();

    private final Lazy<DynamoDbClient> dynamo;
    private final String table;

    /** The client is built on first use, or from the handler's init phase ({@link #client()}). */
    StateStore(AwsClients clients, String table) {
        this.dynamo = Lazy.of(() -> clients.build(DynamoDbClient.builder()), dynamo -> Rehearsal.run(() -> dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS("rehearsal"), "sk", AttributeValue.fromS("rehearsal"))).consistentRead(true)
                .overrideConfiguration(Rehearsal.only()))));
        this.table = table;
    }

    Lazy<?> client() {
        return dynamo;
    }

    WatchState read(Provider provider, Budget budget) {
        Map<String, AttributeValue> item = dynamo.get().getItem(b -> b.tableName(table).key(key(provider)).consistentRead(true)
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP))).item();
        if (item == null || item.isEmpty()) {
            return WatchState.NONE;
        }
        return new WatchState(
                item.containsKey("keys") ? SigningKeys.fromStored(Json.gson().fromJson(item.get("keys").s(), STORED_KEYS)) : null,
                Long.parseLong(item.get("version").n()),
                instant(item, "seenAt"), instant(item, "failingSince"),
                item.containsKey("failure") ? item.get("failure").s() : null,
                instant(item, "noticeAt"));
    }

    /** Writes the next state over the one read and returns it as stored; empty when another invocation wrote in between. */
    Optional<WatchState> write(Provider provider, WatchState read, WatchState next, Budget budget) {
        Map<String, AttributeValue> item = new HashMap<>(key(provider));
        item.put("issuer", AttributeValue.fromS(provider.issuer().toString()));
        item.put("version", number(read.version() + 1));
        if (next.keys() != null) {
            item.put("keys", AttributeValue.fromS(Json.write(next.keys().stored())));
        }
        put(item, "seenAt", next.seenAt());
        put(item, "failingSince", next.failingSince());
        put(item, "noticeAt", next.noticeAt());
        if (next.failure() != null) {
            item.put("failure", AttributeValue.fromS(next.failure()));
        }
        try {
            dynamo.get().putItem(b -> b.tableName(table).item(item)
                    .conditionExpression(read.version() == 0 ? "attribute_not_exists(pk)" : "version = :read")
                    .expressionAttributeValues(read.version() == 0 ? null : Map.of(":read", number(read.version())))
                    .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
            return Optional.of(next.at(read.version() + 1));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    private static Map<String, AttributeValue> key(Provider provider) {
        return Map.of("pk", AttributeValue.fromS("watch-keys#" + provider.name()), "sk", AttributeValue.fromS("state"));
    }

    private static void put(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, number(value.toEpochMilli()));
        }
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Instant.ofEpochMilli(Long.parseLong(item.get(name).n())) : null;
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
