package authresponder.runner.drill;

import authresponder.core.AlarmEvent;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.policy.Alarm;
import authresponder.core.policy.Verdict;
import authresponder.testkit.MotoServer;
import com.google.gson.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@code drill [SCENARIO...]}: replays whole incidents on this machine through the real handlers, wired by the
 * deployed routing itself (the CDK app's synthesized rules, in moto's EventBridge; see {@link Deployment} and
 * {@link AsyncLambda}), and checks that each ends as its runbook says. Prints a timeline per
 * scenario, every page as the on-call engineer receives it, and a final table; exits 0 only when every
 * scenario's outcome is right (1 otherwise, 2 for an unknown scenario). Everything it starts is stopped at
 * the end, and on Ctrl-C.
 */
public final class Drill {
    static final String COMPOSITE = "auth-login-failures";
    static final String SYMPTOM = "auth-401-spike";

    /** One scenario's outcome: what happened, what was wrong with it (empty: right). */
    record Row(String scenario, String verdict, String actions, String paged, String refused, String mitigation, List<String> wrong) {
        boolean right() {
            return wrong.isEmpty();
        }
    }

    private final PrintStream out;
    private final boolean functionLogs;

    Drill(PrintStream out, boolean functionLogs) {
        this.out = out;
        this.functionLogs = functionLogs;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Scenario> chosen = new ArrayList<>();
        boolean logs = false;
        for (String arg : args) {
            if (arg.equals("--logs")) {
                logs = true;
            } else {
                List<Scenario> named = Scenario.all().stream().filter(s -> s.name().equals(arg)).toList();
                if (named.isEmpty()) {
                    err.println("auth-responder: no scenario '" + arg + "'; scenarios: "
                            + Scenario.all().stream().map(Scenario::name).collect(Collectors.joining(", ")));
                    return 2;
                }
                chosen.addAll(named);
            }
        }
        return new Drill(out, logs).runAll(chosen.isEmpty() ? Scenario.all() : chosen).stream().allMatch(Row::right) ? 0 : 1;
    }

