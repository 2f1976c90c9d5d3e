package authresponder.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.policy.Verdict;
import authresponder.diagnose.Decision.Confidence;
import authresponder.diagnose.Facts.CacheHealth;
import authresponder.diagnose.Facts.Change;
import authresponder.diagnose.Facts.ExpiryPattern;
import authresponder.diagnose.Facts.Idp;
import authresponder.diagnose.Facts.Idp.Reach;
import authresponder.diagnose.Facts.KeyDrift;
import authresponder.diagnose.Facts.LogCounts;
import authresponder.diagnose.Facts.SampleToken;
import authresponder.diagnose.Facts.TokenProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import com.google.gson.JsonParser;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decision rules, one case at a time: each builds the facts a diagnosis would have found. */
class VerdictRulesTest {
    private final VerdictRules rules = new VerdictRules(DiagnosePolicy.bundled());

    private static final Idp UP = new Idp(Reach.ANSWERED, Reach.ANSWERED, null);
    private static final KeyDrift SAME = new KeyDrift(true, List.of(), List.of(), List.of());
    private static final KeyDrift ROTATED = new KeyDrift(true, List.of("rsa-2"), List.of("rsa-1"), List.of());
    private static final CacheHealth CALM = new CacheHealth(0.2, 0, 0, 0, 0.95, Duration.ofMillis(1));
    private static final LogCounts QUIET = new LogCounts(0, 0, 0, 0, 0, false);
    private static final Change LONG_AGO = change(Duration.ofDays(3));

    /** Log counts whose lines each carry one signal. */
    private static LogCounts logs(long invalidSignature, long unknownKid, long tokenExpired) {
        return new LogCounts(invalidSignature, unknownKid, tokenExpired, invalidSignature + unknownKid,
                invalidSignature + unknownKid + tokenExpired, false);
    }

    private static Change change(Duration before) {
        return new Change("authoriser", Instant.parse("2026-11-21T10:00:00Z"), before, false);
    }

    /** Everything fine; each case changes what it needs. */
    private static Facts healthy() {
        return new Facts(true, UP, SAME, Duration.ofSeconds(1), null, CALM, null, QUIET, LONG_AGO, List.of());
    }

    private static Facts with(Facts f, Object part) {
        return new Facts(f.alarmed(),
                part instanceof Idp p ? p : f.idp(),
                part instanceof KeyDrift p ? p : f.keys(),
                part instanceof Duration p ? p : f.idpSkew(),
                part instanceof SampleToken p ? p : f.token(),
                part instanceof CacheHealth p ? p : f.cache(),
                part instanceof ExpiryPattern p ? p : f.expiry(),
                part instanceof LogCounts p ? p : f.logs(),
                part instanceof Change p ? p : f.change(),
                f.notChecked());
    }

    private static Facts with(Facts f, Object... parts) {
        for (Object part : parts) {
            f = with(f, part);
        }
        return f;
    }

    @Test
    void allQuietIsHealthyAndAsksForNothing() {
        Decision d = rules.decide(new Facts(false, UP, SAME, Duration.ZERO, null, CALM, null, QUIET, LONG_AGO, List.of()));
        assertEquals(Verdict.HEALTHY, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence());
        assertNull(d.recommendedAction().function());
        assertTrue(d.line().startsWith("HEALTHY (high confidence): every check passed"), d.line());
    }

