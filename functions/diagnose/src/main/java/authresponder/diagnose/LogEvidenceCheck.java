package authresponder.diagnose;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.diagnose.DiagnosePolicy.LogSignal;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * Check 8: how many of the authoriser's log lines in the window say invalid_signature, an unknown kid,
 * or token_expired. One FilterLogEvents query per phrase (a quoted term: exact, and what moto matches
 * too), all at once, each read up to {@link #MAX_EVENTS_PER_PHRASE} lines.
 */
final class LogEvidenceCheck implements CheckRunner.Check<Facts.LogCounts> {
    static final String NAME = "logs";
    /** Past this many lines per phrase the count is reported as "at least": enough to decide, cheap to read. */
    static final int MAX_EVENTS_PER_PHRASE = 10_000;
    private static final int PAGE = 10_000;

    private final Supplier<CloudWatchLogsClient> logs;
    private final String logGroup;
    private final Window window;
    private final Map<LogSignal, List<String>> phrases;

    LogEvidenceCheck(Supplier<CloudWatchLogsClient> logs, String logGroup, Window window, Map<LogSignal, List<String>> phrases) {
        this.logs = logs;
        this.logGroup = logGroup;
        this.window = window;
        this.phrases = phrases;
    }

    private record Count(long lines, boolean capped) {}

    @Override
    public Finding<Facts.LogCounts> run(Budget budget) throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("logGroup", logGroup);
        evidence.put("from", window.from());
        evidence.put("to", window.to());
        Map<LogSignal, Long> counts = new EnumMap<>(LogSignal.class);
        boolean capped = false;
        Map<String, Future<Count>> queries = new LinkedHashMap<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (List<String> list : phrases.values()) {
                for (String phrase : list) {
                    queries.put(phrase, threads.submit(() -> count(phrase, budget)));
                }
            }
            Map<String, Long> perPhrase = new LinkedHashMap<>();
            for (LogSignal signal : LogSignal.values()) {
                long total = 0;
                for (String phrase : phrases.getOrDefault(signal, List.of())) {
                    Count count = unwrap(queries.get(phrase));
                    total += count.lines();
                    capped |= count.capped();
                    perPhrase.put(phrase, count.lines());
                }
                counts.put(signal, total);
            }
            evidence.put("lines", perPhrase);
        } catch (ResourceNotFoundException e) {
            return Finding.fail("log group " + logGroup + " does not exist", evidence);
        } catch (SdkException e) {
            return Finding.fail("could not read log group " + logGroup + ": " + e.getMessage(), evidence);
        }
        Facts.LogCounts fact = new Facts.LogCounts(counts.get(LogSignal.INVALID_SIGNATURE), counts.get(LogSignal.UNKNOWN_KID),
                counts.get(LogSignal.TOKEN_EXPIRED), capped);
        String summary = (capped ? "at least " : "") + fact.invalidSignature() + " invalid_signature, " + fact.unknownKid()
                + " unknown-kid, " + fact.tokenExpired() + " token_expired line(s) in " + minutes(window) + " min";
        return fact.total() == 0 ? Finding.ok(summary, evidence, fact) : Finding.warn(summary, evidence, fact);
    }

    private Count count(String phrase, Budget budget) {
        long lines = 0;
        String next = null;
        do {
            String token = next;
            FilterLogEventsResponse page = logs.get().filterLogEvents(r -> r.logGroupName(logGroup)
                    .startTime(window.from().toEpochMilli()).endTime(window.to().toEpochMilli())
                    .filterPattern("\"" + phrase.replace("\"", "") + "\"").limit(PAGE).nextToken(token)
                    .overrideConfiguration(AwsClients.within(budget, budget.remaining())));
            lines += page.events().size();
            next = page.nextToken();
        } while (next != null && lines < MAX_EVENTS_PER_PHRASE);
        return new Count(Math.min(lines, MAX_EVENTS_PER_PHRASE), next != null);
    }

    /** The query's own exception (an SdkException says what AWS answered), not the executor's wrapper. */
    private static Count unwrap(Future<Count> query) throws InterruptedException {
        try {
            return query.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static long minutes(Window window) {
        return Math.max(1, Duration.between(window.from(), window.to()).toMinutes());
    }
}
