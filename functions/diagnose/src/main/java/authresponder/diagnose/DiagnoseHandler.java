package authresponder.diagnose;

import authresponder.core.AlarmEvent;
import authresponder.core.BadInputException;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Lazy;
import authresponder.core.Outcome;
import authresponder.core.Redact;
import authresponder.core.Result;
import authresponder.core.Trigger;
import com.google.gson.JsonElement;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The function that answers the first alarm: every runbook check at once, each within its own budget,
 * and a verdict with its evidence and the next action. It changes nothing, so its outcome is NO_CHANGE
 * whatever it finds; the verdict is in the details, and checks that could not run are warnings.
 */
public final class DiagnoseHandler extends FunctionHandler<DiagnoseCommand, Diagnosis> {
    private final DiagnoseSettings settings;
    private final Diagnoser diagnoser;
    private volatile boolean oneByOne;

    public DiagnoseHandler() {
        this(Env.system());
    }

    public DiagnoseHandler(Env env) {
        this(env, DiagnosePolicy.bundled());
    }

    DiagnoseHandler(Env env, DiagnosePolicy policy) {
        super("diagnose", DiagnoseCommand.class, env);
        this.settings = DiagnoseSettings.from(env);
        this.diagnoser = new Diagnoser(settings, policy, env);
    }

    /**
     * The clients the configured checks need: primed, not prepared (its checks build them concurrently
     * anyway; preparing them measured no gain).
     */
    @Override
    protected List<Lazy<?>> firstEventClients() {
        return diagnoser.clients();
    }

    /** The edge and the clients, then the JOSE parsing (for the SnapStart snapshot and the AOT training run). */
    @Override
    public void prime() {
        super.prime();
        try {
            diagnoser.prime();
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For the benchmark only: run the checks one after another, to compare with running them at once. */
    void runOneByOne(boolean value) {
        this.oneByOne = value;
    }

    @Override
    protected DiagnoseCommand commandFor(Trigger trigger) {
        if (trigger instanceof Trigger.Alarm(AlarmEvent alarm)) {
            if (!alarm.inAlarm()) {
                throw new BadInputException("alarm " + alarm.alarmName() + " is " + alarm.state() + ": diagnose runs when an alarm enters ALARM");
            }
            return new DiagnoseCommand("diagnose", null, null);
        }
        return super.commandFor(trigger);
    }

    @Override
    protected void check(DiagnoseCommand command) {
        if (command.action() != null && !command.action().equals("diagnose")) {
            throw new BadInputException("action must be \"diagnose\", got \"" + command.action() + "\"");
        }
        window(command);
        sampleToken(command);
    }

    @Override
    protected Result<Diagnosis> run(DiagnoseCommand command, Invocation invocation) {
        Window window = invocation.trigger() instanceof Trigger.Alarm(AlarmEvent alarm) ? alarmWindow(alarm)
                : new Window(Instant.now().minus(window(command)), Instant.now(), "command");
        boolean alarmed = invocation.trigger() instanceof Trigger.Alarm;
        Diagnosis diagnosis = diagnoser.diagnose(sampleToken(command), window, alarmed, invocation.budget(), oneByOne);
        List<String> warnings = diagnosis.checks().stream()
                .filter(check -> check.status() == CheckReport.Status.FAIL)
                .map(check -> check.name() + ": " + check.summary()).toList();
        log.info("verdict", "verdict", diagnosis.verdict(), "confidence", diagnosis.confidence(),
                "next", diagnosis.recommendedAction().describe(), "failedChecks", warnings.size());
        return Result.of(Outcome.NO_CHANGE, diagnosis.line(), diagnosis, warnings);
    }

    /** The alarm's evaluation window: reasonData.startDate (else LOG_WINDOW back) to the state change. */
    private Window alarmWindow(AlarmEvent alarm) {
        Instant to = alarm.stateTime();
        Instant from = to.minus(settings.logWindow());
        JsonElement start = alarm.reasonData().get("startDate");
        if (start != null && start.isJsonPrimitive()) {
            try {
                Instant parsed = AwsTime.parse(start.getAsString());
                from = parsed.isBefore(to) ? parsed : from;
            } catch (DateTimeParseException notCloudWatchStyle) {
                // keep LOG_WINDOW back from the state change
            }
        }
        return new Window(from, to, "alarm " + alarm.alarmName());
    }

    private Duration window(DiagnoseCommand command) {
        if (command.window() == null) {
            return settings.logWindow();
        }
        Duration window;
        try {
            window = new Env(Map.of("window", command.window())).duration("window", settings.logWindow());
        } catch (ConfigException e) {
            throw new BadInputException(e.getMessage());
        }
        if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new BadInputException("window must be between 1m and 24h, got " + command.window());
        }
        return window;
    }

    /**
     * The sample token, parsed. Only a compact JWS is accepted: that shape is what the logs' redaction
     * recognises, so a token can never reach a log line in the clear. Errors never repeat the token.
     */
    private static Optional<SignedJWT> sampleToken(DiagnoseCommand command) {
        String token = command.sampleToken();
        if (token == null) {
            return Optional.empty();
        }
        String trimmed = token.strip();
        if (Redact.scrub(trimmed).equals(trimmed)) {
            throw new BadInputException("sampleToken is not a compact signed JWT (eyJ....): paste the whole token, header.payload.signature");
        }
        try {
            SignedJWT jwt = SignedJWT.parse(trimmed);
            jwt.getJWTClaimsSet();
            return Optional.of(jwt);
        } catch (ParseException | IllegalArgumentException e) {
            throw new BadInputException("sampleToken is not a signed JWT with JSON claims (" + Redact.hash(trimmed) + ")");
        }
    }
}
