package authresponder.watchkeys;

import authresponder.core.AwsClients;
import authresponder.core.BadInputException;
import authresponder.core.Budget;
import authresponder.core.Caller;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.IdpUrls;
import authresponder.core.Lazy;
import authresponder.core.Outcome;
import authresponder.core.Redact;
import authresponder.core.Result;
import authresponder.core.Trigger;
import authresponder.core.policy.KeyChange;
import authresponder.core.policy.KeyWatch;
import authresponder.core.policy.Policy;
import authresponder.flushcache.FlushCacheHandler;
import authresponder.restart.RestartAuthoriserHandler;
import authresponder.watchkeys.KeyFetcher.Fetched;
import authresponder.watchkeys.WatchReport.ActionReport;
import authresponder.watchkeys.WatchReport.ProviderReport;
import authresponder.watchkeys.WatchReport.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * watch-keys: looks at each configured identity provider's signing keys (on a schedule, and at once when a
 * provider's key-rotation hook calls it) and, when a key was added, removed or changed under the same kid,
 * brings the caches in line before the first user gets a 401, by the runbooks' policy ({@code keyWatch}).
 *
 * <p>It refreshes the cached JWKS by deleting it (the runbooks' {@code flush-jwks}), not by writing a fresh
 * copy: the delete is the one flush the alarm path already runs, with its ledger record, cooldown and dry run;
 * watch-keys need not know the authoriser's cache keys, value format or TTL; and the authoriser refills the
 * cache from the provider on its next miss, which just answered with the new keys. A removed key or new
 * material under a known kid also restarts the authoriser, whose memory would otherwise keep the old key.
 *
 * <p>The keys last seen are kept in the ledger table, not in the cache. A provider that fails is never read as
 * "every key removed": nothing is compared or done, and the team is told once per notice window.
 */
public final class WatchKeysHandler extends FunctionHandler<WatchCommand, WatchReport> {
    static final String FETCH_TIMEOUT = "WATCH_KEYS_FETCH_TIMEOUT";
    static final String RESTART_TARGETS = "RESTART_TARGETS";
    /** The severity order of outcomes when providers and actions end differently: the worst one is the run's. */
    private static final List<Outcome> SEVERITY = List.of(Outcome.NO_CHANGE, Outcome.DONE, Outcome.DRY_RUN, Outcome.COOLDOWN,
            Outcome.IN_PROGRESS, Outcome.PARTIAL, Outcome.REFUSED, Outcome.FAILED);

    private final KeyWatch policy;
    private final String runbook;
    private final Map<String, Provider> providers;
    private final Duration fetchTimeout;
    private final KeyFetcher fetcher;
    private final StateStore store;
    private final Notices notices;
    private final Repair repair;
    private final Clock clock;

    public WatchKeysHandler() {
        this(Env.system());
        prepare();
    }

    /** Every run reads the state store; the repairs' clients are built when a change calls for them. */
    @Override
    protected List<Lazy<?>> firstEventClients() {
        return List.of(store.client());
    }

    public WatchKeysHandler(Env env) {
        this(env, Clock.systemUTC());
    }

    /** With another clock for the notice window: tests move it on. */
    WatchKeysHandler(Env env, Clock clock) {
        super("watch-keys", WatchCommand.class, env);
        Policy runbooks = Policy.bundled();
        this.policy = runbooks.keyWatch();
        this.runbook = runbooks.runbookOfKeyWatch().path();
        this.providers = Provider.parse(env);
        this.fetchTimeout = env.duration(FETCH_TIMEOUT, Duration.ofSeconds(5));
        this.fetcher = new KeyFetcher(IdpUrls.from(env));
        AwsClients clients = new AwsClients(env);
        this.store = new StateStore(clients, env.required("LEDGER_TABLE"));
        this.notices = new Notices(env, clients, policy.team());
        Map<String, FunctionHandler<?, ?>> functions = new LinkedHashMap<>();
        functions.put("flush-cache", new FlushCacheHandler(env));
        // Without restart targets the authoriser is taken to hold no keys in memory: the flush is enough.
        if (env.optional(RESTART_TARGETS).isPresent()) {
            functions.put("restart-authoriser", new RestartAuthoriserHandler(env));
        }
        this.repair = new Repair(runbooks.routing(), functions);
        this.clock = clock;
    }

    /** The schedule looks at every provider. */
    @Override
    protected WatchCommand commandFor(Trigger trigger) {
        if (trigger instanceof Trigger.Schedule) {
            return new WatchCommand(null, null);
        }
        return super.commandFor(trigger);
    }

    @Override
    protected void check(WatchCommand command) {
        if (command.provider() != null && !providers.containsKey(command.provider())) {
            throw new BadInputException("unknown provider '" + command.provider() + "'; configured: " + new TreeSet<>(providers.keySet()));
        }
    }

    /** One provider as it stood: what was recorded, and what it publishes now. */
    private record Look(Provider provider, WatchState state, Fetched fetched) {
        List<KeyDiff> changes() {
            return fetched instanceof KeyFetcher.Keys now && state.keys() != null ? now.keys().since(state.keys()) : List.of();
        }
    }

    @Override
    protected Result<WatchReport> run(WatchCommand command, Invocation invocation) throws Exception {
        boolean dryRun = command.isDryRun();
        Budget budget = invocation.budget();
        List<Provider> chosen = command.provider() != null ? List.of(providers.get(command.provider()))
                : providers.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
        List<Look> looks = look(chosen, budget);
        List<Look> changed = looks.stream().filter(look -> !look.changes().isEmpty()).toList();
        Repair.Done repaired = changed.isEmpty() ? null
                : repair.run(actionsFor(changed), dryRun, onBehalf(invocation.caller()), budget);
        List<String> told = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<ProviderReport> reports = new ArrayList<>();
        for (Look look : looks) {
            reports.add(settle(look, repaired, dryRun, budget, told, warnings));
        }
        Outcome outcome = dryRun ? Outcome.DRY_RUN : Outcome.NO_CHANGE;
        if (repaired != null) {
            outcome = worse(outcome, repaired.outcome() == Outcome.BAD_INPUT ? Outcome.FAILED : repaired.outcome());
        }
        if (reports.stream().anyMatch(r -> r.status() == Status.UNREACHABLE)) {
            outcome = worse(outcome, Outcome.PARTIAL);
        }
        WatchReport report = new WatchReport(dryRun, reports, repaired == null ? List.of() : repaired.steps(), told);
        log.info("watch", "dryRun", dryRun, "providers", reports.stream().map(r -> r.name() + ":" + r.status()).toList(),
                "actions", report.actions().stream().map(a -> a.action() + ":" + a.outcome()).toList());
        return Result.of(outcome, summary(report), report, warnings);
    }

    /** Every provider at once, each within the fetch timeout: its recorded state and its keys now. */
    private List<Look> look(List<Provider> chosen, Budget budget) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Look>> pending = new ArrayList<>();
            for (Provider provider : chosen) {
                pending.add(pool.submit(() -> new Look(provider, store.read(provider, budget), fetcher.fetch(provider, budget.slice(fetchTimeout)))));
            }
            List<Look> looks = new ArrayList<>();
            for (Future<Look> look : pending) {
                try {
                    looks.add(look.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            return looks;
        }
    }

    /** The runbooks' actions for every kind of change seen, each once, in the order the policy gives them. */
    private List<String> actionsFor(List<Look> changed) {
        Set<KeyChange> kinds = changed.stream().flatMap(look -> look.changes().stream()).map(KeyDiff::change).collect(Collectors.toSet());
        Set<String> actions = new LinkedHashSet<>();
        for (KeyChange kind : KeyChange.values()) {
            if (kinds.contains(kind)) {
                actions.addAll(policy.actions().get(kind));
            }
        }
        return List.copyOf(actions);
    }

    /** The actions are watch-keys' own, on behalf of whoever started it: so the ledger records them. */
    private static Caller onBehalf(Caller caller) {
        return new Caller(caller.kind(), "watch-keys (" + caller.principal() + ")", "watch-keys:" + caller.requestKey());
    }

    /** Records what this look means for one provider, tells the team what it should know, and reports it. */
    private ProviderReport settle(Look look, Repair.Done repaired, boolean dryRun, Budget budget, List<String> told, List<String> warnings) {
        Provider provider = look.provider();
        WatchState state = look.state();
        Instant now = clock.instant();
        if (look.fetched() instanceof KeyFetcher.Failed failed) {
            String note = failed.problem() + "; nothing compared or done: a failed look is never read as keys removed";
            WatchState failing = state.failingSince() == null ? state.failing(failed.problem(), now) : state;
            if (!dryRun) {
                note += "; " + tellOnce(provider, state, failing, failingNotice(provider, failing), now, budget, told, warnings);
            }
            return report(look, Status.UNREACHABLE, note, failing.failingSince());
        }
        KeyFetcher.Keys fetched = (KeyFetcher.Keys) look.fetched();
        for (String skipped : fetched.skipped()) {
            warnings.add(provider.name() + ": " + skipped);
            log.warn("key-skipped", "provider", provider.name(), "key", skipped);
        }
        SigningKeys keys = fetched.keys();
        if (state.keys() == null) {
            if (!dryRun) {
                store.write(provider, state, state.withKeys(keys, now), budget);
            }
            return report(look, Status.BASELINE, (dryRun ? "would record " : "recorded ") + keys.kids().size()
                    + " signing key(s) to compare with from now on", null);
        }
        List<KeyDiff> changes = look.changes();
        if (changes.isEmpty()) {
            String note = "the same signing keys as recorded at " + state.seenAt();
            if (!dryRun && state.failingSince() != null) {
                Optional<WatchState> stored = store.write(provider, state, state.answering(), budget);
                if (stored.isPresent() && state.failureWasTold()) {
                    tell(provider, answeringNotice(provider, state, keys), budget, told, warnings);
                }
                note += "; answering again after failing since " + state.failingSince();
            }
            return report(look, Status.UNCHANGED, note, null);
        }
        String note;
        if (dryRun) {
            note = "dry run: the actions were asked for their dry runs; nothing was recorded";
        } else if (repaired.complete()) {
            Optional<WatchState> stored = store.write(provider, state, state.withKeys(keys, now), budget);
            if (stored.isPresent()) {
                tell(provider, changeNotice(provider, changes, repaired), budget, told, warnings);
                note = "caches brought in line; the new keys are recorded";
            } else {
                note = "another run recorded the same change at the same time";
            }
        } else if (repaired.outcome() == Outcome.COOLDOWN || repaired.outcome() == Outcome.IN_PROGRESS) {
            note = "pending: an action is cooling down or still running in another invocation; the change is kept and looked at again next run";
        } else {
            note = "the actions did not complete (" + repaired.outcome() + "); the change is kept and tried again next run; "
                    + tellOnce(provider, state, state, unfinishedNotice(provider, changes, repaired), now, budget, told, warnings);
        }
        return report(look, Status.CHANGED, note, null);
    }

    /**
     * Tells a problem at most once per notice window. The notice time is recorded first, so that two runs at
     * once cannot both tell it, and given back when the notice could not be sent, so that the next run tries.
     */
    private String tellOnce(Provider provider, WatchState state, WatchState next, Notice notice, Instant now, Budget budget,
                            List<String> told, List<String> warnings) {
        String window = "at most once per " + policy.noticeWindow();
        if (!state.noticeDue(now, policy.noticeWindow())) {
            if (!next.equals(state)) {
                store.write(provider, state, next, budget);
            }
            return policy.team() + " was told at " + state.noticeAt() + " (" + window + ")";
        }
        Optional<WatchState> stored = store.write(provider, state, next.noticed(now), budget);
        if (stored.isEmpty()) {
            return "another run handled it at the same time";
        }
        if (tell(provider, notice, budget, told, warnings).isPresent()) {
            return policy.team() + " told (" + window + ")";
        }
        store.write(provider, stored.get(), stored.get().noticed(state.noticeAt()), budget);
        return "telling " + policy.team() + " failed; tried again next run";
    }

    private static ProviderReport report(Look look, Status status, String note, Instant failingSince) {
        boolean answered = look.fetched() instanceof KeyFetcher.Keys;
        KeyFetcher.Keys keys = answered ? (KeyFetcher.Keys) look.fetched() : null;
        return new ProviderReport(look.provider().name(), look.provider().issuer(), status, answered ? keys.jwksUri() : null,
                answered ? keys.keys().kids() : List.of(), look.changes(), note, failingSince);
    }

    // ---- notices: informational, to the runbooks' keyWatch team ----

    private record Notice(String subject, String message) {}

    /** Publishes a notice; its message id, or empty (with a warning) when it could not be sent. */
    private Optional<String> tell(Provider provider, Notice notice, Budget budget, List<String> told, List<String> warnings) {
        if (notices.unavailable() != null) {
            warnings.add(notices.unavailable());
            return Optional.empty();
        }
        try {
            String id = notices.publish(notice.subject(), notice.message(), budget);
            told.add(notice.subject());
            log.info("notice", "provider", provider.name(), "subject", notice.subject(), "messageId", id);
            return Optional.of(id);
        } catch (RuntimeException e) {
            String problem = e.getClass().getSimpleName() + ": " + Redact.scrub(String.valueOf(e.getMessage()));
            warnings.add("the notice to " + notices.team() + " was not sent: " + problem);
            log.warn("notice-failed", "provider", provider.name(), "problem", problem);
            return Optional.empty();
        }
    }

    private Notice changeNotice(Provider provider, List<KeyDiff> changes, Repair.Done repaired) {
        String subject = changes.size() == 1 ? changes.getFirst().describe() : changes.size() + " signing-key changes";
        return new Notice("watch-keys: " + provider.name() + ": " + subject,
                "Identity provider " + provider.name() + " (" + provider.issuer() + ") changed its signing keys:\n"
                        + changeLines(changes)
                        + "\nwatch-keys brought the caches in line before users could see a 401:\n" + actionLines(repaired.steps())
                        + "\nNothing to do unless 401s rise. Runbook: " + runbook + "\n");
    }

    private Notice unfinishedNotice(Provider provider, List<KeyDiff> changes, Repair.Done repaired) {
        return new Notice("watch-keys: " + provider.name() + ": key change not yet handled",
                "Identity provider " + provider.name() + " (" + provider.issuer() + ") changed its signing keys:\n"
                        + changeLines(changes)
                        + "\nThe actions did not complete (" + repaired.outcome() + "):\n" + actionLines(repaired.steps())
                        + "\nwatch-keys tries again each run and tells this at most once per " + policy.noticeWindow()
                        + ". Users whose tokens are signed by a new key may get 401s until the cached JWKS is refreshed. Runbook: " + runbook + "\n");
    }

    private Notice failingNotice(Provider provider, WatchState failing) {
        return new Notice("watch-keys: " + provider.name() + " is failing",
                "watch-keys cannot read the signing keys of identity provider " + provider.name() + " (" + provider.issuer() + ") since "
                        + failing.failingSince() + ": " + failing.failure() + ".\n"
                        + "Nothing was flushed or restarted: a failed look is never read as keys removed. This is told at most once per "
                        + policy.noticeWindow() + "; a notice follows when it answers again. Runbook: " + runbook + "\n");
    }

    private Notice answeringNotice(Provider provider, WatchState failed, SigningKeys keys) {
        return new Notice("watch-keys: " + provider.name() + " answers again",
                "Identity provider " + provider.name() + " (" + provider.issuer() + ") answers again after failing since "
                        + failed.failingSince() + " (" + failed.failure() + "). Its signing keys are the ones recorded: "
                        + String.join(", ", keys.kids()) + ". Runbook: " + runbook + "\n");
    }

    private static String changeLines(List<KeyDiff> changes) {
        return changes.stream().map(c -> "- " + c.describe()
                        + (c.after().isEmpty() ? "" : ", thumbprint " + String.join(" ", c.after()))
                        + (c.before().isEmpty() ? "" : ", was " + String.join(" ", c.before())) + "\n")
                .collect(Collectors.joining());
    }

    private static String actionLines(List<ActionReport> steps) {
        return steps.stream().map(s -> "- " + s.action() + " (" + s.function() + "): " + s.outcome() + ": " + s.summary() + "\n")
                .collect(Collectors.joining());
    }

    // ---- the answer ----

    private static Outcome worse(Outcome a, Outcome b) {
        return SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a;
    }

    private static String summary(WatchReport report) {
        List<String> parts = new ArrayList<>();
        for (ProviderReport provider : report.providers()) {
            parts.add(provider.name() + ": " + switch (provider.status()) {
                case BASELINE -> (report.dryRun() ? "would record " : "recorded ") + provider.kids().size() + " signing key(s)";
                case UNCHANGED -> "unchanged (" + provider.kids().size() + " signing key(s))";
                case CHANGED -> provider.changes().stream().map(KeyDiff::describe).collect(Collectors.joining(", "));
                case UNREACHABLE -> "unreachable, nothing done";
            });
        }
        String summary = (report.dryRun() ? "dry run: " : "") + String.join("; ", parts);
        if (!report.actions().isEmpty()) {
            summary += " → " + report.actions().stream().map(a -> a.action() + " " + a.outcome()).collect(Collectors.joining(", "));
        }
        return summary;
    }
}
