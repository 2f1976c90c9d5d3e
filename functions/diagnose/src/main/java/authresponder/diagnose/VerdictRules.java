package authresponder.diagnose;

import authresponder.core.policy.Verdict;
import authresponder.diagnose.Decision.Confidence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The decision, as the runbooks write it, from facts alone: no I/O, no clock.
 *
 * <p>Each suspect is judged on its own; the first present in this order wins, the others are named as
 * also suspected:
 * <ol>
 *   <li>IDP_UNTRUSTED: the IdP published what must not be trusted: secret key material in its JWKS, a discovery
 *       naming another issuer, a jwks_uri the rules refuse. Security is paged; nothing is flushed or restarted.</li>
 *   <li>IDP_UNAVAILABLE: discovery or JWKS failed. Never flush then: the cache is what still validates tokens.</li>
 *   <li>STALE_KEY_CACHE: a live signing key is missing from the cache or changed under the same kid.
 *       But when the authoriser also changed within the deploy window, both explain the failures: the
 *       verdict is RECENT_DEPLOY with STALE_KEY_CACHE also suspected, and a human decides (no blind flush).</li>
 *   <li>CLOCK_SKEW: the IdP's Date, or a sample token issued ahead of our clock, is off by more than the threshold.</li>
 *   <li>SESSION_CACHE_PRESSURE: a cache evicting at the runbook's rate (or full after evicting as many), or
 *       refused connections.</li>
 *   <li>RECENT_DEPLOY: the authoriser changed within the window and something is wrong (an alarm, or log errors).</li>
 *   <li>A bulk expiry of token keys (most of the sample expiring in one minute): UNKNOWN, as the token-expiry runbook
 *       says, with its advice: a refresh that failed to investigate and the grace period to consider. It is not a
 *       capacity problem, and a flush would make it worse.</li>
 * </ol>
 * With no suspect: UNKNOWN when the logs show errors, the sample token is not valid, or the IdP/cache
 * comparison could not be made, else HEALTHY.
 */
public final class VerdictRules {
    /** What the log check counts, named as the evidence sentences say it. */
    private static final String SIGNALS = "invalid_signature/unknown-kid/token_expired";

    private final DiagnosePolicy policy;

    public VerdictRules(DiagnosePolicy policy) {
        this.policy = policy;
    }

    /** A candidate explanation with its confidence and the facts for it. */
    private record Suspect(Verdict verdict, Confidence confidence, List<String> because) {}

    public Decision decide(Facts facts) {
        List<Suspect> suspects = Stream.of(idpUntrusted(facts), idpUnavailable(facts), staleKeys(facts), clockSkew(facts), cachePressure(facts), recentDeploy(facts),
                bulkExpiry(facts)).flatMap(Optional::stream).toList();
        if (suspects.isEmpty()) {
            return noSuspect(facts);
        }
        Suspect first = suspects.getFirst();
        Optional<Suspect> deploy = suspects.stream().filter(s -> s.verdict() == Verdict.RECENT_DEPLOY).findFirst();
        if (first.verdict() == Verdict.STALE_KEY_CACHE && deploy.isPresent()) {
            return deployAndKeyChange(facts, first, deploy.get(), suspects);
        }
        List<Verdict> also = suspects.stream().skip(1).map(Suspect::verdict).toList();
        List<String> because = new ArrayList<>(first.because());
        suspects.stream().skip(1).forEach(s -> because.add("also " + s.verdict() + ": " + s.because().getFirst()));
        RecommendedAction next = first.verdict() == Verdict.UNKNOWN ? bulkExpiryAdvice(facts) : policy.recommendation(first.verdict());
        return new Decision(first.verdict(), first.confidence(), first.because().getFirst(), because,
                against(first.verdict(), facts), next, also);
    }

