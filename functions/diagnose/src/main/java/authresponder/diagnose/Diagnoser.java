package authresponder.diagnose;

import authresponder.cache.CacheConnector;
import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.core.Http;
import authresponder.core.Lazy;
import authresponder.core.Rehearsal;
import authresponder.diagnose.CheckReport.Status;
import authresponder.diagnose.CheckRunner.Running;
import authresponder.diagnose.Facts.Idp.Reach;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Runs the nine checks at once, each in its own slice of the budget, turns what they found into
 * {@link Facts}, and lets {@link VerdictRules} decide. Clients are built once, on first use.
 */
final class Diagnoser {
    private final DiagnoseSettings settings;
    private final DiagnosePolicy policy;
    private final VerdictRules rules;
    private final Http http = new Http();
    private final CacheConnector cache;
    private final Lazy<CloudWatchLogsClient> logs;
    private final Lazy<LambdaClient> lambda;

    Diagnoser(DiagnoseSettings settings, DiagnosePolicy policy, Env env) {
        this.settings = settings;
        this.policy = policy;
        this.rules = new VerdictRules(policy);
        this.cache = settings.cache() ? new CacheConnector(env) : null;
        AwsClients aws = new AwsClients(env);
        this.logs = Lazy.of(() -> aws.build(CloudWatchLogsClient.builder()), client -> Rehearsal.run(() ->
                client.filterLogEvents(r -> r.logGroupName("rehearsal").filterPattern("rehearsal").overrideConfiguration(Rehearsal.only()))));
        this.lambda = Lazy.of(() -> aws.build(LambdaClient.builder()), client -> Rehearsal.run(() ->
                client.getFunctionConfiguration(r -> r.functionName("rehearsal").overrideConfiguration(Rehearsal.only()))));
    }

    /**
     * @param token    the parsed sample token, if the command carried one
     * @param alarmed  an alarm started this diagnosis
     * @param oneByOne run the checks one after another (for the benchmark) instead of all at once
     */
    Diagnosis diagnose(Optional<SignedJWT> token, Window window, boolean alarmed, Budget budget, boolean oneByOne) {
        try (CheckRunner runner = new CheckRunner(budget, settings.checkBudget(), oneByOne)) {
            Running<DiscoveryCheck.Discovery> discovery = runner.start(DiscoveryCheck.NAME, new DiscoveryCheck(http, settings.issuer(), settings.urls()));
            // a check that reads another's fact starts when that one has ended: its own budget starts with its own request
            Running<?>[] jwksAfter = settings.jwksUrl().isPresent() ? new Running<?>[0] : new Running<?>[] {discovery};
            Running<JwksCheck.LiveKeys> jwks = runner.start(JwksCheck.NAME, new JwksCheck(http, settings.jwksUrl(), discovery), jwksAfter);
            Running<Facts.KeyDrift> keys = runner.start(CachedKeysCheck.NAME, cache == null
                    ? notConfigured("the cache") : new CachedKeysCheck(cache, settings.cachedJwksKey(), settings.cachedJwksFormat(), jwks), jwks);
            Running<Duration> clock = runner.start(ClockCheck.NAME, new ClockCheck(discovery, jwks, token.map(Diagnoser::claims), policy.clockSkew()),
                    discovery, jwks);
            Running<Facts.SampleToken> sample = runner.start(SampleTokenCheck.NAME, token.<CheckRunner.Check<Facts.SampleToken>>map(
                    jwt -> new SampleTokenCheck(jwt, jwks, settings.issuer(), settings.audience()))
                    .orElse(b -> Finding.skipped("no sample token in the command")), jwks);
            Running<Facts.CacheHealth> health = runner.start(CacheHealthCheck.NAME, cache == null
                    ? notConfigured("the cache") : new CacheHealthCheck(cache, policy));
            Running<Facts.ExpiryPattern> expiry = runner.start(TokenExpiryCheck.NAME, cache == null
                    ? notConfigured("the cache") : new TokenExpiryCheck(cache, settings.tokenKeyPattern(), policy.tokenSampleSize(), policy.bulkExpiryShare()));
            Running<Facts.LogCounts> logCounts = runner.start(LogEvidenceCheck.NAME, settings.logGroup()
                    .<CheckRunner.Check<Facts.LogCounts>>map(group -> new LogEvidenceCheck(logs, group, window, DiagnosePolicy.LOG_PHRASES))
                    .orElse(b -> Finding.skipped("AUTHORISER_LOG_GROUP is not set")));
            Running<Facts.Change> change = runner.start(RecentChangeCheck.NAME, settings.authoriserFunction()
                    .<CheckRunner.Check<Facts.Change>>map(function -> new RecentChangeCheck(lambda, function, window.to(), policy.deployWindow()))
                    .orElse(b -> Finding.skipped("AUTHORISER_FUNCTION is not set (an EKS deployment's rollout time is not read)")));

            List<Running<?>> all = List.of(discovery, jwks, keys, clock, sample, health, expiry, logCounts, change);
            List<CheckReport> reports = all.stream().map(Running::report).toList();
            List<String> notChecked = new ArrayList<>();
            for (CheckReport report : reports) {
                boolean optional = report.name().equals(SampleTokenCheck.NAME) && token.isEmpty();
                if (!optional && (report.status() == Status.FAIL || report.status() == Status.SKIPPED)) {
                    notChecked.add(report.name() + ": " + report.summary());
                }
            }
            Facts facts = new Facts(alarmed, idp(reports.get(0), reports.get(1), jwks.finding().fact()), keys.finding().fact(), clock.finding().fact(),
                    sample.finding().fact(), health.finding().fact(), expiry.finding().fact(), logCounts.finding().fact(),
                    change.finding().fact(), notChecked);
            return Diagnosis.of(rules.healthyOnlyIfEveryCheckPassed(rules.decide(facts), reports), window, reports);
        }
    }

