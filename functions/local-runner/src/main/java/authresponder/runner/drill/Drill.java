package authresponder.runner.drill;

import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.policy.Alarm;
import authresponder.core.policy.Verdict;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * {@code drill [SCENARIO]}: replays whole incidents on this machine through the real handlers, wired by
 * the same routing data as in AWS, and checks that each ends as its runbook says. Prints a timeline per
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
        List<Scenario> chosen = Scenario.all();
        boolean logs = false;
        for (String arg : args) {
            if (arg.equals("--logs")) {
                logs = true;
            } else {
                chosen = Scenario.all().stream().filter(s -> s.name().equals(arg)).toList();
                if (chosen.isEmpty()) {
                    err.println("auth-responder: no scenario '" + arg + "'; scenarios: "
                            + Scenario.all().stream().map(Scenario::name).collect(Collectors.joining(", ")));
                    return 2;
                }
            }
        }
        return new Drill(out, logs).runAll(chosen).stream().allMatch(Row::right) ? 0 : 1;
    }

    List<Row> runAll(List<Scenario> scenarios) {
        out.println("auth-responder drill: starting Redis, moto and a local identity provider on loopback ports");
        if (!functionLogs) {
            // The functions' structured logs go to CloudWatch in AWS; here the timeline says what they did.
            Log.redirect(new PrintStream(OutputStream.nullOutputStream()));
        }
        List<Row> rows = new ArrayList<>();
        Stage stage = Stage.open();
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
        var before = stage.traffic();
        timeline.note("authoriser", "before: " + before.describe());
        String keysBefore = stage.cachedJwks();
        Bus bus = new Bus(stage.policy, stage.env(), timeline);
        if (scenario.delivery() == Scenario.Delivery.WATCHED) {
            bus.schedule("watch-keys"); // it has been running every minute: it knows the keys from before
        }
        timeline.note("incident", scenario.incident().happen(stage));
        try (AutoCloseable ongoing = scenario.pressure().start(stage)) {
            return respond(stage, scenario, timeline, bus, before, keysBefore);
        } catch (Exception e) {
            throw new IllegalStateException("the drill's own " + scenario.name() + " load failed to stop", e);
        }
    }

    /** The incident is on: measure it, raise the alarms, let the product respond, measure again, judge. */
    private Row respond(Stage stage, Scenario scenario, Timeline timeline, Bus bus, SimulatedAuthoriser.Tally before, String keysBefore) {
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
            bus.schedule("watch-keys");
            stage.signInAgain(Scenario.SIGNED_IN_AGAIN, i -> stage.idp.token("rsa-2").subject("user-" + i).sign());
            timeline.note("incident", "IdP now signs with rsa-2; " + Math.round(stage.users.size() * Scenario.SIGNED_IN_AGAIN) + " users signed in again");
        } else if (!fires) {
            wrong.add(SYMPTOM + " did not fire: " + String.format(Locale.ROOT, "%.1f%%", during.refusedPercent()) + " refused");
        } else {
            bus.alarm(AlarmEvents.metric(symptom, "ALARM", alarmAt, List.of(before.refusedPercent(), during.refusedPercent())));
            deliver(bus, composite, scenario.delivery(), alarmAt);
        }
        var after = stage.traffic();
        Duration sinceAlarm = Duration.between(alarmAt, Instant.now());
        timeline.note("authoriser", "after: " + after.describe() + " (" + stage.authoriser.environments() + " execution environment"
                + (stage.authoriser.environments() == 1 ? "" : "s") + " so far)");
        long sessionsAfter = stage.keys("session:*");
        List<Stage.Page> pages = stage.pages();
        pages.forEach(this::print);

        List<Bus.Step> steps = bus.steps();
        Optional<Verdict> verdict = steps.stream().filter(s -> s.function().equals("diagnose") && s.wired())
                .findFirst().flatMap(Bus::verdict);
        Scenario.Expected expected = scenario.expected();
        bus.unwired().forEach((function, why) -> wrong.add("not wired: " + function + " (" + why + ")"));
        if (expected.verdict() != null && fires && verdict.map(v -> v != expected.verdict()).orElse(bus.unwired().isEmpty())) {
            wrong.add("verdict " + verdict.map(Enum::name).orElse("none") + ", expected " + expected.verdict());
        }
        Map<String, Long> done = steps.stream().filter(s -> s.action() != null && s.outcome() == Outcome.DONE)
                .collect(Collectors.groupingBy(Bus.Step::action, TreeMap::new, Collectors.counting()));
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

    /** The composite alarm's deliveries: once, or flapping (ALARM, OK, ALARM, OK, ALARM, all delivered at once). */
    private void deliver(Bus bus, Alarm composite, Scenario.Delivery delivery, Instant at) {
        if (delivery == Scenario.Delivery.ONCE) {
            bus.alarm(AlarmEvents.composite(composite, "ALARM", at, SYMPTOM));
            return;
        }
        try (ExecutorService lambdas = Executors.newFixedThreadPool(5)) {
            for (int i = 0; i < 5; i++) {
                String value = i % 2 == 0 ? "ALARM" : "OK";
                Instant stateTime = at.plusSeconds(12L * i);
                lambdas.submit(() -> bus.alarm(AlarmEvents.composite(composite, value, stateTime, SYMPTOM)));
            }
        }
    }

    private static double baseline(Alarm symptom) {
        return symptom.baseline() == null ? 0 : symptom.baseline();
    }

    private static Duration firstPage(List<Bus.Step> steps, Instant alarmAt) {
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
