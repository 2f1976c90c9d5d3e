package authresponder.diagnose;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.policy.Verdict;
import authresponder.testkit.LocalIdp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The diagnose benchmark (bin/bench-diagnose): on local real parts (LocalIdp, redis-server, moto), the wall
 * time of a full diagnosis with the checks run at once, side by side with the same checks run one by one;
 * then the wall time when the IdP is a black hole, against the check budget; then N diagnoses at once in this
 * one process against a serving IdP and a slow one, their verdicts tallied side by side. Prints markdown.
 * Arguments: runs per timing row (10), diagnoses at once (20), rounds of them (3), and "verdicts" to skip the timings.
 */
public final class DiagnoseBench {
    private static final String COMMAND = "{\"action\":\"diagnose\"}";

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int atOnce = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean timings = args.length <= 3 || !args[3].equals("verdicts");
        if (timings) {
            try (Incident incident = new Incident()) {
                incident.set("CHECK_BUDGET", Incident.CHECK_BUDGET.toMillis() + "ms").cacheLiveKeys().tokenKeys(2_000).deployAuthoriser();
                for (String phrase : List.of("invalid_signature", "kid mismatch", "token_expired")) {
                    incident.logLines(phrase, 100, Instant.now().minusSeconds(300));
                }
                timings(incident, incident.handler(Incident.deployLongAgo()), runs);
            }
        }
        // nothing wrong but the load and, in the second row, the IdP's latency: every verdict should be HEALTHY
        try (Incident healthy = new Incident()) {
            healthy.set("CHECK_BUDGET", Incident.CHECK_BUDGET.toMillis() + "ms").cacheLiveKeys().tokenKeys(2_000).deployAuthoriser();
            verdicts(healthy, healthy.handler(Incident.deployLongAgo()), atOnce, rounds);
        }
    }

    private static void timings(Incident incident, DiagnoseHandler handler, int runs) {
        System.out.println("budget per check (CHECK_BUDGET): " + Incident.CHECK_BUDGET.toMillis() + " ms; " + runs + " runs per row after 3 warm-up runs;"
                + " data: cached JWKS (2 keys), 2,000 token keys, 300 log lines, authoriser function in moto");
        System.out.println();
        System.out.println("| mode | IdP | median ms | min ms | max ms | verdict | slowest check (median ms) | sum of checks (median ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        row(handler, false, "serving", runs);
        row(handler, true, "serving", runs);
        incident.idp.latency(Duration.ofMillis(300));
        row(handler, false, "300 ms away", runs);
        row(handler, true, "300 ms away", runs);
        incident.idp.latency(Duration.ZERO);
        incident.idp.mode(LocalIdp.Mode.BLACK_HOLE);
        int slowRuns = Math.max(3, runs / 3);
        row(handler, false, "black hole", slowRuns);
        row(handler, true, "black hole", slowRuns);
        incident.idp.mode(LocalIdp.Mode.SERVING);
    }

    /** N diagnoses started at once in this process (as a busy host runs them), per IdP: what they concluded. */
    private static void verdicts(Incident incident, DiagnoseHandler handler, int atOnce, int rounds) throws Exception {
        handler.runOneByOne(false);
        System.out.println();
        System.out.println(atOnce + " diagnoses at once in one process, " + rounds + " rounds per row, after " + atOnce + " warm-up diagnoses;"
                + " budget per check " + Incident.CHECK_BUDGET.toMillis() + " ms; nothing is wrong (cached JWKS = live JWKS, 2,000 token keys,"
                + " no log errors, no recent deploy); the IdP (LocalIdp), Redis and moto run on the same machine, the IdP in the same process");
        System.out.println();
        System.out.println("| IdP | diagnoses | verdicts | checks out of time on our side | IdP checks FAIL | median ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        tally(handler, atOnce, 1, null, new TreeSet<>()); // warm-up
        incident.idp.latency(Duration.ZERO);
        Set<String> why = new TreeSet<>();
        System.out.println(tally(handler, atOnce, rounds, "serving", why));
        incident.idp.latency(Duration.ofMillis(1600));
        System.out.println(tally(handler, atOnce, rounds, "1.6 s per request", why));
        incident.idp.latency(Duration.ZERO);
        System.out.println();
        why.forEach(line -> System.out.println("- " + line));
    }

    /** @param why collects, for each verdict other than HEALTHY, its headline with the numbers taken out */
    private static String tally(DiagnoseHandler handler, int atOnce, int rounds, String idp, Set<String> why) throws Exception {
        Map<String, Integer> verdicts = new TreeMap<>();
        int starved = 0;
        int idpFailed = 0;
        List<Long> walls = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> running = new ArrayList<>();
            try (var threads = Executors.newFixedThreadPool(atOnce)) {
                for (int i = 0; i < atOnce; i++) {
                    running.add(threads.submit(() -> {
                        go.await();
                        return diagnose(handler);
                    }));
                }
                go.countDown();
                for (var future : running) {
                    Answer answer = future.get();
                    Diagnosis diagnosis = (Diagnosis) answer.result().details();
                    verdicts.merge(diagnosis.verdict() + " " + diagnosis.confidence(), 1, Integer::sum);
                    if (diagnosis.verdict() != Verdict.HEALTHY) {
                        String headline = diagnosis.headline().replaceAll("\\d+", "N");
                        why.add(idp + ": " + diagnosis.verdict() + ": " + (headline.length() > 90 ? headline.substring(0, 90) + "..." : headline));
                    }
                    diagnosis.checks().stream().filter(c -> c.summary().startsWith("ran out of time on our side"))
                            .forEach(c -> why.add(idp + ": out of time on our side: " + c.name()));
                    walls.add(answer.result().duration().toMillis());
                    for (CheckReport check : diagnosis.checks()) {
                        starved += check.summary().startsWith("ran out of time on our side") ? 1 : 0;
                        idpFailed += (check.name().equals(DiscoveryCheck.NAME) || check.name().equals(JwksCheck.NAME))
                                && check.status() == CheckReport.Status.FAIL ? 1 : 0;
                    }
                }
            }
        }
        String tallied = String.join(", ", verdicts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
        return String.format("| %s | %d | %s | %d | %d | %d | %d |", idp, atOnce * rounds, tallied, starved, idpFailed, median(walls),
                walls.stream().max(Long::compare).orElse(0L));
    }

    private static void row(DiagnoseHandler handler, boolean oneByOne, String idp, int runs) {
        handler.runOneByOne(oneByOne);
        for (int i = 0; i < 3 && !idp.equals("black hole"); i++) {
            diagnose(handler);
        }
        List<Long> walls = new ArrayList<>();
        List<Long> sums = new ArrayList<>();
        Map<String, List<Long>> perCheck = new LinkedHashMap<>();
        String verdict = null;
        for (int i = 0; i < runs; i++) {
            Answer answer = diagnose(handler);
            Diagnosis diagnosis = (Diagnosis) answer.result().details();
            walls.add(answer.result().duration().toMillis());
            sums.add(diagnosis.checks().stream().mapToLong(c -> c.duration().toMillis()).sum());
            diagnosis.checks().forEach(c -> perCheck.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(c.duration().toMillis()));
            verdict = diagnosis.verdict().name();
        }
        Map.Entry<String, Long> slowest = perCheck.entrySet().stream().map(e -> Map.entry(e.getKey(), median(e.getValue())))
                .max(Comparator.comparingLong(Map.Entry::getValue)).orElseThrow();
        System.out.printf("| %s | %s | %d | %d | %d | %s | %s (%d) | %d |%n", oneByOne ? "one by one" : "concurrent", idp, median(walls),
                walls.stream().min(Long::compare).orElseThrow(), walls.stream().max(Long::compare).orElseThrow(), verdict,
                slowest.getKey(), slowest.getValue(), median(sums));
    }

    private static Answer diagnose(DiagnoseHandler handler) {
        return handler.handle(COMMAND.getBytes(StandardCharsets.UTF_8), new LocalContext("diagnose", Duration.ofSeconds(60)));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