    /** The AWS clients the configured checks use, the cache's lookups among them. */
    List<Lazy<?>> clients() {
        List<Lazy<?>> clients = new ArrayList<>(cache == null ? List.of() : cache.clients());
        settings.logGroup().ifPresent(group -> clients.add(logs));
        settings.authoriserFunction().ifPresent(function -> clients.add(lambda));
        return clients;
    }

    /** Loads the JOSE parsing, without a network call. */
    void prime() throws java.text.ParseException {
        com.nimbusds.jose.jwk.JWKSet.parse("{\"keys\":[]}");
    }

    /** An IdP that answers with no signing key serves no key to validate with: as good as down. */
    private static Facts.Idp idp(CheckReport discovery, CheckReport jwks, JwksCheck.LiveKeys live) {
        boolean keyless = live != null && live.signing().isEmpty();
        String problem = discovery.status() == Status.FAIL ? DiscoveryCheck.NAME + ": " + discovery.summary()
                : jwks.status() == Status.FAIL || keyless ? JwksCheck.NAME + ": " + jwks.summary() : null;
        List<String> untrusted = new ArrayList<>();
        for (CheckReport report : List.of(discovery, jwks)) {
            if (report.evidence().get(JwksCheck.UNTRUSTED) instanceof List<?> lines) {
                lines.forEach(line -> untrusted.add(String.valueOf(line)));
            }
        }
        return new Facts.Idp(reach(discovery), keyless ? Reach.FAILED : reach(jwks), problem, untrusted);
    }

    private static Reach reach(CheckReport report) {
        return switch (report.status()) {
            case OK, WARN -> Reach.ANSWERED;
            case FAIL -> Reach.FAILED;
            case SKIPPED -> Reach.UNKNOWN;
        };
    }

    private static <F> CheckRunner.Check<F> notConfigured(String what) {
        return budget -> Finding.skipped(what + " is not configured (CACHE_URL or CACHE_REPLICATION_GROUP_ID)");
    }

    private static JWTClaimsSet claims(SignedJWT token) {
        try {
            return token.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new IllegalStateException("the sample token was checked at the edge", e);
        }
    }
}
