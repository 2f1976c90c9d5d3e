package authresponder.core.ledger;

import authresponder.core.AwsClients;
import authresponder.core.BadInputException;
import authresponder.core.Budget;
import authresponder.core.Caller;
import authresponder.core.Env;
import authresponder.core.Json;
import authresponder.core.Lazy;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.Redact;
import authresponder.core.Rehearsal;
import authresponder.core.Result;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The action ledger: one DynamoDB table (setting {@code LEDGER_TABLE}) that records every action of the
 * product and holds the cooldown locks. It lives outside the cache it helps repair. A real action runs only
 * after the ledger granted it: the same request acts once (Lambda delivers events at least once), two
 * invocations cannot both act on one target within its cooldown, an override is explicit and audited, and
 * when the ledger cannot be reached nothing acts (a dry run still does).
 *
 * <p>The way to use it, in a function's {@code run}:
 * <pre>{@code
 * Request request = Request.of("restart", target.name(), invocation.caller(), cooldown)
 *         .dryRun(command.dryRun()).force(command.force(), command.reason());
 * return ledger.guard(request, invocation.budget(), RestartDetails.class,
 *         go -> go instanceof Claim.DryRun ? plan(target) : restart(target, invocation.budget()));
 * }</pre>
 * {@link #guard} claims, runs the action only when granted (or for a dry run), records how it ended, and
 * turns a repeat, a cooldown or an unreachable ledger into the matching answer. {@link #claim} and
 * {@link #complete} are its two halves; {@link #recent} tells what was already done.
 *
 * <p>Table: partition key {@code pk} (S), sort key {@code sk} (S); TTL attribute {@code expiresAt}; global
 * secondary index {@code by-time} with partition key {@code feed} (S) and sort key {@code at} (N, epoch ms).
 */
public final class Ledger {
    public static final String TIME_INDEX = "by-time";
    private static final String FEED = "action";
    private static final Duration CALL_CAP = Duration.ofSeconds(3);
    /** A record without its end is "in progress" until this much past its invocation's deadline, then "ended unrecorded". */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(10);
    private static final int RECENT_LIMIT = 100;

    /** What a function does once the ledger lets it go ahead. */
    @FunctionalInterface
    public interface Action<D> {
        Result<D> run(Claim.Go go) throws Exception;
    }

    private final Lazy<DynamoDbClient> client;
    private final String table;
    private final Duration retention;
    private final Clock clock;
    private final Log log = new Log("ledger");

    /**
     * @param client makes the DynamoDB client, on first use or when {@link #client()} is started
     * @param table  null when not configured: every real action is then refused
     */
    public Ledger(Supplier<DynamoDbClient> client, String table, Duration retention, Clock clock) {
        this.client = Lazy.of(client, dynamo -> Rehearsal.run(() -> dynamo.getItem(b -> b.tableName(table == null ? "rehearsal" : table)
                .key(Map.of("pk", text("rehearsal"), "sk", text("rehearsal"))).consistentRead(true).overrideConfiguration(Rehearsal.only()))));
        this.table = table;
        this.retention = retention;
        this.clock = clock;
    }

    /** From the settings LEDGER_TABLE and LEDGER_RETENTION (default 30 days). */
    public static Ledger from(Env env) {
        AwsClients clients = new AwsClients(env);
        return new Ledger(() -> clients.build(DynamoDbClient.builder()), env.optional("LEDGER_TABLE").orElse(null), env.duration("LEDGER_RETENTION", Duration.ofDays(30)),
                Clock.systemUTC());
    }

    /** The ledger's DynamoDB client, made once: one of the first-event clients of a function that acts. */
    public Lazy<?> client() {
        return client;
    }

    /**
     * Claims, acts when the ledger lets it, records the end. An exception from the action is recorded as
     * FAILED (BAD_INPUT for bad input) and thrown on. A dry run's answer gets a warning when a real run
     * would now meet a cooldown or be refused.
     */
    public <D> Result<D> guard(Request request, Budget budget, Class<D> detailsType, Action<D> action) throws Exception {
        Claim claim = claim(request, budget);
        if (claim instanceof Claim.Stop stop) {
            return stop.answer(detailsType);
        }
        Claim.Go go = (Claim.Go) claim;
        Result<D> result;
        try {
            result = action.run(go);
        } catch (BadInputException e) {
            complete(go, Result.of(Outcome.BAD_INPUT, e.getMessage(), null), budget);
            throw e;
        } catch (Exception e) {
            complete(go, Result.of(Outcome.FAILED, e.getClass().getSimpleName() + ": " + Redact.scrub(String.valueOf(e.getMessage())), null), budget);
            throw e;
        }
        if (go instanceof Claim.DryRun dry) {
            result = withWarnings(result, dryRunNotes(dry));
        }
        return complete(go, result, budget);
    }

    /** Asks to act. Never throws for an unreachable ledger: that is {@link Claim.Unavailable}. */
    public Claim claim(Request request, Budget budget) {
        Instant now = clock.instant();
        if (request.dryRun()) {
            return dryRun(request, now, budget);
        }
        if (table == null) {
            return new Claim.Unavailable(request, "LEDGER_TABLE is not set");
        }
        String attempt = UUID.randomUUID().toString();
        boolean recordWritten = false;
        try {
            Map<String, AttributeValue> record = record(request, now, attempt);
            record.put("leaseUntil", number(now.plus(budget.remaining()).plus(LEASE_MARGIN).toEpochMilli()));
            try {
                // The idempotency gate: a new request, or a retry of one that FAILED. A record that never got its end
                // (its invocation died, or could not write it) is never taken over: the action may have happened.
                client.get().putItem(b -> b.tableName(table).item(record)
                        .conditionExpression("attribute_not_exists(pk) OR outcome = :failed")
                        .expressionAttributeValues(Map.of(":failed", text(Outcome.FAILED.name())))
                        .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
            } catch (ConditionalCheckFailedException repeat) {
                Map<String, AttributeValue> first = client.get().getItem(b -> b.tableName(table).key(recordKey(request)).consistentRead(true)
                        .overrideConfiguration(AwsClients.within(budget, CALL_CAP))).item();
                if (!attempt.equals(s(first, "attempt"))) {
                    boolean running = first.isEmpty() || first.containsKey("leaseUntil") && Long.parseLong(first.get("leaseUntil").n()) >= now.toEpochMilli();
                    return new Claim.Duplicate(first.isEmpty() ? entry(record) : entry(first), details(first), running);
                }
                // Our own write: it committed, its reply was lost and the SDK's retry then failed the condition.
                log.warn("claim-reply-lost", "action", request.action(), "target", request.target(), "attempt", attempt);
            }
            recordWritten = true;
            Claim.Cooldown blocking = takeLock(request, now, attempt, budget);
            if (blocking != null) {
                Claim.CoolingDown cooling = new Claim.CoolingDown(request, blocking);
                finish(recordKey(request), attempt, cooling.answer(Void.class), now, budget);
                return cooling;
            }
            log.info("granted", "action", request.action(), "target", request.target(), "requestKey", request.caller().requestKey(),
                    "forced", request.forced(), "reason", request.reason());
            return new Claim.Granted(request, now, attempt);
        } catch (SdkException e) {
            String problem = problem(e);
            log.error("ledger-unavailable", "action", request.action(), "target", request.target(), "problem", problem);
            if (recordWritten) {
                forget(request, attempt, budget);
            }
            return new Claim.Unavailable(request, problem);
        }
    }

    /**
     * Records how a claimed action ended and gives the result back. For a granted action that changed
     * nothing (REFUSED, NO_CHANGE, BAD_INPUT) the cooldown lock is released. Never throws: a record that
     * cannot be written becomes a warning on the result, since the action itself has happened.
     */
    public <D> Result<D> complete(Claim.Go go, Result<D> result, Budget budget) {
        Request request = go.request();
        try {
            switch (go) {
                case Claim.Granted granted -> {
                    finish(recordKey(request), granted.attempt(), result, granted.at(), budget);
                    if (result.outcome() == Outcome.REFUSED || result.outcome() == Outcome.NO_CHANGE || result.outcome() == Outcome.BAD_INPUT) {
                        releaseLock(request, granted.attempt(), budget);
                    }
                }
                case Claim.DryRun dry -> {
                    if (table == null) {
                        return result;
                    }
                    Map<String, AttributeValue> record = record(request, dry.at(), "dry-run");
                    record.putAll(ending(result, dry.at()));
                    client.get().putItem(b -> b.tableName(table).item(record).overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
                }
            }
            return result;
        } catch (SdkException e) {
            if (go instanceof Claim.DryRun) {
                return result; // the dry run already says the ledger is unavailable
            }
            String problem = problem(e);
            log.error("ledger-record-failed", "action", request.action(), "target", request.target(), "problem", problem);
            return withWarnings(result, List.of("the ledger did not record this action's end (" + problem + ")"));
        }
    }

    /** Actions recorded since a time, newest first: all of them, or those on one target (null for all). At most 100. */
    public List<Entry> recent(Instant since, String target, Budget budget) {
        if (table == null) {
            throw new IllegalStateException("LEDGER_TABLE is not set");
        }
        Map<String, String> names = new HashMap<>(Map.of("#at", "at"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":feed", text(FEED), ":since", number(since.toEpochMilli())));
        String filter = null;
        if (target != null) {
            filter = "#target = :target";
            names.put("#target", "target");
            values.put(":target", text(target));
        }
        QueryRequest.Builder query = QueryRequest.builder().tableName(table).indexName(TIME_INDEX)
                .keyConditionExpression("feed = :feed AND #at >= :since").filterExpression(filter)
                .expressionAttributeNames(names).expressionAttributeValues(values).scanIndexForward(false);
        List<Entry> entries = new ArrayList<>();
        Map<String, AttributeValue> next = null;
        do {
            query.exclusiveStartKey(next).overrideConfiguration(AwsClients.within(budget, CALL_CAP));
            QueryResponse page = client.get().query(query.build());
            page.items().stream().limit(RECENT_LIMIT - entries.size()).map(Ledger::entry).forEach(entries::add);
            next = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (next != null && entries.size() < RECENT_LIMIT && !budget.expired());
        return entries;
    }

    private Claim dryRun(Request request, Instant now, Budget budget) {
        if (table == null) {
            return new Claim.DryRun(request, now, null, "LEDGER_TABLE is not set");
        }
        try {
            Map<String, AttributeValue> lock = client.get().getItem(b -> b.tableName(table).key(lockKey(request)).consistentRead(true)
                    .overrideConfiguration(AwsClients.within(budget, CALL_CAP))).item();
            Claim.Cooldown cooldown = lock.isEmpty() ? null : cooldown(lock);
            return new Claim.DryRun(request, now, cooldown != null && cooldown.until().isAfter(now) ? cooldown : null, null);
        } catch (SdkException e) {
            return new Claim.DryRun(request, now, null, problem(e));
        }
    }

    private static List<String> dryRunNotes(Claim.DryRun dry) {
        Request request = dry.request();
        if (dry.ledgerProblem() != null) {
            return List.of("the action ledger is unavailable (" + dry.ledgerProblem() + "): a real run now would be REFUSED");
        }
        if (dry.blockedBy() != null && !request.forced()) {
            return List.of("a cooldown holds until " + dry.blockedBy().until() + " (" + dry.blockedBy().describe()
                    + "): a real run now would answer COOLDOWN unless forced with a reason");
        }
        return List.of();
    }

    /** Takes the cooldown lock, or returns the cooldown that holds it. A forced request takes it whatever holds it. */
    private Claim.Cooldown takeLock(Request request, Instant now, String attempt, Budget budget) {
        Map<String, AttributeValue> lock = new HashMap<>(lockKey(request));
        Instant until = now.plus(request.cooldown());
        lock.put("holder", text(request.caller().requestKey()));
        lock.put("principal", text(request.caller().principal()));
        lock.put("attempt", text(attempt));
        lock.put("at", number(now.toEpochMilli()));
        lock.put("until", number(until.toEpochMilli()));
        lock.put("expiresAt", number(until.plus(Duration.ofDays(1)).getEpochSecond()));
        if (request.forced()) {
            lock.put("reason", text(request.reason()));
            client.get().putItem(b -> b.tableName(table).item(lock).overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
            return null;
        }
        try {
            // Free, expired, or held by this very request (a retry after its own failure).
            client.get().putItem(b -> b.tableName(table).item(lock)
                    .conditionExpression("attribute_not_exists(pk) OR #until <= :now OR holder = :holder")
                    .expressionAttributeNames(Map.of("#until", "until"))
                    .expressionAttributeValues(Map.of(":now", number(now.toEpochMilli()), ":holder", text(request.caller().requestKey())))
                    .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
            return null;
        } catch (ConditionalCheckFailedException held) {
            Map<String, AttributeValue> holder = client.get().getItem(b -> b.tableName(table).key(lockKey(request)).consistentRead(true)
                    .overrideConfiguration(AwsClients.within(budget, CALL_CAP))).item();
            return holder.isEmpty() ? new Claim.Cooldown("unknown", "unknown", now, until, null) : cooldown(holder);
        }
    }

    /**
     * Gives a granted cooldown back before it runs out, for an action that failed without any effect (a
     * page that never reached the pager), so that the next request is not taken for a repeat. Never throws:
     * a lock that cannot be released runs out with its cooldown.
     */
    public void release(Claim.Granted granted, Budget budget) {
        try {
            releaseLock(granted.request(), granted.attempt(), budget);
        } catch (SdkException e) {
            log.error("ledger-release-failed", "action", granted.request().action(), "target", granted.request().target(), "problem", problem(e));
        }
    }

    private void releaseLock(Request request, String attempt, Budget budget) {
        try {
            client.get().deleteItem(b -> b.tableName(table).key(lockKey(request)).conditionExpression("attempt = :attempt")
                    .expressionAttributeValues(Map.of(":attempt", text(attempt))).overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
        } catch (ConditionalCheckFailedException takenOver) {
            // a forced request holds it now: its cooldown stands
        }
    }

    /** Undoes a claim that could not take its lock because the ledger failed midway, so a retry is not held off by a lease. */
    private void forget(Request request, String attempt, Budget budget) {
        try {
            client.get().deleteItem(b -> b.tableName(table).key(recordKey(request)).conditionExpression("attempt = :attempt")
                    .expressionAttributeValues(Map.of(":attempt", text(attempt))).overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
        } catch (SdkException e) {
            // the lease expires on its own
        }
    }

    private void finish(Map<String, AttributeValue> key, String attempt, Result<?> result, Instant at, Budget budget) {
        Map<String, AttributeValue> values = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        StringBuilder update = new StringBuilder("SET ");
        for (var field : ending(result, at).entrySet()) {
            names.put("#" + field.getKey(), field.getKey());
            values.put(":" + field.getKey(), field.getValue());
            update.append(update.length() > 4 ? ", " : "").append('#').append(field.getKey()).append(" = :").append(field.getKey());
        }
        values.put(":attempt", text(attempt));
        client.get().updateItem(b -> b.tableName(table).key(key).updateExpression(update + " REMOVE leaseUntil")
                .conditionExpression("attempt = :attempt").expressionAttributeNames(names).expressionAttributeValues(values)
                .overrideConfiguration(AwsClients.within(budget, CALL_CAP)));
    }

    private Map<String, AttributeValue> ending(Result<?> result, Instant at) {
        Map<String, AttributeValue> fields = new HashMap<>();
        fields.put("outcome", text(result.outcome().name()));
        fields.put("summary", text(result.summary()));
        fields.put("durationMs", number(Duration.between(at, clock.instant()).toMillis()));
        if (result.details() != null) {
            fields.put("details", text(Json.write(result.details())));
        }
        return fields;
    }

    private Map<String, AttributeValue> record(Request request, Instant at, String attempt) {
        Map<String, AttributeValue> item = new HashMap<>(recordKey(request));
        Caller caller = request.caller();
        item.put("feed", text(FEED));
        item.put("at", number(at.toEpochMilli()));
        item.put("action", text(request.action()));
        item.put("target", text(request.target()));
        item.put("callerKind", text(caller.kind().name()));
        item.put("principal", text(caller.principal()));
        item.put("requestKey", text(caller.requestKey()));
        item.put("dryRun", AttributeValue.fromBool(request.dryRun()));
        item.put("attempt", text(attempt));
        item.put("expiresAt", number(at.plus(retention).getEpochSecond()));
        if (request.forced()) {
            item.put("reason", text(request.reason()));
        }
        return item;
    }

    private static Map<String, AttributeValue> recordKey(Request request) {
        return Map.of("pk", text("action#" + request.action() + "#" + request.target()),
                "sk", text((request.dryRun() ? "dry-run#" : "") + request.caller().requestKey()));
    }

    private static Map<String, AttributeValue> lockKey(Request request) {
        return Map.of("pk", text("lock#" + request.action() + "#" + request.target()), "sk", text("lock"));
    }

    private static Entry entry(Map<String, AttributeValue> item) {
        return new Entry(s(item, "action"), s(item, "target"),
                new Caller(Caller.Kind.valueOf(s(item, "callerKind")), s(item, "principal"), s(item, "requestKey")),
                item.containsKey("dryRun") && item.get("dryRun").bool(), s(item, "reason"),
                Instant.ofEpochMilli(Long.parseLong(item.get("at").n())),
                item.containsKey("outcome") ? Outcome.valueOf(s(item, "outcome")) : null, s(item, "summary"),
                item.containsKey("durationMs") ? Duration.ofMillis(Long.parseLong(item.get("durationMs").n())) : null);
    }

    private static JsonElement details(Map<String, AttributeValue> item) {
        return item.containsKey("details") ? JsonParser.parseString(item.get("details").s()) : null;
    }

    private static Claim.Cooldown cooldown(Map<String, AttributeValue> lock) {
        return new Claim.Cooldown(s(lock, "holder"), s(lock, "principal"), Instant.ofEpochMilli(Long.parseLong(lock.get("at").n())),
                Instant.ofEpochMilli(Long.parseLong(lock.get("until").n())), s(lock, "reason"));
    }

    private static <D> Result<D> withWarnings(Result<D> result, List<String> more) {
        if (more.isEmpty()) {
            return result;
        }
        List<String> warnings = new ArrayList<>(result.warnings());
        warnings.addAll(more);
        return Result.of(result.outcome(), result.summary(), result.details(), warnings);
    }

    private static String problem(SdkException e) {
        return e.getClass().getSimpleName() + ": " + Redact.scrub(String.valueOf(e.getMessage()));
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static AttributeValue text(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
