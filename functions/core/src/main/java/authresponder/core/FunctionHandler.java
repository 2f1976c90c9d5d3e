package authresponder.core;

import authresponder.core.policy.Policy;
import authresponder.core.policy.Routing;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The edge of every function. One handler takes every input shape (an alarm event, another function's
 * result, a schedule, a Function URL request, a direct command), turns it into the function's one typed
 * command, runs it, and answers with one typed {@link Result}: as JSON for a direct invoke, as an HTTP
 * response for a Function URL. Bad input gets a clear error and no action; nothing past this class sees
 * a raw event.
 *
 * @param <C> the function's command record: unknown fields and wrong types are refused when binding it
 * @param <D> the function's result details
 */
public abstract class FunctionHandler<C extends Record, D> implements RequestStreamHandler {
    /** Lambda's own limit for a synchronous payload; anything larger is not read at all. */
    static final int MAX_EVENT_BYTES = 6 * 1024 * 1024;
    /** A command is a few hundred bytes; a body past this is refused with 413. */
    public static final int MAX_COMMAND_BYTES = 16 * 1024;
    /** What priming feeds the edge: a signed Function URL GET, refused (405) before any command exists. */
    private static final byte[] PRIMING_REQUEST = ("{\"requestContext\":{\"http\":{\"method\":\"GET\"},\"authorizer\":{\"iam\":"
            + "{\"accountId\":\"000000000000\",\"userArn\":\"arn:aws:iam::000000000000:user/priming\"}}},\"body\":\"{}\"}")
            .getBytes(StandardCharsets.UTF_8);
    /** The variable that names the deployment: its alarms are named DEPLOYMENT_NAME-alarm (see {@link Routing#alarmNamed}). */
    public static final String DEPLOYMENT_NAME = "DEPLOYMENT_NAME";
    /** CloudWatch's event when an alarm is created, changed or deleted: nothing for these functions to act on. */
    static final String CONFIGURATION_CHANGE = "CloudWatch Alarm Configuration Change";

    protected final String name;
    protected final Env env;
    protected final Log log;
    private final Class<C> commandType;
    private final Priming priming;

    protected FunctionHandler(String name, Class<C> commandType, Env env) {
        this.name = name;
        this.commandType = commandType;
        this.env = env;
        this.log = new Log(name);
        this.priming = Priming.of(this, env);
        AwsClients.prepareHttp();
    }

    /** This function's SnapStart hooks (registered with CRaC during a SnapStart init). */
    public final Priming priming() {
        return priming;
    }

    /** The clients every event of this function needs: {@link #prepare()} builds them, {@link #prime()} rehearses them too. */
    protected List<Lazy<?>> firstEventClients() {
        return List.of();
    }

    /**
     * Starts building, each on a thread of its own, the clients this function's first event needs, so they are
     * built during the init phase beside the rest of it instead of after it. Lambda's entry point (each
     * function's no-arg constructor) calls it; a function made by another one or by a test builds them on
     * first use. It only starts threads: no network call, and a failure shows at first use as it would without.
     */
    protected final void prepare() {
        firstEventClients().forEach(Lazy::startNow);
    }

    /**
     * Readies this function for its first event without acting on anything: for the SnapStart snapshot and
     * for the training run of a package-time AOT cache. The edge reads a request it refuses before any
     * command exists, binds an empty command and writes the answer and its log line to nowhere, then builds
     * the {@link #firstEventClients()} and rehearses each one's first call ({@link Rehearsal}: marshalled and
     * signed, never sent), and rehearses a TLS handshake in memory ({@link TlsRehearsal}), since the first AWS
     * call opens a TLS connection: no network call, no action.
     */
    public void prime() {
        PrintStream logs = Log.redirect(new PrintStream(OutputStream.nullOutputStream()));
        try {
            handle(PRIMING_REQUEST, null);
            try {
                Json.bind(new JsonObject(), commandType);
            } catch (RuntimeException refused) {
                // a command may refuse to exist empty; binding it has loaded all that binding needs
            }
        } finally {
            Log.redirect(logs);
        }
        firstEventClients().forEach(Lazy::prime);
        TlsRehearsal.run();
    }