    List<Row> runAll(List<Scenario> scenarios) {
        out.println("auth-responder drill: synthesizing the CDK app (infra-cdk) for the drill's deployment");
        Instant synthStarted = Instant.now();
        Synthesis synthesis = Synthesis.run(MotoServer.ACCOUNT, Stage.AUTHORISER);
        out.println("auth-responder drill: " + synthesis.stacks().size() + " stacks in " + seconds(Duration.between(synthStarted, Instant.now()))
                + "; starting Redis, moto and a local identity provider on loopback ports");
        if (!functionLogs) {
            // The functions' structured logs go to CloudWatch in AWS; here the timeline says what they did.
            Log.redirect(new PrintStream(OutputStream.nullOutputStream()));
        }
        List<Row> rows = new ArrayList<>();
        Stage stage = Stage.open(synthesis);
        Thread onInterrupt = new Thread(() -> {
            stage.close();
            System.err.println("auth-responder: drill interrupted; Redis, moto and the identity provider are stopped");
        }, "drill-stop");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            for (Scenario scenario : scenarios) {
                rows.add(play(stage, scenario));
            }
        } finally {
            stage.close();
            Log.redirect(System.err);
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is closing the stage
            }
        }
        table(rows);
        return rows;
    }

    private Row play(Stage stage, Scenario scenario) {
        out.println();
        out.println("━━ " + scenario.name() + ": " + scenario.title());
        stage.prepare();
        Timeline timeline = new Timeline(out);
        AsyncLambda lambda = stage.deployment.lambda(timeline, (function, attempt) -> scenario.fault().before(stage, function, timeline));
        var before = stage.traffic();
        timeline.note("authoriser", "before: " + before.describe());
        String keysBefore = stage.cachedJwks();
        if (scenario.delivery() == Scenario.Delivery.WATCHED) {
            schedule(stage, lambda, timeline, "watch-keys"); // it has been running every minute: it knows the keys from before
        }
        timeline.note("incident", scenario.incident().happen(stage));
        try (AutoCloseable ongoing = scenario.pressure().start(stage)) {
            return respond(stage, scenario, timeline, lambda, before, keysBefore);
        } catch (Exception e) {
            throw new IllegalStateException("the drill's own " + scenario.name() + " load failed to stop", e);
        }
    }

    /** EventBridge runs a schedule rule: its target's stand-in gets the event, and Lambda runs it. */
    private static void schedule(Stage stage, AsyncLambda lambda, Timeline timeline, String function) {
        timeline.note("schedule", String.join(", ", stage.deployment.schedule(function)) + " → " + function);
        lambda.drain();
    }

    /** CloudWatch puts the alarms' state changes on the default bus; the synthesized rules route them; Lambda runs what they reach. */
    private static void alarms(Stage stage, AsyncLambda lambda, Timeline timeline, List<JsonObject> events) {
        int before = lambda.steps().size();
        for (JsonObject event : events) {
            AlarmEvent alarm = AlarmEvent.from(event);
            timeline.note("alarm", alarm.alarmName() + " → " + alarm.state() + " (CloudWatch → the default bus of " + alarm.region() + ")");
            stage.deployment.alarm(event);
        }
        lambda.drain();
        if (lambda.steps().size() == before) {
            timeline.note("alarm", "no rule routes " + (events.size() == 1 ? "it" : "them") + " to a function");
        }
    }

    /** The incident is on: measure it, raise the alarms, let the product respond, measure again, judge. */
    private Row respond(Stage stage, Scenario scenario, Timeline timeline, AsyncLambda lambda, SimulatedAuthoriser.Tally before, String keysBefore) {
        var during = stage.traffic();
        long sessionsAtAlarm = stage.keys("session:*");
        timeline.note("authoriser", "during: " + during.describe() + "; " + sessionsAtAlarm + " sessions in the cache");

        Alarm symptom = stage.policy.alarm(SYMPTOM).orElseThrow();
        Alarm composite = stage.policy.alarm(COMPOSITE).orElseThrow();
        Instant alarmAt = Instant.now();
        boolean fires = during.refusedPercent() > symptom.effectiveThreshold();
        List<String> wrong = new ArrayList<>();
        if (scenario.delivery() == Scenario.Delivery.WATCHED) {
            if (fires) {
                wrong.add(SYMPTOM + " fired: " + String.format(Locale.ROOT, "%.1f%%", during.refusedPercent()) + " refused");
            }
            schedule(stage, lambda, timeline, "watch-keys");
            stage.signInAgain(Scenario.SIGNED_IN_AGAIN, i -> stage.idp.token("rsa-2").subject("user-" + i).sign());
            timeline.note("incident", "IdP now signs with rsa-2; " + Math.round(stage.users.size() * Scenario.SIGNED_IN_AGAIN) + " users signed in again");
        } else if (!fires) {
            wrong.add(SYMPTOM + " did not fire: " + String.format(Locale.ROOT, "%.1f%%", during.refusedPercent()) + " refused");
        } else {
            alarms(stage, lambda, timeline, List.of(AlarmEvents.metric(symptom, stage.deployment.alarm(SYMPTOM), "ALARM", alarmAt,
                    List.of(before.refusedPercent(), during.refusedPercent()))));
            alarms(stage, lambda, timeline, composite(stage, composite, scenario.delivery(), alarmAt));
        }
        var after = stage.traffic();
        Duration sinceAlarm = Duration.between(alarmAt, Instant.now());
        timeline.note("authoriser", "after: " + after.describe() + " (" + stage.authoriser.environments() + " execution environment"
                + (stage.authoriser.environments() == 1 ? "" : "s") + " so far)");
        long sessionsAfter = stage.keys("session:*");
        List<Stage.Page> pages = stage.pages();
        pages.forEach(this::print);

        List<AsyncLambda.Step> steps = lambda.steps();
        Optional<Verdict> verdict = steps.stream().filter(s -> s.function().equals("diagnose") && s.wired())
                .findFirst().flatMap(Drill::verdict);
        Scenario.Expected expected = scenario.expected();
        Map<String, String> unwired = stage.deployment.unwired();
        unwired.forEach((function, why) -> wrong.add("not wired: " + function + " (" + why + ")"));
        if (expected.verdict() != null && fires && verdict.map(v -> v != expected.verdict()).orElse(unwired.isEmpty())) {
            wrong.add("verdict " + verdict.map(Enum::name).orElse("none") + ", expected " + expected.verdict());
        }
        Map<String, Long> done = steps.stream().filter(s -> s.action() != null && s.outcome() == Outcome.DONE)
                .collect(Collectors.groupingBy(AsyncLambda.Step::action, TreeMap::new, Collectors.counting()));
        Map<String, Long> wanted = expected.done().stream().collect(Collectors.groupingBy(a -> a, TreeMap::new, Collectors.counting()));
        if (!done.equals(wanted)) {
            wrong.add("actions done " + done + ", expected " + wanted);
        }
        // watch-keys' informational notices share the teams' topics but page nobody: severity INFO.
        TreeSet<String> paged = pages.stream().filter(page -> !"INFO".equals(page.attributes().get("severity")))
                .map(Stage.Page::team).collect(Collectors.toCollection(TreeSet::new));
        TreeSet<String> notified = pages.stream().filter(page -> "INFO".equals(page.attributes().get("severity")))
                .map(Stage.Page::team).collect(Collectors.toCollection(TreeSet::new));
        if (!paged.equals(new TreeSet<>(expected.paged()))) {
            wrong.add("paged " + (paged.isEmpty() ? "nobody" : paged) + ", expected " + (expected.paged().isEmpty() ? "nobody" : new TreeSet<>(expected.paged())));
        }
        Map<String, Long> removals = stage.removals();
        if (removals.getOrDefault("flushdb", 0L) + removals.getOrDefault("flushall", 0L) > 0) {
            wrong.add("a whole cache database was flushed: " + removals);
        }
        if (scenario.pressure() == Scenario.Pressure.NONE && sessionsAfter < sessionsAtAlarm) {
            wrong.add((sessionsAtAlarm - sessionsAfter) + " sessions removed while the product acted");
        }
        if (expected.keysKept() && (removals.values().stream().mapToLong(Long::longValue).sum() > 0
                || !java.util.Objects.equals(keysBefore, stage.cachedJwks()))) {
            wrong.add("keys were removed (" + removals + "); nothing should have been flushed");
        }
        boolean mitigated = after.refusedPercent() <= baseline(symptom);
        if (expected.mitigated() && !mitigated) {
            wrong.add(String.format(Locale.ROOT, "401s not mitigated: %.1f%% refused after", after.refusedPercent()));
        }
        Map<String, Long> tried = steps.stream().filter(s -> s.action() != null)
                .collect(Collectors.groupingBy(s -> s.action() + " " + (s.wired() ? s.outcome() : "NOT WIRED"), java.util.LinkedHashMap::new, Collectors.counting()));
        String actions = tried.entrySet().stream().map(e -> e.getKey() + (e.getValue() > 1 ? " ×" + e.getValue() : ""))
                .collect(Collectors.joining(", "));
        String mitigation = scenario.delivery() == Scenario.Delivery.WATCHED ? (mitigated ? "before any 401" : "—")
                : mitigated && fires ? seconds(sinceAlarm) : pages.isEmpty() ? "—" : "human (paged in " + seconds(firstPage(steps, alarmAt)) + ")";
        Row row = new Row(scenario.name(), verdict.map(Enum::name).orElse("—"), actions.isEmpty() ? "none" : actions,
                (paged.isEmpty() ? "nobody" : String.join(", ", paged)) + (notified.isEmpty() ? "" : " (notice: " + String.join(", ", notified) + ")"),
                String.format(Locale.ROOT, "%.0f%% → %.0f%%", during.refusedPercent(), after.refusedPercent()), mitigation, wrong);
        out.println(row.right() ? "  ✔ as the runbook says" : "  ✘ WRONG: " + String.join("; ", wrong));
        return row;
    }

    /** The composite alarm's state changes: once, or flapping (ALARM, OK, ALARM, OK, ALARM, all on the bus at once). */
    private static List<JsonObject> composite(Stage stage, Alarm composite, Scenario.Delivery delivery, Instant at) {
        JsonObject deployed = stage.deployment.alarm(COMPOSITE);
        JsonObject child = stage.deployment.alarm(SYMPTOM);
        if (delivery == Scenario.Delivery.ONCE) {
            return List.of(AlarmEvents.composite(composite, deployed, "ALARM", at, child));
        }
        List<JsonObject> flapping = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            flapping.add(AlarmEvents.composite(composite, deployed, i % 2 == 0 ? "ALARM" : "OK", at.plusSeconds(12L * i), child));
        }
        return flapping;
    }

    /** The verdict in a diagnose answer: details.verdict, which the EventBridge rules match on. */
    static Optional<Verdict> verdict(AsyncLambda.Step diagnosis) {
        JsonObject details = diagnosis.result().has("details") && diagnosis.result().get("details").isJsonObject()
                ? diagnosis.result().getAsJsonObject("details") : null;
        if (details == null || !details.has("verdict")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Verdict.valueOf(details.get("verdict").getAsString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static double baseline(Alarm symptom) {
        return symptom.baseline() == null ? 0 : symptom.baseline();
    }

    private static Duration firstPage(List<AsyncLambda.Step> steps, Instant alarmAt) {
        return steps.stream().filter(s -> "escalate".equals(s.function()) && s.result().has("startedAt"))
                .map(s -> Duration.between(alarmAt, Instant.parse(s.result().get("startedAt").getAsString())).plus(s.took()))
                .findFirst().orElse(Duration.ZERO);
    }

    private void print(Stage.Page page) {
        out.println();
        out.println("  ┌─ page to " + page.team() + " (SNS topic → the team's subscription)");
        out.println("  │ Subject: " + page.subject());
        if (!page.attributes().isEmpty()) {
            out.println("  │ Attributes: " + page.attributes());
        }
        out.println("  │");
        humanText(page.message()).lines().limit(40).forEach(line -> out.println("  │ " + line));
        out.println("  └─");
    }

    /** The text a person reads: a machine subscriber's JSON form carries it in "text"; a plain message is the text. */
    static String humanText(String message) {
        try {
            var json = com.google.gson.JsonParser.parseString(message);
            if (json.isJsonObject() && json.getAsJsonObject().has("text")) {
                return json.getAsJsonObject().get("text").getAsString();
            }
        } catch (com.google.gson.JsonParseException notJson) {
            // a plain-text page
        }
        return message;
    }

    private void table(List<Row> rows) {
        out.println();
        String format = "%-17s %-23s %-58s %-18s %-11s %-22s %s%n";
        out.printf(Locale.ROOT, format, "scenario", "verdict", "actions", "paged", "401s", "time to mitigation", "");
        for (Row row : rows) {
            out.printf(Locale.ROOT, format, row.scenario(), row.verdict(), row.actions(), row.paged(), row.refused(), row.mitigation(),
                    row.right() ? "ok" : "WRONG");
        }
        long wrong = rows.stream().filter(r -> !r.right()).count();
        out.println();
        out.println(wrong == 0 ? "drill: every scenario ended as its runbook says"
                : "drill: " + wrong + " of " + rows.size() + " scenarios ended wrong (see ✘ above)");
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }
}