    /**
     * HEALTHY is a promise that every check passed: a check that warned or failed (a retired key still cached, a key
     * without a kid, a few signature errors, a failed log read) turns it into UNKNOWN naming that check, so a
     * person looks instead of reading "healthy" over a finding. A check skipped for want of its setting or input
     * lowers the confidence only (said in the evidence against).
     */
    public Decision healthyOnlyIfEveryCheckPassed(Decision decision, List<CheckReport> reports) {
        if (decision.verdict() != Verdict.HEALTHY) {
            return decision;
        }
        List<String> unwell = reports.stream().filter(r -> r.status() == CheckReport.Status.WARN || r.status() == CheckReport.Status.FAIL)
                .map(r -> r.name() + " " + r.status().name().toLowerCase() + "s: " + r.summary()).toList();
        if (unwell.isEmpty()) {
            return decision;
        }
        return new Decision(Verdict.UNKNOWN, Confidence.MEDIUM, "no verdict's evidence, but not every check passed: " + String.join("; ", unwell),
                unwell, decision.evidenceAgainst(), policy.recommendation(Verdict.UNKNOWN), List.of());
    }

    // ---- suspects ----

    private Optional<Suspect> idpUntrusted(Facts f) {
        if (f.idp() == null || f.idp().untrusted().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Suspect(Verdict.IDP_UNTRUSTED, Confidence.HIGH, f.idp().untrusted()));
    }

    private Optional<Suspect> idpUnavailable(Facts f) {
        if (f.idp() == null || !f.idp().down()) {
            return Optional.empty();
        }
        boolean both = f.idp().discovery() == Facts.Idp.Reach.FAILED && f.idp().jwks() == Facts.Idp.Reach.FAILED;
        List<String> because = new ArrayList<>(List.of("the identity provider does not serve its keys: " + f.idp().problem()));
        if (f.logs() != null && f.logs().signatureErrors() >= DiagnosePolicy.LOG_EVIDENCE_LINES) {
            because.add(f.logs().signatureErrors() + " signature/unknown-key errors in the authoriser's logs");
        }
        return Optional.of(new Suspect(Verdict.IDP_UNAVAILABLE, both ? Confidence.HIGH : Confidence.MEDIUM, because));
    }

    private Optional<Suspect> staleKeys(Facts f) {
        if (f.keys() == null || !f.keys().stale()) {
            return Optional.empty();
        }
        List<String> because = new ArrayList<>();
        if (!f.keys().missingFromCache().isEmpty()) {
            because.add("the IdP signs with kid " + String.join(", ", f.keys().missingFromCache()) + " that the cache does not hold");
        }
        if (!f.keys().changedMaterial().isEmpty()) {
            because.add("kid " + String.join(", ", f.keys().changedMaterial()) + " has new key material at the IdP; the cache holds the old");
        }
        if (!f.keys().retiredInCache().isEmpty()) {
            because.add("the cache still holds retired kid " + String.join(", ", f.keys().retiredInCache()));
        }
        boolean logsAgree = f.logs() != null && f.logs().signatureErrors() >= DiagnosePolicy.LOG_EVIDENCE_LINES;
        if (logsAgree) {
            because.add(f.logs().signatureErrors() + " invalid_signature/unknown-kid lines in the authoriser's logs");
        }
        boolean tokenAgrees = f.token() != null && (f.keys().missingFromCache().contains(f.token().kid())
                || f.keys().changedMaterial().contains(f.token().kid()));
        if (tokenAgrees) {
            because.add("the sample token is signed with kid " + f.token().kid() + ", which the cache cannot validate");
        }
        return Optional.of(new Suspect(Verdict.STALE_KEY_CACHE, logsAgree || tokenAgrees ? Confidence.HIGH : Confidence.MEDIUM, because));
    }

    private Optional<Suspect> clockSkew(Facts f) {
        List<String> because = new ArrayList<>();
        boolean fromIdp = f.idpSkew() != null && exceeds(f.idpSkew(), policy.clockSkew());
        if (fromIdp) {
            because.add("the IdP's clock is " + seconds(f.idpSkew()) + " from ours (threshold " + policy.clockSkew().toSeconds() + " s)");
        }
        boolean fromToken = f.token() != null && f.token().issuedAhead() != null && exceeds(f.token().issuedAhead(), policy.clockSkew());
        if (fromToken) {
            because.add("the sample token was issued " + f.token().issuedAhead().toSeconds() + " s ahead of our clock");
        }
        if (!fromIdp && !fromToken) {
            return Optional.empty();
        }
        if (f.logs() != null && f.logs().tokenExpired() >= DiagnosePolicy.LOG_EVIDENCE_LINES) {
            because.add(f.logs().tokenExpired() + " token_expired lines in the authoriser's logs");
        }
        return Optional.of(new Suspect(Verdict.CLOCK_SKEW, fromIdp ? Confidence.HIGH : Confidence.MEDIUM, because));
    }

