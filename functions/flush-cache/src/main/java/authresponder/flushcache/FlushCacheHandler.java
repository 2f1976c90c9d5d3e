package authresponder.flushcache;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.cache.CacheException;
import authresponder.core.BadInputException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Lazy;
import authresponder.core.Outcome;
import authresponder.core.Result;
import authresponder.core.Trigger;
import authresponder.core.ledger.Claim;
import authresponder.core.ledger.Ledger;
import authresponder.core.ledger.Request;
import authresponder.core.policy.Policy;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * flush-cache: removes the keys of a named scope (the cached JWKS, cached tokens) from the cache with
 * SCAN + UNLINK, so the authoriser fetches fresh signing keys. Sessions and every other key survive;
 * emptying the whole database is a scope of its own that a caller must name. Each real flush is the
 * ledger action {@code flush-<scope>} on the configured cache: its cooldown and caps are the runbooks'.
 */
public final class FlushCacheHandler extends FunctionHandler<FlushCommand, FlushReport> {
    /** The diagnose verdict this function repairs when it arrives as diagnose's result. */
    static final String STALE_KEY_CACHE = "STALE_KEY_CACHE";

    private final Scopes scopes;
    private final Policy policy;
    private final Ledger ledger;
    private final CacheConnector connector;

    public FlushCacheHandler() {
        this(Env.system());
        prepare();
    }

    /** Every event goes through the ledger and the cache (and the AWS lookups its settings name). */
    @Override
    protected List<Lazy<?>> firstEventClients() {
        List<Lazy<?>> clients = new ArrayList<>(connector.clients());
        clients.add(ledger.client());
        return clients;
    }

    public FlushCacheHandler(Env env) {
        this(env, Policy.bundled());
    }

    /** With other runbooks: tests use smaller caps and cooldowns. */
    FlushCacheHandler(Env env, Policy policy) {
        super("flush-cache", FlushCommand.class, env);
        this.scopes = new Scopes(env);
        this.policy = policy;
        this.ledger = Ledger.from(env);
        this.connector = new CacheConnector(env);
    }

    /** A diagnosis of stale cached keys flushes the jwks scope; any other result is not for this function. */
    @Override
    protected FlushCommand commandFor(Trigger trigger) {
        if (trigger instanceof Trigger.FunctionResult result) {
            String verdict = verdict(result.response());
            if (result.success() && STALE_KEY_CACHE.equals(verdict)) {
                return new FlushCommand(FlushCommand.FLUSH, "jwks", false, false, null);
            }
            throw new BadInputException("flush-cache acts on a successful " + STALE_KEY_CACHE + " verdict; the result of "
                    + result.function() + " has " + (result.success() ? "verdict " + verdict : "failed"));
        }
        return super.commandFor(trigger);
    }

    private static String verdict(JsonObject response) {
        JsonElement details = response.get("details");
        if (details == null || !details.isJsonObject()) {
            return null;
        }
        JsonElement verdict = details.getAsJsonObject().get("verdict");
        return verdict != null && verdict.isJsonPrimitive() ? verdict.getAsString() : null;
    }

    @Override
    protected void check(FlushCommand command) {
        if (!FlushCommand.FLUSH.equals(command.action())) {
            throw new BadInputException(command.action() == null ? "field 'action' is required: \"flush\""
                    : "unknown action '" + command.action() + "'; allowed: flush");
        }
        if (command.scope() == null) {
            throw new BadInputException("field 'scope' is required; one of " + String.join(", ", scopes.names()));
        }
        if (!scopes.isKnown(command.scope())) {
            throw new BadInputException("unknown scope '" + command.scope() + "'; one of " + String.join(", ", scopes.names()));
        }
        Request.checkForce(command.force(), command.reason());
        if (Scopes.WHOLE_DATABASE.equals(command.scope()) && !command.isDryRun() && !Boolean.TRUE.equals(command.force())) {
            // Every user signs in again: only a person who says so and why, never an alarm or a chain.
            throw new BadInputException("scope " + Scopes.WHOLE_DATABASE + " signs every user out: it runs only with force: true"
                    + " and a reason (a dry run needs neither)");
        }
    }

    @Override
    protected Result<FlushReport> run(FlushCommand command, Invocation invocation) throws Exception {
        String action = "flush-" + command.scope();
        Request request = Request.of(action, connector.settings().describe(), invocation.caller(), policy.cooldown(action))
                .dryRun(command.isDryRun()).force(command.force(), command.reason());
        return ledger.guard(request, invocation.budget(), FlushReport.class, go -> {
            Result<FlushReport> result = flush(command.scope(), command.isDryRun(), invocation);
            if (go instanceof Claim.Granted granted && result.outcome() == Outcome.FAILED && changedNothing(result.details())) {
                ledger.release(granted, invocation.budget()); // a failure that removed nothing holds no cooldown
            }
            return result;
        });
    }