    /**
     * After a SnapStart restore, before the first event: a function that keeps state which must differ
     * between environments restored from one snapshot makes it anew here. The AWS credentials are renewed
     * already ({@link AwsClients#renewCredentials()}).
     */
    protected void restored() {}

    /** What one invocation knows besides its command. */
    public record Invocation(Caller caller, Budget budget, Trigger trigger, Context context) {}

    /** The result, who asked (null when the event could not be read), and the exact response written back to Lambda. */
    public record Answer(Result<?> result, Caller caller, int httpStatus, String response) {}

    /**
     * Turns a trigger into this function's command. Commands are bound as they are; a function that is
     * started by alarms, other functions' results or a schedule overrides this for those.
     */
    protected C commandFor(Trigger trigger) {
        return switch (trigger) {
            case Trigger.Command command -> Json.bind(command.body(), commandType);
            case Trigger.Alarm alarm -> throw new BadInputException(name + " is not started by alarm events");
            case Trigger.FunctionResult result -> throw new BadInputException(name + " is not started by other functions' results");
            case Trigger.Schedule schedule -> throw new BadInputException(name + " is not started by a schedule");
        };
    }

    /** Checks a bound command beyond its types (known target, known scope, ...); throws BadInputException. */
    protected void check(C command) {}

    /** Does the work within the budget. Throw BadInputException for input that turns out wrong; any other exception is a failure. */
    protected abstract Result<D> run(C command, Invocation invocation) throws Exception;

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] event = input.readNBytes(MAX_EVENT_BYTES + 1);
        Answer answer = handle(event, context);
        output.write(answer.response().getBytes(StandardCharsets.UTF_8));
        Caller.Kind kind = answer.caller() == null ? null : answer.caller().kind();
        if (answer.result().outcome() == Outcome.FAILED && (kind == Caller.Kind.ALARM || kind == Caller.Kind.EVENT)) {
            // An event-driven invocation that failed must fail in Lambda's eyes too: its retries and the
            // on-failure destination (which pages a human) take over.
            throw new ActionFailedException(answer.result().summary());
        }
    }

    /** The whole edge, for Lambda, the local runner and tests alike. */
    public Answer handle(byte[] event, Context context) {
        Instant started = Instant.now();
        Budget budget = Budget.of(context);
        boolean functionUrl = false;
        String requestKey = context == null ? "local" : "lambda:" + context.getAwsRequestId();
        Caller caller = null;
        try {
            if (event.length > MAX_EVENT_BYTES) {
                throw new TooLarge("the event is larger than " + MAX_EVENT_BYTES + " bytes");
            }
            JsonObject json = Json.parseObject(new String(event, StandardCharsets.UTF_8), "the event");
            functionUrl = isFunctionUrl(json);
            Parsed parsed = functionUrl ? fromFunctionUrl(json, requestKey) : fromEvent(json, requestKey, context);
            caller = parsed.caller();
            requestKey = caller.requestKey();
            Result<D> result = execute(commandFor(parsed.trigger()), new Invocation(caller, budget, parsed.trigger(), context), started);
            return answer(result, caller, functionUrl, result.outcome().httpStatus());
        } catch (WrongMethod e) {
            return answer(badInput(e.getMessage(), requestKey, started), caller, true, 405);
        } catch (Stop e) {
            String message = Redact.text(e.getMessage());
            log.warn("not-acted-on", "outcome", e.outcome, "message", message);
            Result<D> result = Result.<D>of(e.outcome, message, null).stamped(name, requestKey, started);
            return answer(result, caller, functionUrl, e.status);
        } catch (TooLarge e) {
            return answer(badInput(e.getMessage(), requestKey, started), caller, functionUrl, 413);
        } catch (BadInputException e) {
            return answer(badInput(e.getMessage(), requestKey, started), caller, functionUrl, 400);
        } catch (Exception e) {
            return answer(failure(e, requestKey, started), caller, functionUrl, Outcome.FAILED.httpStatus());
        }
    }

    /**
     * Runs this function's action inside another function's invocation (watch-keys asks flush-cache and
     * restart-authoriser): the command is bound and checked as at the edge and run with the same ledger,
     * cooldowns and dry run, on behalf of the given caller. Never throws: bad input and failures are
     * results, as at the edge. The invocation's Lambda context is null.
     */
    public Result<D> perform(JsonObject command, Caller caller, Budget budget) {
        Instant started = Instant.now();
        try {
            return execute(Json.bind(command, commandType), new Invocation(caller, budget, new Trigger.Command(command), null), started);
        } catch (BadInputException e) {
            return badInput(e.getMessage(), caller.requestKey(), started);
        } catch (Exception e) {
            return failure(e, caller.requestKey(), started);
        }
    }

    private Result<D> execute(C command, Invocation invocation, Instant started) throws Exception {
        check(command);
        Caller caller = invocation.caller();
        log.info("invocation", "caller", caller.kind(), "principal", caller.principal(), "requestKey", caller.requestKey(), "command", command);
        Result<D> result = run(command, invocation).stamped(name, caller.requestKey(), started);
        log.info("result", "outcome", result.outcome(), "summary", result.summary(),
                "durationMs", result.duration().toMillis(), "warnings", result.warnings());
        return result;
    }

    private Result<D> badInput(String raw, String requestKey, Instant started) {
        // A message may quote what the caller sent (an unknown field, scope or target): never a secret in it.
        String message = Redact.text(raw);
        log.warn("bad-input", "message", message);
        return Result.<D>of(Outcome.BAD_INPUT, message, null).stamped(name, requestKey, started);
    }

    private Result<D> failure(Exception e, String requestKey, Instant started) {
        String summary;
        if (e instanceof ConfigException) {
            log.error("configuration", "message", e.getMessage());
            summary = "configuration error: " + e.getMessage();
        } else {
            String message = Redact.scrub(String.valueOf(e.getMessage()));
            log.error("failure", "type", e.getClass().getName(), "message", message);
            summary = name + " failed: " + e.getClass().getSimpleName() + ": " + message;
        }
        return Result.<D>of(Outcome.FAILED, summary, null).stamped(name, requestKey, started);
    }

    private static Answer answer(Result<?> result, Caller caller, boolean functionUrl, int status) {
        String body = Json.write(result);
        if (!functionUrl) {
            return new Answer(result, caller, status, body);
        }
        JsonObject response = new JsonObject();
        response.addProperty("statusCode", status);
        JsonObject headers = new JsonObject();
        headers.addProperty("content-type", "application/json");
        if (status == 405) {
            headers.addProperty("allow", "POST");
        }
        response.add("headers", headers);
        response.addProperty("body", body);
        response.addProperty("isBase64Encoded", false);
        return new Answer(result, caller, status, Json.write(response));
    }

    private record Parsed(Trigger trigger, Caller caller) {}

    private static boolean isFunctionUrl(JsonObject json) {
        return json.has("requestContext") && json.get("requestContext").isJsonObject()
                && json.getAsJsonObject("requestContext").has("http");
    }

    private Parsed fromFunctionUrl(JsonObject request, String fallbackKey) {
        JsonObject context = request.getAsJsonObject("requestContext");
        String principal = principal(context);
        JsonObject http = AlarmEvent.object(context, "http", "requestContext");
        String method = AlarmEvent.text(http, "method");
        if (!"POST".equalsIgnoreCase(method)) {
            throw new WrongMethod("method " + method + " is not allowed: send the command as JSON with POST");
        }
        String body = AlarmEvent.text(request, "body");
        if (body == null || body.isBlank()) {
            throw new BadInputException("the request has no body: send the command as a JSON object");
        }
        byte[] bytes = "true".equals(AlarmEvent.text(request, "isBase64Encoded")) ? decode(body) : body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_COMMAND_BYTES) {
            throw new TooLarge("the body is " + bytes.length + " bytes; a command is at most " + MAX_COMMAND_BYTES);
        }
        JsonObject command = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), "the request body");
        String key = header(request, "idempotency-key");
        String requestId = AlarmEvent.text(context, "requestId");
        String requestKey = key != null ? "request:" + key : requestId != null ? "url:" + requestId : fallbackKey;
        return new Parsed(new Trigger.Command(withoutRequestId(command)), new Caller(Caller.Kind.FUNCTION_URL, principal, requestKey));
    }

    private Parsed fromEvent(JsonObject event, String fallbackKey, Context context) {
        if (event.has("alarmData")) {
            // CloudWatch's own payload when an alarm invokes a function directly (a Lambda alarm action):
            // that path bypasses the routing's rules, so it is not taken.
            throw new BadInputException("this is a CloudWatch alarm action's payload (alarmData): " + name
                    + " takes alarms only through EventBridge; route the alarm through EventBridge (runbooks/routing.json)"
                    + " instead of naming the function as the alarm's action");
        }
        if (event.has("detail-type") && event.has("source")) {
            String detailType = AlarmEvent.text(event, "detail-type");
            if (AlarmEvent.DETAIL_TYPE.equals(detailType)) {
                AlarmEvent alarm = routed(event, AlarmEvent.from(event));
                return new Parsed(new Trigger.Alarm(alarm), new Caller(Caller.Kind.ALARM, alarm.alarmName(), alarm.requestKey()));
            }
            if (CONFIGURATION_CHANGE.equals(detailType)) {
                throw new Stop(Outcome.NO_CHANGE, 200, "a change to an alarm's configuration is not an incident: ignored");
            }
            if (Trigger.FunctionResult.SUCCESS.equals(detailType) || Trigger.FunctionResult.FAILURE.equals(detailType)) {
                return functionResult(event, detailType, fallbackKey);
            }
            if ("Scheduled Event".equals(detailType)) {
                String time = AlarmEvent.text(event, "time");
                Instant at;
                try {
                    at = time == null ? Instant.now() : Instant.parse(time);
                } catch (java.time.format.DateTimeParseException e) {
                    throw new BadInputException("the schedule event's field 'time' is not an ISO-8601 time");
                }
                return new Parsed(new Trigger.Schedule(at), new Caller(Caller.Kind.EVENT, "schedule", "schedule:" + at));
            }
            throw new BadInputException("unsupported EventBridge event '" + detailType + "' from '" + AlarmEvent.text(event, "source") + "'");
        }
        if (event.size() > 0 && event.toString().length() > MAX_COMMAND_BYTES) {
            throw new TooLarge("the command is larger than " + MAX_COMMAND_BYTES + " bytes");
        }
        String requestId = event.has("requestId") && event.get("requestId").isJsonPrimitive() ? event.get("requestId").getAsString() : null;
        String requestKey = requestId != null ? "request:" + requestId : fallbackKey;
        return new Parsed(new Trigger.Command(withoutRequestId(event)), new Caller(Caller.Kind.CONSOLE, "console", requestKey));
    }

    /**
     * Only what the routing sends acts: an alarm reaches this function's code only if runbooks/routing.json
     * routes it here (under this deployment's name), and only while it is news (younger than the function's
     * maximum event age). The event then carries the routing's name of the alarm.
     */
    private AlarmEvent routed(JsonObject event, AlarmEvent alarm) {
        Instant sent = AlarmEvent.sentAt(event, alarm);
        Routing routing = Policy.bundled().routing();
        String deployment = env.optional(DEPLOYMENT_NAME).orElse(null);
        String routingName = routing.alarmNamed(alarm.alarmName(), deployment).orElse(null);
        if (routingName == null || !routing.routes(routingName, name)) {
            String shown = Redact.text(alarm.alarmName());
            shown = shown.length() > 120 ? shown.substring(0, 117) + "..." : shown;
            throw new Stop(Outcome.REFUSED, Outcome.REFUSED.httpStatus(), "alarm '" + shown + "' is not routed to " + name
                    + ": runbooks/routing.json routes " + (routing.alarmsOf(name).isEmpty() ? "no alarm" : String.join(", ", routing.alarmsOf(name)))
                    + " to it" + (deployment == null ? "" : ", named " + deployment + "-<alarm> in deployment " + deployment) + "; nothing was done");
        }
        Duration maxAge = MaxEventAge.of(name);
        if (sent.plus(maxAge).isBefore(Instant.now())) {
            throw new Stop(Outcome.NO_CHANGE, 200, "alarm " + routingName + "'s " + alarm.state() + " event was sent at " + sent
                    + ", longer ago than " + name + "'s maximum event age (" + maxAge.toMinutes() + " min): stale, nothing was done");
        }
        return alarm.named(routingName);
    }

    private static Parsed functionResult(JsonObject event, String detailType, String fallbackKey) {
        JsonObject detail = AlarmEvent.object(event, "detail", "the function result event");
        JsonObject requestContext = detail.has("requestContext") && detail.get("requestContext").isJsonObject()
                ? detail.getAsJsonObject("requestContext") : new JsonObject();
        String functionArn = AlarmEvent.text(requestContext, "functionArn");
        String function = functionArn == null ? "unknown" : functionArn.split(":")[Math.min(6, functionArn.split(":").length - 1)];
        JsonElement response = detail.get("responsePayload");
        JsonElement request = detail.get("requestPayload");
        String originalRequest = AlarmEvent.text(requestContext, "requestId");
        return new Parsed(
                new Trigger.FunctionResult(function, Trigger.FunctionResult.SUCCESS.equals(detailType),
                        response != null && response.isJsonObject() ? response.getAsJsonObject() : new JsonObject(),
                        request != null && request.isJsonObject() ? request.getAsJsonObject() : new JsonObject()),
                new Caller(Caller.Kind.EVENT, function, originalRequest != null ? "result:" + originalRequest : fallbackKey));
    }

    /**
     * The IAM identity behind a Function URL request, as Lambda fills {@code requestContext.authorizer.iam}
     * for a URL whose auth type is AWS_IAM. Without one (a URL left public, a hand-made event) nothing is
     * done: AWS_IAM auth should make that impossible, and the function does not rely on it.
     */
    private static String principal(JsonObject context) {
        JsonObject iam = null;
        if (context.get("authorizer") instanceof JsonObject authorizer && authorizer.get("iam") instanceof JsonObject found) {
            iam = found;
        }
        String arn = iam != null && iam.get("userArn") instanceof JsonPrimitive value && value.isString() ? value.getAsString() : null;
        String account = iam != null && iam.get("accountId") instanceof JsonPrimitive value && value.isString() ? value.getAsString() : null;
        if (arn == null || arn.isBlank() || account == null || account.isBlank()) {
            throw new Stop(Outcome.REFUSED, 403, "the request carries no IAM identity (requestContext.authorizer.iam with userArn and accountId):"
                    + " only a caller signed with AWS credentials (the Function URL's AWS_IAM auth) may ask; nothing was done");
        }
        return arn;
    }

    private static String header(JsonObject request, String name) {
        if (!request.has("headers") || !request.get("headers").isJsonObject()) {
            return null;
        }
        for (var entry : request.getAsJsonObject("headers").entrySet()) {
            if (entry.getKey().toLowerCase(Locale.ROOT).equals(name) && entry.getValue().isJsonPrimitive()) {
                return entry.getValue().getAsString();
            }
        }
        return null;
    }

    private static JsonObject withoutRequestId(JsonObject command) {
        JsonObject copy = command.deepCopy();
        copy.remove("requestId");
        return copy;
    }

    private static byte[] decode(String body) {
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("the body is marked base64 but is not valid base64");
        }
    }

    /** The edge's own answer without running anything: ignored (NO_CHANGE), refused, or forbidden (403). */
    private static final class Stop extends RuntimeException {
        final Outcome outcome;
        final int status;

        Stop(Outcome outcome, int status, String message) {
            super(message, null, false, false);
            this.outcome = outcome;
            this.status = status;
        }
    }

    private static final class WrongMethod extends RuntimeException {
        WrongMethod(String message) {
            super(message, null, false, false);
        }
    }

    private static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }
}
