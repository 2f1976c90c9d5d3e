package authresponder.diagnose;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.diagnose.DiagnosePolicy.LogSignal;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
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

    /** The matching lines of one phrase, by event id (to count a line with two signals once), and whether the read stopped at the cap. */
    private record Lines(Set<String> ids, boolean capped) {}

    @Override
    public Finding<Facts.LogCounts> run(Budget budget) throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("logGroup", logGroup);
        evidence.put("from", window.from());
        evidence.put("to", window.to());
        Map<LogSignal, Set<String>> bySignal = new EnumMap<>(LogSignal.class);
        Map<String, Object> perPhrase = new LinkedHashMap<>();
        boolean capped = false;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<Lines>> queries = new LinkedHashMap<>();
            phrases.values().forEach(list -> list.forEach(phrase -> queries.put(phrase, threads.submit(() -> lines(phrase, budget)))));
            for (LogSignal signal : LogSignal.values()) {
                Set<String> ids = new HashSet<>();
                for (String phrase : phrases.getOrDefault(signal, List.of())) {
                    Lines lines = unwrap(queries.get(phrase));
                    ids.addAll(lines.ids());
                    capped |= lines.capped();
                    perPhrase.put(phrase, (long) lines.ids().size());
                }
                bySignal.put(signal, ids);
            }
        } catch (ResourceNotFoundException e) {
            return Finding.fail("log group " + logGroup + " does not exist", evidence);
        } catch (SdkException e) {
            return Finding.fail("could not read log group " + logGroup + ": " + e.getMessage(), evidence);
        }
        evidence.put("lines", perPhrase);
        Set<String> signature = new HashSet<>(bySignal.get(LogSignal.INVALID_SIGNATURE));
        signature.addAll(bySignal.get(LogSignal.UNKNOWN_KID));
        Set<String> all = new HashSet<>(signature);
        all.addAll(bySignal.get(LogSignal.TOKEN_EXPIRED));
        Facts.LogCounts fact = new Facts.LogCounts(bySignal.get(LogSignal.INVALID_SIGNATURE).size(), bySignal.get(LogSignal.UNKNOWN_KID).size(),
                bySignal.get(LogSignal.TOKEN_EXPIRED).size(), signature.size(), all.size(), capped);
        evidence.put("distinctLines", fact.total());
        String summary = (capped ? "at least " : "") + fact.invalidSignature() + " invalid_signature, " + fact.unknownKid()
                + " unknown-kid, " + fact.tokenExpired() + " token_expired line(s) in " + minutes(window) + " min";
        return fact.total() == 0 ? Finding.ok(summary, evidence, fact) : Finding.warn(summary, evidence, fact);
    }

    private Lines lines(String phrase, Budget budget) {
        Set<String> ids = new HashSet<>();
        String next = null;
        do {
            String token = next;
            FilterLogEventsResponse page = logs.get().filterLogEvents(r -> r.logGroupName(logGroup)
                    .startTime(window.from().toEpochMilli()).endTime(window.to().toEpochMilli())
                    .filterPattern("\"" + phrase.replace("\"", "") + "\"").limit(PAGE).nextToken(token)
                    .overrideConfiguration(AwsClients.within(budget, budget.remaining())));
            for (FilteredLogEvent event : page.events()) {
                ids.add(event.eventId() != null ? event.eventId() : event.logStreamName() + "/" + event.timestamp() + "/" + event.message());
            }
            next = page.nextToken();
        } while (next != null && ids.size() < MAX_EVENTS_PER_PHRASE);
        return new Lines(ids, next != null);
    }

    /** The query's own exception (an SdkException says what AWS answered), not the executor's wrapper. */
    private static Lines unwrap(Future<Lines> query) throws InterruptedException {
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