    @Test
    void anAlarmWithNothingFoundIsHealthyButLessSure() {
        Decision d = rules.decide(healthy());
        assertEquals(Verdict.HEALTHY, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertTrue(d.recommendedAction().why().contains("stays in ALARM"));
    }

    @Test
    void aNewKeyMissingFromTheCacheIsAStaleCacheAndFlushesTheJwksScope() {
        Decision d = rules.decide(with(healthy(), ROTATED, logs(40, 3, 0)));
        assertEquals(Verdict.STALE_KEY_CACHE, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence(), "the logs agree");
        assertEquals("flush-cache", d.recommendedAction().function());
        assertEquals("flush-jwks", d.recommendedAction().action());
        assertEquals(JsonParser.parseString("{\"action\":\"flush\",\"scope\":\"jwks\"}"), d.recommendedAction().command());
        assertTrue(d.evidenceFor().stream().anyMatch(e -> e.contains("rsa-2")), d.evidenceFor().toString());
        assertTrue(d.evidenceFor().stream().anyMatch(e -> e.contains("retired kid rsa-1")));
        assertTrue(d.line().startsWith("STALE_KEY_CACHE (high confidence)"));
        assertTrue(d.line().endsWith("Next: flush-cache {\"action\":\"flush\",\"scope\":\"jwks\"}"), d.line());
    }

    @Test
    void materialChangedUnderTheSameKidIsStaleToo() {
        KeyDrift changed = new KeyDrift(true, List.of(), List.of(), List.of("rsa-1"));
        Decision d = rules.decide(with(healthy(), changed, new SampleToken("rsa-1", Set.of(), null)));
        assertEquals(Verdict.STALE_KEY_CACHE, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence(), "the sample token's kid is the changed one");
    }

    @Test
    void staleKeysWithoutLogEvidenceAreOnlyMediumAndSaySo() {
        Decision d = rules.decide(with(healthy(), ROTATED));
        assertEquals(Verdict.STALE_KEY_CACHE, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertTrue(d.evidenceAgainst().contains("no invalid_signature or unknown-kid lines in the authoriser's logs"));
    }

    @Test
    void aRetiredKeyStillCachedIsNotAnOutage() {
        Decision d = rules.decide(with(healthy(), new KeyDrift(true, List.of(), List.of("rsa-0"), List.of())));
        assertEquals(Verdict.HEALTHY, d.verdict());
        assertTrue(d.evidenceAgainst().stream().anyMatch(e -> e.contains("retired kid rsa-0")));
    }

    @Test
    void anEmptyCacheIsNotStale() {
        Decision d = rules.decide(with(healthy(), new KeyDrift(false, List.of("rsa-1"), List.of(), List.of())));
        assertEquals(Verdict.HEALTHY, d.verdict());
    }

    @Test
    void aDeployAndAKeyChangeSayBothAndDoNotFlushBlindly() {
        Decision d = rules.decide(with(healthy(), ROTATED, change(Duration.ofMinutes(12)), logs(30, 0, 0)));
        assertEquals(Verdict.RECENT_DEPLOY, d.verdict());
        assertEquals(Confidence.LOW, d.confidence());
        assertEquals(List.of(Verdict.STALE_KEY_CACHE), d.alsoSuspected());
        assertEquals("escalate", d.recommendedAction().function(), "a human decides");
        assertEquals("auth-team", d.recommendedAction().team());
        assertTrue(d.recommendedAction().why().contains("flush-cache"), "the flush is named as the second step");
        assertTrue(d.headline().contains("AND the IdP's keys differ"), d.headline());
        assertTrue(d.evidenceFor().stream().anyMatch(e -> e.contains("12 min")));
        assertTrue(d.evidenceFor().stream().anyMatch(e -> e.contains("rsa-2")));
    }

    @Test
    void theIdpDownWinsOverEverythingAndNeverFlushes() {
        Idp down = new Idp(Reach.FAILED, Reach.FAILED, "discovery: no answer within 2000 ms");
        Decision d = rules.decide(with(healthy(), down, ROTATED, change(Duration.ofMinutes(5))));
        assertEquals(Verdict.IDP_UNAVAILABLE, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence());
        assertEquals("identity-platform", d.recommendedAction().team());
        assertTrue(d.recommendedAction().why().contains("do not flush caches"), "the runbook's advice");
        assertTrue(d.alsoSuspected().contains(Verdict.STALE_KEY_CACHE));
    }

    @Test
    void onlyTheJwksFailingIsAnOutageOfMediumConfidence() {
        Decision d = rules.decide(with(healthy(), new Idp(Reach.ANSWERED, Reach.FAILED, "jwks: HTTP 500")));
        assertEquals(Verdict.IDP_UNAVAILABLE, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertTrue(d.evidenceAgainst().contains("discovery answered"));
    }

    @Test
    void theIdpClockOffByMoreThan30sIsClockSkew() {
        Decision d = rules.decide(with(healthy(), Duration.ofSeconds(-95), logs(0, 0, 25)));
        assertEquals(Verdict.CLOCK_SKEW, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence());
        assertEquals("auth-team", d.recommendedAction().team());
        assertTrue(d.headline().contains("-95 s"), d.headline());
    }

    @Test
    void thirtySecondsExactlyIsNotSkew() {
        assertEquals(Verdict.HEALTHY, rules.decide(with(healthy(), Duration.ofSeconds(30))).verdict());
        assertEquals(Verdict.CLOCK_SKEW, rules.decide(with(healthy(), Duration.ofSeconds(31))).verdict());
    }

    @Test
    void aTokenIssuedAheadOfOurClockIsSkewOfMediumConfidence() {
        SampleToken ahead = new SampleToken("rsa-1", Set.of(TokenProblem.NOT_YET_VALID), Duration.ofMinutes(3));
        Decision d = rules.decide(with(healthy(), ahead));
        assertEquals(Verdict.CLOCK_SKEW, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertTrue(d.evidenceAgainst().stream().anyMatch(e -> e.startsWith("the IdP's Date agrees")));
    }

    @Test
    void anExpiredSampleTokenAloneIsNotSkew() {
        Decision d = rules.decide(with(healthy(), new SampleToken("rsa-1", Set.of(TokenProblem.EXPIRED), null)));
        assertNotEquals(Verdict.CLOCK_SKEW, d.verdict());
    }

    @Test
    void aFullEvictingCacheIsSessionPressure() {
        Decision d = rules.decide(with(healthy(), new CacheHealth(0.98, 5_000, 40_000, 0, 0.4, Duration.ofMillis(2))));
        assertEquals(Verdict.SESSION_CACHE_PRESSURE, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence());
        assertEquals("identity-platform", d.recommendedAction().team());
        assertTrue(d.recommendedAction().why().contains("never flush it"));
    }

    @Test
    void aFullCacheThatEvictedBeforeWeLookedIsPressureOfMediumConfidence() {
        Decision d = rules.decide(with(healthy(), new CacheHealth(0.97, 0, 12_000, 0, 0.6, Duration.ofMillis(2))));
        assertEquals(Verdict.SESSION_CACHE_PRESSURE, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertTrue(d.headline().contains("none while we looked"), d.headline());
        Decision roomy = rules.decide(with(healthy(), new CacheHealth(0.5, 0, 12_000, 0, 0.6, Duration.ofMillis(2))));
        assertEquals(Verdict.HEALTHY, roomy.verdict(), "old evictions in a cache with room are history");
    }

    @Test
    void aBulkExpiryIsARefreshToInvestigateNotCachePressure() {
        ExpiryPattern bulk = new ExpiryPattern(200, 0, 0.8, Instant.parse("2026-11-21T10:05:00Z"));
        Decision d = rules.decide(with(healthy(), bulk));
        assertEquals(Verdict.UNKNOWN, d.verdict(), "the token-expiry runbook: a bulk expiry comes as evidence under UNKNOWN");
        assertEquals(Confidence.LOW, d.confidence());
        assertTrue(d.headline().startsWith("a bulk expiry: 80% of 200 sampled token keys"), d.headline());
        String why = d.recommendedAction().why();
        assertTrue(why.contains("investigate why they were not refreshed") && why.contains("grace period of at most 5 minutes (expiryGracePeriod)"), why);
        assertFalse(why.contains("Add capacity"), why);
        assertEquals("identity-platform", d.recommendedAction().team());
        assertEquals(Confidence.MEDIUM, rules.decide(with(healthy(), bulk, logs(0, 0, 40))).confidence(), "token_expired lines agree");
        ExpiryPattern tooFew = new ExpiryPattern(5, 0, 1.0, Instant.parse("2026-11-21T10:05:00Z"));
        assertEquals(Verdict.HEALTHY, rules.decide(with(healthy(), tooFew)).verdict(), "five keys say nothing");
    }

    @Test
    void aRecentDeployWithErrorsPointsAtTheDeploy() {
        Decision d = rules.decide(with(healthy(), change(Duration.ofMinutes(20)), logs(3, 0, 50)));
        assertEquals(Verdict.RECENT_DEPLOY, d.verdict());
        assertEquals(Confidence.HIGH, d.confidence());
        assertEquals("auth-team", d.recommendedAction().team());
        assertTrue(d.recommendedAction().why().contains("Roll it back"));
    }

    @Test
    void aDeployOutsideTheWindowIsNotRecent() {
        Decision d = rules.decide(with(healthy(), change(Duration.ofMinutes(61)), logs(0, 0, 50)));
        assertEquals(Verdict.UNKNOWN, d.verdict(), "errors that no rule explains");
    }

    @Test
    void ourOwnRestartIsNotADeploy() {
        Change restart = new Change("authoriser", Instant.parse("2026-11-21T10:00:00Z"), Duration.ofMinutes(3), true);
        Decision d = rules.decide(with(healthy(), restart, ROTATED));
        assertEquals(Verdict.STALE_KEY_CACHE, d.verdict(), "no deploy conflict: the change was auth-responder's restart");
    }

    @Test
    void aDeployWithoutAnAlarmOrErrorsIsNoVerdict() {
        Facts calm = new Facts(false, UP, SAME, Duration.ZERO, null, CALM, null, QUIET, change(Duration.ofMinutes(5)), List.of());
        Decision d = rules.decide(calm);
        assertEquals(Verdict.HEALTHY, d.verdict());
        assertTrue(d.evidenceAgainst().stream().anyMatch(e -> e.contains("changed 5 min ago")));
    }

    @Test
    void skewAndStaleKeysTogetherFlushAndNameTheSkew() {
        Decision d = rules.decide(with(healthy(), ROTATED, Duration.ofSeconds(120)));
        assertEquals(Verdict.STALE_KEY_CACHE, d.verdict());
        assertEquals(List.of(Verdict.CLOCK_SKEW), d.alsoSuspected());
        assertTrue(d.evidenceFor().stream().anyMatch(e -> e.startsWith("also CLOCK_SKEW")));
    }

    @Test
    void errorsWithoutACauseAreUnknownAndPage() {
        Decision d = rules.decide(with(healthy(), logs(10, 10, 0)));
        assertEquals(Verdict.UNKNOWN, d.verdict());
        assertEquals(Confidence.MEDIUM, d.confidence());
        assertEquals("page", d.recommendedAction().action());
        assertEquals("identity-platform", d.recommendedAction().team());
    }

    @Test
    void keysThatCouldNotBeComparedAreUnknownNotHealthy() {
        Facts noCache = new Facts(true, UP, null, Duration.ZERO, null, null, null, QUIET, LONG_AGO,
                List.of("cached keys: the cache refused the connection"));
        Decision d = rules.decide(noCache);
        assertEquals(Verdict.UNKNOWN, d.verdict());
        assertEquals(Confidence.LOW, d.confidence());
        assertTrue(d.headline().contains("the cache refused the connection"), d.headline());
        assertTrue(d.evidenceAgainst().contains("not checked: cached keys: the cache refused the connection"));
    }

    @Test
    void thresholdsComeFromThePolicy() {
        VerdictRules strict = new VerdictRules(DiagnosePolicy.bundled().withDeployWindow(Duration.ofMinutes(10)));
        Facts f = with(healthy(), change(Duration.ofMinutes(20)), logs(0, 0, 50));
        assertEquals(Verdict.RECENT_DEPLOY, rules.decide(f).verdict());
        assertEquals(Verdict.UNKNOWN, strict.decide(f).verdict());
    }
}
