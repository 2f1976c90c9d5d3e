package authresponder.core.policy;

import authresponder.core.AlarmEvent;
import authresponder.core.Binder;
import authresponder.core.Json;
import authresponder.core.Outcome;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The product's policy, read from the runbooks: every alarm, threshold, cap, cooldown, verdict and
 * escalation route the functions, the CDK app and the drill use, from one source. The runbooks are
 * bundled into the core jar at build time ({@link #bundled()}); everything is checked when loaded,
 * so a runbook that names an unknown action, function or team, or holds a malformed value, fails the
 * build rather than an incident.
 */
public final class Policy {
    /** Policy values are bound as strictly as commands, and a mistake names the file and the field. */
    private static final Binder BINDER = new Binder(PolicyException::new, path -> path);
    private final Routing routing;
    private final List<Runbook> runbooks;
    private final Map<String, Alarm> alarms = new LinkedHashMap<>();
    private final Map<String, Runbook> alarmOwners = new HashMap<>();
    private final Map<Verdict, VerdictPolicy> verdicts = new LinkedHashMap<>();
    private final Map<Verdict, Runbook> verdictOwners = new HashMap<>();
    private final Map<String, Duration> cooldowns = new LinkedHashMap<>();
    private final List<Escalation> escalations = new ArrayList<>();
    private final Thresholds thresholds;
    private final Caps caps;
    private KeyWatch keyWatch;

    private Policy(Routing routing, List<Runbook> runbooks) {
        this.routing = routing;
        this.runbooks = List.copyOf(runbooks);
        JsonObject allThresholds = new JsonObject();
        JsonObject allCaps = new JsonObject();
        for (Runbook runbook : runbooks) {
            String at = runbook.path() + ": ";
            for (Alarm alarm : runbook.alarms()) {
                require(alarms.put(alarm.name(), alarm) == null, at + "alarm " + alarm.name() + " is defined twice");
                require(alarm.threshold() == null || alarm.thresholdFrom() == null,
                        at + "alarm " + alarm.name() + ": give either a threshold or thresholdFrom");
                alarmOwners.put(alarm.name(), runbook);
            }
            runbook.verdicts().forEach((verdict, policy) -> {
                require(verdicts.put(verdict, policy) == null, at + "verdict " + verdict + " belongs to another runbook already");
                verdictOwners.put(verdict, runbook);
            });
            runbook.cooldowns().forEach((action, cooldown) ->
                    require(cooldowns.put(action, cooldown) == null, at + "the cooldown of " + action + " is defined in another runbook already"));
            escalations.addAll(runbook.escalations());
            if (runbook.keyWatch() != null) {
                require(keyWatch == null, at + "keyWatch is defined in another runbook already");
                keyWatch = runbook.keyWatch();
            }
            merge(allThresholds, runbook.thresholds(), at + "threshold ");
            merge(allCaps, runbook.caps(), at + "cap ");
        }
        thresholds = BINDER.bindComplete(allThresholds, Thresholds.class, "thresholds", Set.of());
        alarms.replaceAll((name, alarm) -> alarm.thresholdFrom() == null ? alarm : alarm.withThreshold(duration(alarm).toMillis()));
        caps = BINDER.bindComplete(allCaps, Caps.class, "caps", Set.of());
        check();
    }

    /** The runbooks bundled in the core jar, loaded and checked once per JVM. */
    public static Policy bundled() {
        return Bundled.POLICY;
    }

    private static final class Bundled {
        static final Policy POLICY = load(name -> {
            try (InputStream in = Policy.class.getResourceAsStream("/runbooks/" + name)) {
                if (in == null) {
                    throw new PolicyException("runbooks/" + name + " is not bundled: is it listed in functions/core/pom.xml's resources?");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The runbooks in a directory (the repository's runbooks/, or a copy in a test). */
    public static Policy fromDirectory(Path directory) {
        return load(name -> {
            try {
                return Files.readString(directory.resolve(name));
            } catch (NoSuchFileException e) {
                throw new PolicyException("runbooks/" + name + " does not exist");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Policy load(Function<String, String> files) {
        Routing routing = BINDER.bindComplete(parse(files.apply("routing.json"), "runbooks/routing.json"), Routing.class, "runbooks/routing.json", Set.of());
        List<Runbook> runbooks = new ArrayList<>();
        for (String id : routing.runbooks()) {
            String file = "runbooks/" + id + ".md";
            Runbook runbook = BINDER.bindComplete(frontMatter(files.apply(id + ".md"), file), Runbook.class, file, Runbook.OPTIONAL);
            require(runbook.id().equals(id), file + ": id is '" + runbook.id() + "', not the file's name");
            runbooks.add(runbook);
        }
        return new Policy(routing, runbooks);
    }

    /** The JSON block a runbook starts with: a ```json fence on the first line, closed by a ``` line. */
    static JsonObject frontMatter(String markdown, String file) {
        List<String> lines = markdown.lines().toList();
        require(!lines.isEmpty() && lines.getFirst().strip().equals("```json"), file + ": must start with a ```json front matter block");
        int end = 1;
        while (end < lines.size() && !lines.get(end).strip().equals("```")) {
            end++;
        }
        require(end < lines.size(), file + ": the front matter block is not closed with ```");
        return parse(String.join("\n", lines.subList(1, end)), file + " front matter");
    }

    private static JsonObject parse(String text, String what) {
        try {
            JsonElement element = Json.parse(text);
            require(element.isJsonObject(), what + " must be a JSON object");
            return element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new PolicyException(what + " is not valid JSON: " + e.getMessage());
        }
    }

    private static void merge(JsonObject into, JsonObject from, String what) {
        for (var entry : from.entrySet()) {
            require(!into.has(entry.getKey()), what + entry.getKey() + " is defined in another runbook already");
            into.add(entry.getKey(), entry.getValue());
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new PolicyException(message);
        }
    }

    /** Every name a runbook or the routing uses must exist; every verdict, action and routed alarm must be covered. */
    private void check() {
        String routingFile = "runbooks/routing.json: ";
        routing.actions().forEach((name, action) -> {
            require(routing.functions().containsKey(action.function()),
                    routingFile + "action " + name + " names function '" + action.function() + "', which does not exist");
            // An override is a person's call, with their reason: a chain never forces past a cooldown.
            require(!action.command().has("force") && !action.command().has("reason"),
                    routingFile + "action " + name + "'s command may not carry force or reason: only a person overrides");
        });
        require(routing.actions().containsKey(routing.chain().escalateWith()),
                routingFile + "chain.escalateWith names action '" + routing.chain().escalateWith() + "', which does not exist");
        Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
        for (List<Outcome> outcomes : List.of(routing.chain().continueOn(), routing.chain().stopOn(), routing.chain().escalateOn())) {
            for (Outcome outcome : outcomes) {
                require(seen.add(outcome), routingFile + "chain lists outcome " + outcome + " twice");
            }
        }
        require(seen.equals(EnumSet.allOf(Outcome.class)), routingFile + "chain must place every outcome; missing "
                + EnumSet.complementOf(EnumSet.copyOf(seen)));
        for (String state : routing.alarmStates()) {
            require(List.of("OK", "ALARM", "INSUFFICIENT_DATA").contains(state), routingFile + "alarmStates: '" + state + "' is not an alarm state");
        }
        routing.alarms().forEach((alarm, functions) -> {
            require(alarms.containsKey(alarm), routingFile + "routes alarm '" + alarm + "', which no runbook defines");
            functions.forEach(function -> require(routing.functions().containsKey(function),
                    routingFile + "routes alarm " + alarm + " to function '" + function + "', which does not exist"));
        });
        for (Runbook runbook : runbooks) {
            String at = runbook.path() + ": ";
            require(routing.teams().containsKey(runbook.owner()), at + "owner '" + runbook.owner() + "' is not a team in routing.json");
            runbook.verdicts().forEach((verdict, policy) -> {
                require(policy.team() != null && routing.teams().containsKey(policy.team()),
                        at + "verdict " + verdict + " pages team '" + policy.team() + "', which does not exist");
                require(policy.actions() != null && policy.severity() != null && policy.advice() != null,
                        at + "verdict " + verdict + " needs actions, team, severity and advice");
                policy.actions().forEach(action -> require(routing.actions().containsKey(action),
                        at + "verdict " + verdict + " names action '" + action + "', which does not exist"));
            });
            runbook.cooldowns().keySet().forEach(action -> require(routing.actions().containsKey(action),
                    at + "cooldown for action '" + action + "', which does not exist"));
            for (Escalation escalation : runbook.escalations()) {
                require(escalation.team() != null && routing.teams().containsKey(escalation.team()),
                        at + "escalation pages team '" + escalation.team() + "', which does not exist");
                require(escalation.alarm() != null && alarms.containsKey(escalation.alarm()),
                        at + "escalation names alarm '" + escalation.alarm() + "', which no runbook defines");
                require(escalation.after() == null || routing.actions().containsKey(escalation.after()),
                        at + "escalation follows action '" + escalation.after() + "', which does not exist");
                require(escalation.condition() != null && escalation.window() != null && escalation.severity() != null,
                        at + "escalation for " + escalation.alarm() + " needs a condition, a window and a severity");
                require(escalation.minRegions() == null || escalation.minRegions() >= 1, at + "minRegions must be at least 1");
            }
            for (Alarm alarm : runbook.alarms()) {
                require(routing.alarms().containsKey(alarm.name()), routingFile + "does not route alarm " + alarm.name()
                        + " (give it an empty list if it only feeds a composite)");
                alarm.children().forEach(child -> require(alarms.containsKey(child) && !child.equals(alarm.name()),
                        at + "composite " + alarm.name() + " names alarm '" + child + "', which no runbook defines"));
            }
        }
        routing.actions().keySet().forEach(action ->
                require(cooldowns.containsKey(action), routingFile + "action " + action + " has no cooldown in any runbook"));
        if (keyWatch != null) {
            String at = "keyWatch: ";
            require(keyWatch.team() != null && routing.teams().containsKey(keyWatch.team()),
                    at + "team '" + keyWatch.team() + "' is not a team in routing.json");
            require(keyWatch.noticeWindow() != null, at + "noticeWindow is missing");
            require(keyWatch.actions() != null && keyWatch.actions().keySet().equals(EnumSet.allOf(KeyChange.class)),
                    at + "actions must say what follows from each of " + EnumSet.allOf(KeyChange.class));
            keyWatch.actions().forEach((change, actions) -> actions.forEach(action -> require(routing.actions().containsKey(action),
                    at + "actions for " + change + " name action '" + action + "', which does not exist")));
        }
        Set<Verdict> missing = EnumSet.allOf(Verdict.class);
        missing.removeAll(verdicts.keySet());
        require(missing.isEmpty(), "no runbook says what follows from verdict(s) " + missing);
        Set<String> routed = new HashSet<>();
        routing.alarms().forEach((alarm, functions) -> {
            if (!functions.isEmpty()) {
                routed.add(alarm);
            }
        });
        alarms.values().stream().filter(a -> a.kind() == AlarmEvent.Kind.COMPOSITE).forEach(a -> routed.addAll(a.children()));
        for (String alarm : alarms.keySet()) {
            require(routed.contains(alarm), routingFile + "alarm " + alarm + " reaches no function, directly or through a composite");
        }
    }

    public Routing routing() {
        return routing;
    }

    public List<Runbook> runbooks() {
        return runbooks;
    }

    /** The duration among the thresholds that an alarm's {@code thresholdFrom} names. */
    private Duration duration(Alarm alarm) {
        String at = runbookOfAlarm(alarm.name()).path() + ": alarm " + alarm.name() + ": thresholdFrom '" + alarm.thresholdFrom() + "' ";
        for (var component : Thresholds.class.getRecordComponents()) {
            if (component.getName().equals(alarm.thresholdFrom())) {
                require(component.getType() == Duration.class, at + "is not a duration");
                try {
                    return (Duration) component.getAccessor().invoke(thresholds);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new PolicyException(at + "is not one of the thresholds");
    }

    public List<Alarm> alarms() {
        return List.copyOf(alarms.values());
    }

    public Optional<Alarm> alarm(String name) {
        return Optional.ofNullable(alarms.get(name));
    }

    /** The runbook that defines an alarm: the one a page about it links to. */
    public Runbook runbookOfAlarm(String alarmName) {
        Runbook runbook = alarmOwners.get(alarmName);
        if (runbook == null) {
            throw new IllegalArgumentException("no runbook defines alarm '" + alarmName + "'");
        }
        return runbook;
    }

    public VerdictPolicy verdict(Verdict verdict) {
        return verdicts.get(verdict);
    }

    public Runbook runbookOf(Verdict verdict) {
        return verdictOwners.get(verdict);
    }

    /** The cooldown per target of an action (for {@code page}: the window in which the same incident pages once). */
    public Duration cooldown(String action) {
        Duration cooldown = cooldowns.get(action);
        if (cooldown == null) {
            throw new IllegalArgumentException("no cooldown for action '" + action + "'");
        }
        return cooldown;
    }

    /** What watch-keys does on a signing-key change, and the runbook that says so. */
    public KeyWatch keyWatch() {
        if (keyWatch == null) {
            throw new IllegalStateException("no runbook defines keyWatch");
        }
        return keyWatch;
    }

    /** The runbook that defines {@link #keyWatch()}: the one a notice about a key change links to. */
    public Runbook runbookOfKeyWatch() {
        return runbooks.stream().filter(r -> r.keyWatch() != null).findFirst()
                .orElseThrow(() -> new IllegalStateException("no runbook defines keyWatch"));
    }

    public Thresholds thresholds() {
        return thresholds;
    }

    public Caps caps() {
        return caps;
    }

    public List<Escalation> escalations() {
        return List.copyOf(escalations);
    }

    /** The escalation routes an alarm's state change can take. */
    public List<Escalation> escalationsFor(String alarmName) {
        return escalations.stream().filter(e -> e.alarm().equals(alarmName)).toList();
    }

    /** The first action of a verdict's chain, if it has any. */
    public Optional<String> firstAction(Verdict verdict) {
        List<String> actions = verdicts.get(verdict).actions();
        return actions.isEmpty() ? Optional.empty() : Optional.of(actions.getFirst());
    }
}