    /** No key was confirmed removed and none may have been: nothing on the cache changed. */
    private static boolean changedNothing(FlushReport report) {
        return report.keys() == 0 && report.keysUnknown() == 0;
    }

    private Result<FlushReport> flush(String scope, boolean dryRun, Invocation invocation) throws InterruptedException {
        long maxKeys = policy.caps().flushMaxKeys();
        List<String> patterns = scopes.patterns(scope).orElse(List.of());
        String cacheName = connector.settings().describe();
        Cache cache;
        try {
            cache = connector.open(invocation.budget());
        } catch (CacheException e) {
            log.warn("cache-unreachable", "message", e.getMessage());
            FlushReport nothing = new FlushReport(scope, dryRun, cacheName, false, 0, 0, Map.of(), 0, List.of(), List.of(), false, e.getMessage(), maxKeys);
            return Result.of(Outcome.FAILED, (dryRun ? "dry run failed" : "failed, removed nothing") + ": " + e.getMessage(), nothing);
        }
        Purge.Outcome done;
        boolean clusterMode;
        try (cache) {
            clusterMode = cache.clusterMode();
            done = new Purge(patterns, dryRun, policy.caps().flushBatchSize(), maxKeys, invocation.budget()).run(cache);
        }
        int scanned = (int) done.nodes().stream().filter(FlushReport.NodeReport::complete).count();
        List<String> problems = new ArrayList<>();
        done.nodes().stream().filter(n -> n.error() != null).forEach(n -> problems.add(n.error()));
        done.unreachable().forEach(u -> problems.add(unreachable(u)));
        String stopped = done.stoppedBecause() != null ? done.stoppedBecause() : problems.isEmpty() ? null : String.join("; ", problems);
        FlushReport report = new FlushReport(scope, dryRun, cacheName, clusterMode, done.keys(), done.keysUnknown(), done.keysByPattern(),
                scanned, done.nodes(), done.unreachable(), done.complete(), done.complete() ? null : stopped, maxKeys);
        List<String> warnings = new ArrayList<>(problems);
        log.info("flush", "scope", scope, "dryRun", dryRun, "keys", report.keys(), "complete", report.complete(),
                "nodes", report.nodes().size(), "stoppedBecause", report.stoppedBecause());
        return Result.of(outcome(report), summary(report, patterns), report, warnings);
    }

    private static String unreachable(Cache.Unreachable slots) {
        return (slots.node() == null ? "no primary" : slots.node()) + " is out of reach (" + slots.reason() + "): slots " + slots.slots()
                + " (" + slots.slotCount() + " of 16384) were not flushed";
    }

    /**
     * FAILED when no node got through its work and nothing was removed; PARTIAL when some of it was done, or when
     * some slots have no reachable primary: never complete while any slot could not be flushed.
     */
    private static Outcome outcome(FlushReport report) {
        boolean failedNode = report.nodes().stream().anyMatch(n -> n.error() != null);
        boolean someNodeDone = report.nodes().stream().anyMatch(FlushReport.NodeReport::complete);
        if (failedNode && !someNodeDone && changedNothing(report)) {
            return Outcome.FAILED;
        }
        if (!report.complete()) {
            return report.dryRun() && !failedNode ? Outcome.DRY_RUN : Outcome.PARTIAL;
        }
        if (report.dryRun()) {
            return Outcome.DRY_RUN;
        }
        return report.keys() == 0 ? Outcome.NO_CHANGE : Outcome.DONE;
    }

    private static String keys(long count) {
        return count == 1 ? "1 key" : count + " keys";
    }

    private static String summary(FlushReport report, List<String> patterns) {
        String what = "scope " + report.scope() + (patterns.isEmpty() ? " (every key in the database)" : " (" + String.join(", ", patterns) + ")");
        String where = report.nodes().size() == 1 ? "1 primary" : report.nodes().size() + " primaries";
        if (report.dryRun()) {
            String counted = "dry run: " + keys(report.keys()) + " of " + what + " would be removed from " + where + "; nothing was removed";
            return report.complete() ? counted : counted + "; counting stopped early: " + report.stoppedBecause();
        }
        String unknown = report.keysUnknown() == 0 ? "" : " (and " + keys(report.keysUnknown()) + " whose removal is unknown: the answer was lost)";
        if (outcome(report) == Outcome.FAILED) {
            return "failed, removed nothing: " + report.stoppedBecause();
        }
        if (!report.complete()) {
            return "partial: removed " + keys(report.keys()) + unknown + " of " + what + " from " + where + ", then stopped: "
                    + report.stoppedBecause() + (report.unreachable().isEmpty() ? "; run it again to remove the rest" : "; once every primary"
                    + " is reachable, run it again to remove the rest") + " (within the cooldown: force with a reason)";
        }
        return report.keys() == 0 ? "nothing to remove: no key of " + what + " on " + where
                : "removed " + keys(report.keys()) + " of " + what + " from " + where;
    }
}