    private Optional<Suspect> cachePressure(Facts f) {
        List<String> because = new ArrayList<>();
        boolean full = false;
        boolean evicting = false;
        if (f.cache() != null) {
            full = f.cache().memoryRatio() != null && f.cache().memoryRatio() >= policy.memoryUsedRatio();
            evicting = f.cache().evictionsPerMinute() >= policy.evictionsPerMinute();
            String rate = Math.round(f.cache().evictionsPerMinute()) + " keys/min";
            if (full && evicting) {
                because.add("the cache is " + percent(f.cache().memoryRatio()) + " full and evicting " + rate);
            } else if (evicting) {
                because.add("the cache is evicting " + rate);
            } else if (full && f.cache().evictedSinceStart() >= policy.evictionsPerMinute()) {
                because.add("the cache is " + percent(f.cache().memoryRatio()) + " full and has evicted " + f.cache().evictedSinceStart()
                        + " keys since it started (none while we looked)");
            }
            if (f.cache().rejectedConnections() > 0) {
                because.add("the cache rejected " + f.cache().rejectedConnections() + " connections (maxclients)");
            }
        }
        if (because.isEmpty()) {
            return Optional.empty();
        }
        Confidence confidence = full && evicting || because.size() >= 2 ? Confidence.HIGH : Confidence.MEDIUM;
        return Optional.of(new Suspect(Verdict.SESSION_CACHE_PRESSURE, confidence, because));
    }

    private Optional<Suspect> recentDeploy(Facts f) {
        if (!deployedRecently(f)) {
            return Optional.empty();
        }
        boolean errors = f.logs() != null && f.logs().total() >= DiagnosePolicy.LOG_EVIDENCE_LINES;
        if (!f.alarmed() && !errors && (f.keys() == null || !f.keys().stale())) {
            return Optional.empty();
        }
        List<String> because = new ArrayList<>(List.of(f.change().target() + " changed " + minutes(f.change().beforeReference())
                + " before " + (f.alarmed() ? "the alarm" : "this diagnosis") + " (at " + f.change().lastModified() + ")"));
        if (errors) {
            because.add(f.logs().total() + " " + SIGNALS + " lines in the authoriser's logs");
        }
        return Optional.of(new Suspect(Verdict.RECENT_DEPLOY, errors ? Confidence.HIGH : Confidence.MEDIUM, because));
    }

    /** Tokens issued or refreshed together expire together: a refresh to investigate, not a cache to grow. */
    private Optional<Suspect> bulkExpiry(Facts f) {
        boolean bulk = f.expiry() != null && f.expiry().sampled() >= DiagnosePolicy.BULK_EXPIRY_MIN_SAMPLE
                && f.expiry().busiestMinuteShare() >= policy.bulkExpiryShare();
        if (!bulk) {
            return Optional.empty();
        }
        List<String> because = new ArrayList<>(List.of("a bulk expiry: " + percent(f.expiry().busiestMinuteShare()) + " of " + f.expiry().sampled()
                + " sampled token keys expire in the same minute (" + f.expiry().busiestMinute() + "): tokens issued or refreshed together"
                + " expire together, and a refresh failing then logs everyone out"));
        boolean expiring = f.logs() != null && f.logs().tokenExpired() >= DiagnosePolicy.LOG_EVIDENCE_LINES;
        if (expiring) {
            because.add(f.logs().tokenExpired() + " token_expired lines in the authoriser's logs");
        }
        return Optional.of(new Suspect(Verdict.UNKNOWN, expiring ? Confidence.MEDIUM : Confidence.LOW, because));
    }

    /** The token-expiry runbook's advice for a bulk expiry, with its grace period as the runbook's front matter sets it. */
    private RecommendedAction bulkExpiryAdvice(Facts f) {
        return policy.recommendation(Verdict.UNKNOWN).because("A bulk expiry of tokens around " + f.expiry().busiestMinute()
                + " (runbook token-expiry-clock-skew): investigate why they were not refreshed in time (the refresh path's errors and"
                + " rate around then). If users are already logged out in bulk, consider a temporary grace period of at most "
                + policy.expiryGracePeriod().toMinutes() + " minutes (expiryGracePeriod), announced to security, and stagger bulk"
                + " refreshes. It is not a capacity problem: do not add capacity, and do not flush (expired tokens are not stale keys).");
    }

    // ---- conflicts and the quiet case ----

    /** A deploy and a key change at once: say both, page, and leave the flush to the person who rules out the deploy. */
    private Decision deployAndKeyChange(Facts f, Suspect stale, Suspect deploy, List<Suspect> suspects) {
        List<String> because = new ArrayList<>(deploy.because());
        because.addAll(stale.because());
        List<Verdict> also = suspects.stream().map(Suspect::verdict).filter(v -> v != Verdict.RECENT_DEPLOY).toList();
        String headline = "the authoriser changed " + minutes(f.change().beforeReference()) + " before the alarm AND the IdP's keys differ from the cache: either explains the failures";
        RecommendedAction page = policy.recommendation(Verdict.RECENT_DEPLOY).because(
                "rule out the change of " + f.change().lastModified() + " first (roll it back if it touched token validation); "
                        + "if it is not the cause, run " + policy.recommendation(Verdict.STALE_KEY_CACHE).describe()
                        + ". Nothing was flushed automatically: the evidence points two ways.");
        return new Decision(Verdict.RECENT_DEPLOY, Confidence.LOW, headline, because, against(Verdict.RECENT_DEPLOY, f), page, also);
    }

    private Decision noSuspect(Facts f) {
        if (f.cache() != null && !f.cache().unreachable().isEmpty()) {
            List<String> because = f.cache().unreachable().stream().map(line -> "cache primary out of reach: " + line).toList();
            return new Decision(Verdict.UNKNOWN, Confidence.MEDIUM, "a cache primary is down, so some keys can be neither read nor"
                    + " flushed: " + String.join("; ", f.cache().unreachable()), because, against(Verdict.UNKNOWN, f),
                    policy.recommendation(Verdict.UNKNOWN), List.of());
        }
        List<String> against = against(Verdict.HEALTHY, f);
        boolean errors = f.logs() != null && f.logs().total() >= DiagnosePolicy.LOG_EVIDENCE_LINES;
        boolean blind = f.idp() == null || f.idp().jwks() != Facts.Idp.Reach.ANSWERED || f.keys() == null;
        boolean badToken = f.token() != null && !f.token().problems().isEmpty();
        if (errors || blind || badToken) {
            List<String> because = new ArrayList<>();
            if (badToken) {
                because.add("the sample token (kid " + f.token().kid() + ") is not valid: " + String.join(", ",
                        f.token().problems().stream().sorted().map(p -> p.name().toLowerCase().replace('_', ' ')).toList()));
            }
            if (errors) {
                because.add(f.logs().total() + " " + SIGNALS + " lines in the authoriser's logs, and no check explains them");
            }
            if (blind) {
                because.add("the live and cached keys could not be compared");
            }
            String headline = errors || badToken ? because.getFirst() : "the key checks could not run: " + String.join("; ", f.notChecked());
            return new Decision(Verdict.UNKNOWN, errors && !blind ? Confidence.MEDIUM : Confidence.LOW, headline, because, against,
                    policy.recommendation(Verdict.UNKNOWN), List.of());
        }
        List<String> because = new ArrayList<>(List.of("the IdP serves its keys, the cache holds the same keys"));
        if (f.idpSkew() != null) {
            because.add("clocks agree within " + policy.clockSkew().toSeconds() + " s");
        }
        if (f.logs() != null) {
            because.add(f.logs().total() + " " + SIGNALS + " lines in the logs (below " + DiagnosePolicy.LOG_EVIDENCE_LINES + ")");
        }
        Confidence confidence = f.notChecked().isEmpty() && !f.alarmed() ? Confidence.HIGH : Confidence.MEDIUM;
        String headline = f.alarmed() ? "every check passed, yet the alarm fired: watch it; page if it stays in ALARM" : "every check passed";
        return new Decision(Verdict.HEALTHY, confidence, headline, because, against, policy.recommendation(Verdict.HEALTHY), List.of());
    }

    // ---- evidence against, and actions ----

    private List<String> against(Verdict verdict, Facts f) {
        List<String> against = new ArrayList<>();
        boolean quietSignatures = f.logs() != null && f.logs().signatureErrors() == 0;
        switch (verdict) {
            case STALE_KEY_CACHE -> {
                if (quietSignatures) {
                    against.add("no invalid_signature or unknown-kid lines in the authoriser's logs");
                }
                if (f.token() != null && f.token().problems().isEmpty()) {
                    against.add("the sample token validates against the live keys");
                }
            }
            case IDP_UNTRUSTED -> against.add("nothing was flushed or restarted: the published keys are not trusted");
            case IDP_UNAVAILABLE -> {
                if (f.idp().discovery() == Facts.Idp.Reach.ANSWERED) {
                    against.add("discovery answered");
                }
                if (f.keys() != null && f.keys().cached()) {
                    against.add("the cache still holds keys: tokens signed with them keep validating (do not flush)");
                }
            }
            case CLOCK_SKEW -> {
                if (f.idpSkew() != null && !exceeds(f.idpSkew(), policy.clockSkew())) {
                    against.add("the IdP's Date agrees with our clock (" + seconds(f.idpSkew()) + ")");
                }
                if (f.logs() != null && f.logs().tokenExpired() == 0) {
                    against.add("no token_expired lines in the authoriser's logs");
                }
            }
            case SESSION_CACHE_PRESSURE -> {
                if (f.cache() != null && f.cache().memoryRatio() != null && f.cache().memoryRatio() < policy.memoryUsedRatio()) {
                    against.add("memory is at " + percent(f.cache().memoryRatio()) + " of maxmemory");
                }
                if (f.logs() != null && f.logs().tokenExpired() == 0) {
                    against.add("no token_expired lines in the authoriser's logs");
                }
            }
            case RECENT_DEPLOY -> {
                if (f.logs() != null && f.logs().total() == 0) {
                    against.add("no " + SIGNALS + " lines in the authoriser's logs (other refusals are not counted)");
                }
            }
            case HEALTHY, UNKNOWN -> {
                if (f.logs() != null && f.logs().total() > 0 && f.logs().total() < DiagnosePolicy.LOG_EVIDENCE_LINES) {
                    against.add(f.logs().total() + " " + SIGNALS + " lines in the logs (fewer than the " + DiagnosePolicy.LOG_EVIDENCE_LINES + " that count)");
                }
                if (f.keys() != null && !f.keys().retiredInCache().isEmpty()) {
                    against.add("the cache still holds retired kid " + String.join(", ", f.keys().retiredInCache()));
                }
                if (deployedRecently(f)) {
                    against.add(f.change().target() + " changed " + minutes(f.change().beforeReference()) + " ago");
                }
            }
        }
        f.notChecked().forEach(line -> against.add("not checked: " + line));
        return against;
    }

    private boolean deployedRecently(Facts f) {
        return f.change() != null && !f.change().ownRestart() && !f.change().beforeReference().isNegative()
                && f.change().beforeReference().compareTo(policy.deployWindow()) <= 0;
    }

    private static boolean exceeds(Duration value, Duration threshold) {
        return value.abs().compareTo(threshold) > 0;
    }

    private static String seconds(Duration d) {
        return (d.isNegative() ? "-" : "+") + d.abs().toSeconds() + " s";
    }

    private static String minutes(Duration d) {
        return d.toMinutes() < 1 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }

    private static String percent(double ratio) {
        return Math.round(ratio * 100) + "%";
    }
}
