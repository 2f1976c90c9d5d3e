package authresponder.diagnose;

import static authresponder.diagnose.Incident.check;
import static authresponder.diagnose.Incident.details;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Caller;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Json;
import authresponder.core.Log;
import authresponder.core.Outcome;
import authresponder.core.policy.Verdict;
import authresponder.diagnose.CheckReport.Status;
import authresponder.diagnose.Decision.Confidence;
import authresponder.testkit.LocalIdp;
import authresponder.testkit.Ports;
import authresponder.testkit.RedisCluster;
import authresponder.testkit.RedisServer;
import com.google.gson.JsonObject;
import com.nimbusds.jose.jwk.JWK;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

/** diagnose end to end on real parts: one test per verdict, one per failing dependency, and every input shape. */
class DiagnoseHandlerTest {
    private static final Path SAMPLES = Path.of("../../events-samples");
    private static final String DIAGNOSE = "{\"action\":\"diagnose\"}";

    /** The sample, sent now: an alarm's EventBridge time is the current time (an older alarm is stale); its state times stay. */
    private static String sample(String name) throws IOException {
        String text = Files.readString(SAMPLES.resolve(name));
        if (!name.startsWith("alarms/")) {
            return text;
        }
        JsonObject event = Json.parseObject(text, name);
        event.addProperty("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        return event.toString();
    }

    /** The composite alarm sample, entering ALARM at the given time. */
    private static String alarmAt(Instant time) throws IOException {
        JsonObject event = Json.parseObject(sample("alarms/auth-login-failures-alarm.json"), "sample");
        String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC).format(time);
        event.getAsJsonObject("detail").getAsJsonObject("state").addProperty("timestamp", stamp);
        return event.toString();
    }

    private static String command(String token) {
        return "{\"action\":\"diagnose\",\"sampleToken\":\"" + token + "\"}";
    }

    // ---- one test per verdict ----

    @Test
    void healthyWhenTheKeysTheClocksTheCacheAndTheLogsAgree() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().tokenKeys(50).deployAuthoriser();
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Outcome.NO_CHANGE, answer.result().outcome());
            assertEquals(Verdict.HEALTHY, diagnosis.verdict(), answer.response());
            assertEquals(Confidence.HIGH, diagnosis.confidence());
            assertNull(diagnosis.recommendedAction().function());
            assertEquals(9, diagnosis.checks().size());
            diagnosis.checks().stream().filter(c -> !c.name().equals(SampleTokenCheck.NAME))
                    .forEach(c -> assertEquals(Status.OK, c.status(), c.name() + ": " + c.summary()));
            assertEquals(Status.SKIPPED, check(answer, SampleTokenCheck.NAME).status());
            assertTrue(answer.result().warnings().isEmpty(), answer.result().warnings().toString());
            assertTrue(answer.result().summary().startsWith("HEALTHY (high confidence)"), answer.result().summary());
        }
    }

    @Test
    void staleKeyCacheAfterTheIdpRotatesItsSigningKey() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.addRsaKey("rsa-2");
            incident.idp.retire("rsa-1");
            incident.logLines("invalid_signature: kid mismatch, no cached key rsa-2", 30, Instant.now().minusSeconds(120));
            String token = incident.idp.token("rsa-2").sign();
            Answer answer = incident.diagnose(command(token), Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.STALE_KEY_CACHE, diagnosis.verdict(), answer.response());
            assertEquals(Confidence.HIGH, diagnosis.confidence());
            assertEquals("flush-cache", diagnosis.recommendedAction().function());
            assertEquals("{\"action\":\"flush\",\"scope\":\"jwks\"}", diagnosis.recommendedAction().command().toString());
            CheckReport keys = check(answer, CachedKeysCheck.NAME);
            assertEquals(Status.WARN, keys.status());
            assertEquals(List.of("rsa-2"), keys.evidence().get("missingFromCache"));
            assertEquals(List.of("rsa-1"), keys.evidence().get("retiredInCache"));
            assertEquals(Status.OK, check(answer, SampleTokenCheck.NAME).status(), "the token is good: the cache is not");
            java.util.Map<?, ?> lines = (java.util.Map<?, ?>) check(answer, LogEvidenceCheck.NAME).evidence().get("lines");
            assertEquals(30L, lines.get("invalid_signature"));
            assertEquals(30L, lines.get("kid mismatch"));
            assertTrue(diagnosis.evidenceFor().contains("30 invalid_signature/unknown-kid lines in the authoriser's logs"),
                    "a line with both phrases counts once: " + diagnosis.evidenceFor());
            assertFalse(answer.response().contains(token), "the sample token is never returned");
        }
    }

    @Test
    void staleKeyCacheWhenMaterialChangesUnderTheSameKidInAHashCache() {
        try (Incident incident = new Incident()) {
            incident.set("CACHED_JWKS_FORMAT", "hash");
            try (Jedis jedis = incident.jedis()) {
                for (JWK key : incident.idp.publishedKeys().getKeys()) {
                    jedis.hset(incident.jwksKey(), key.getKeyID(), key.toJSONString());
                }
            }
            JWK old = incident.idp.privateKey("rsa-1");
            incident.idp.replaceMaterial("rsa-1");
            String oldToken = incident.idp.token("rsa-1").signedWith(old).sign();
            Answer answer = incident.diagnose(command(oldToken), Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.STALE_KEY_CACHE, diagnosis.verdict(), answer.response());
            assertEquals(List.of("rsa-1"), check(answer, CachedKeysCheck.NAME).evidence().get("changedMaterial"));
            assertEquals(List.of("BAD_SIGNATURE"), check(answer, SampleTokenCheck.NAME).evidence().get("problems"),
                    "a token signed with the old material fails against the live key");
        }
    }

    @Test
    void clockSkewWhenTheIdpsDateIsThreeMinutesBehind() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            incident.idp.dateSkew(Duration.ofMinutes(-3));
            incident.logLines("token_expired", 12, Instant.now().minusSeconds(60));
            Answer answer = incident.diagnose(DIAGNOSE);
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.CLOCK_SKEW, diagnosis.verdict(), answer.response());
            assertEquals(Confidence.HIGH, diagnosis.confidence());
            long skew = (Long) check(answer, ClockCheck.NAME).evidence().get("idpSkewSeconds");
            assertTrue(skew <= -178 && skew >= -182, "skew " + skew);
            assertEquals("auth-team", diagnosis.recommendedAction().team());
        }
    }

    @Test
    void sessionCachePressureWhenASmallCacheEvictsWhileWeLook() throws Exception {
        try (Incident incident = new Incident("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")) {
            incident.cacheLiveKeys();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofVirtual().start(() -> {
                String value = "x".repeat(2048);
                try (Jedis jedis = incident.jedis()) {
                    for (int i = 0; i < 200_000 && !stop.get(); i++) {
                        jedis.set("session:" + i, value);
                    }
                }
            });
            try {
                Thread.sleep(200);
                Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
                Diagnosis diagnosis = details(answer);
                assertEquals(Verdict.SESSION_CACHE_PRESSURE, diagnosis.verdict(), answer.response());
                assertEquals(Status.WARN, check(answer, CacheHealthCheck.NAME).status());
                assertEquals("identity-platform", diagnosis.recommendedAction().team());
                assertTrue(diagnosis.recommendedAction().why().contains("never flush"));
            } finally {
                stop.set(true);
                writer.join();
            }
        }
    }

    @Test
    void sessionCachePressureWhenTheWritesStoppedBeforeWeLooked() {
        try (Incident incident = new Incident("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")) {
            try (Jedis jedis = incident.jedis()) {
                String value = "x".repeat(2048);
                for (int i = 0; i < 3_000; i++) {
                    jedis.set("session:" + i, value);
                }
            }
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            // a cache at its limit evicts again for any allocation (our own connections included), so the
            // rate or the count since start tells: either way it is pressure
            assertEquals(Verdict.SESSION_CACHE_PRESSURE, diagnosis.verdict(), answer.response());
            assertTrue(diagnosis.headline().contains("full"), diagnosis.headline());
        }
    }

    /** Tokens refreshed together expire together: the token-expiry runbook's advice, never "add capacity". */
    @Test
    void aBulkExpiryIsARefreshToInvestigateNotCachePressure() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            try (Jedis jedis = incident.jedis()) {
                for (int i = 0; i < 300; i++) {
                    jedis.psetex("token:bulk-" + i, 1_800_000L + i, "t"); // all within the same minute, 30 min from now
                }
            }
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.UNKNOWN, diagnosis.verdict(), answer.response());
            assertEquals(Status.WARN, check(answer, TokenExpiryCheck.NAME).status());
            assertTrue(diagnosis.headline().startsWith("a bulk expiry"), diagnosis.headline());
            String why = diagnosis.recommendedAction().why();
            assertTrue(why.contains("grace period of at most 5 minutes"), why);
            assertFalse(answer.response().contains("Add capacity") || answer.response().contains("add capacity to"), answer.response());
        }
    }

    @Test
    void idpUnavailableWhenItAnswers500() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            incident.idp.mode(LocalIdp.Mode.ERROR_500);
            Answer answer = incident.diagnose(DIAGNOSE);
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNAVAILABLE, diagnosis.verdict(), answer.response());
            assertEquals(Confidence.MEDIUM, diagnosis.confidence(), "discovery failed, the JWKS was never asked");
            assertEquals("discovery answered HTTP 500", check(answer, DiscoveryCheck.NAME).summary());
            assertEquals(Status.SKIPPED, check(answer, JwksCheck.NAME).status());
            assertEquals("identity-platform", diagnosis.recommendedAction().team());
            assertTrue(diagnosis.recommendedAction().why().contains("do not flush"));
        }
    }

    @Test
    void idpUnavailableWithHighConfidenceWhenBothEndpointsFail() {
        try (Incident incident = new Incident()) {
            incident.set("IDP_JWKS_URL", incident.idp.jwksUri().toString()).cacheLiveKeys();
            incident.idp.mode(LocalIdp.Mode.ERROR_500);
            Diagnosis diagnosis = details(incident.diagnose(DIAGNOSE));
            assertEquals(Verdict.IDP_UNAVAILABLE, diagnosis.verdict());
            assertEquals(Confidence.HIGH, diagnosis.confidence());
        }
    }

    @Test
    void recentDeployWhenTheAuthoriserChangedJustBeforeTheAlarm() throws IOException {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            Instant alarm = Instant.now().plusSeconds(5);
            incident.logLines("token_expired", 25, alarm.minusSeconds(60));
            Answer answer = incident.diagnose(alarmAt(alarm));
            Diagnosis diagnosis = details(answer);
            assertEquals(Caller.Kind.ALARM, answer.caller().kind());
            assertEquals(Verdict.RECENT_DEPLOY, diagnosis.verdict(), answer.response());
            assertEquals(Status.WARN, check(answer, RecentChangeCheck.NAME).status());
            assertEquals("auth-team", diagnosis.recommendedAction().team());
            assertTrue(diagnosis.recommendedAction().why().contains("Roll it back"));
        }
    }

    @Test
    void restartAuthorisersOwnRestartIsNotTakenForADeploy() throws IOException {
        try (Incident incident = new Incident()) {
            String marker = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            incident.cacheLiveKeys().deployAuthoriser(java.util.Map.of(RecentChangeCheck.RESTART_MARKER, marker, "LOG_LEVEL", "info"));
            incident.logLines("token_expired", 25, Instant.now().minusSeconds(60));
            Answer answer = incident.diagnose(alarmAt(Instant.now().plusSeconds(5)));
            CheckReport change = check(answer, RecentChangeCheck.NAME);
            assertEquals(Status.OK, change.status(), change.summary());
            assertEquals(true, change.evidence().get("ownRestart"));
            assertEquals(Verdict.UNKNOWN, details(answer).verdict(), "errors, but no deploy to blame");
        }
    }

    @Test
    void aDeployAndANewKeyAtOnceSayBothAndDoNotFlush() throws IOException {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.addEcKey("ec-2");
            incident.logLines("kid mismatch", 8, Instant.now().minusSeconds(30));
            Answer answer = incident.diagnose(alarmAt(Instant.now().plusSeconds(5)));
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.RECENT_DEPLOY, diagnosis.verdict(), answer.response());
            assertEquals(List.of(Verdict.STALE_KEY_CACHE), diagnosis.alsoSuspected());
            assertEquals("escalate", diagnosis.recommendedAction().function());
            assertTrue(diagnosis.headline().contains("AND the IdP's keys differ"));
            assertTrue(diagnosis.recommendedAction().why().contains("flush-cache"), "the flush is named for the human to run");
        }
    }

    @Test
    void unknownWhenTheLogsShowErrorsThatNoCheckExplains() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.logLines("token_expired", 20, Instant.now().minusSeconds(90));
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.UNKNOWN, diagnosis.verdict(), answer.response());
            assertEquals(Confidence.MEDIUM, diagnosis.confidence());
            assertEquals("page", diagnosis.recommendedAction().action());
        }
    }

    @Test
    void aClusterModeCacheIsReadOnEveryPrimary() {
        try (Incident incident = new Incident(); RedisCluster cluster = RedisCluster.start(3)) {
            incident.set("CACHE_URL", cluster.seedUrl());
            try (JedisCluster jedis = new JedisCluster(new HostAndPort("127.0.0.1", cluster.nodes().getFirst().port()))) {
                incident.idp.addRsaKey("rsa-2");
                jedis.set(incident.jwksKey(), incident.idp.publishedKeys().toString());
                incident.idp.retire("rsa-1");
                for (int i = 0; i < 300; i++) {
                    jedis.psetex("token:" + i, 600_000L + i * 97_000L, "t");
                }
            }
            incident.deployAuthoriser();
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            assertEquals(3, check(answer, CacheHealthCheck.NAME).evidence().get("primaries"));
            assertEquals(300, check(answer, TokenExpiryCheck.NAME).evidence().get("sampled"), "keys found on every primary");
            assertEquals(List.of("rsa-1"), check(answer, CachedKeysCheck.NAME).evidence().get("retiredInCache"));
            assertEquals(Verdict.UNKNOWN, details(answer).verdict(), "a check that warned is named, never read over as HEALTHY");
            assertEquals("no verdict's evidence, but not every check passed: cached-keys warns: the cache holds every live key, and retired kid"
                    + " rsa-1 too", details(answer).headline(), answer.response());
        }
    }

    /** kill -9 of one primary of three: cache-health is not OK and says which node and how many slots lack a primary. */
    @Test
    void aClusterWithAPrimaryDownIsNotHealthy() {
        try (Incident incident = new Incident(); RedisCluster cluster = RedisCluster.start(3, "--cluster-require-full-coverage", "no")) {
            incident.set("CACHE_URL", cluster.seedUrl());
            try (JedisCluster jedis = new JedisCluster(new HostAndPort("127.0.0.1", cluster.nodes().getFirst().port()))) {
                jedis.set(incident.jwksKey(), incident.idp.publishedKeys().toString());
            }
            // a primary that holds neither the cached JWKS nor the seed: the key checks still run
            RedisServer dead = JedisClusterCRC16.getSlot(incident.jwksKey()) >= 10923 ? cluster.nodes().get(1) : cluster.nodes().get(2);
            dead.kill();
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            CheckReport health = check(answer, CacheHealthCheck.NAME);
            assertEquals(Status.WARN, health.status(), answer.response());
            assertTrue((Integer) health.evidence().get("slotsWithReachablePrimary") < 16384, health.evidence().toString());
            assertTrue(health.evidence().get("failedNodes").toString().contains("127.0.0.1:" + dead.port()), health.evidence().toString());
            assertEquals("ok", health.evidence().get("clusterState"), "with full coverage not required the cluster still says ok: the slots tell");
            assertEquals(Verdict.UNKNOWN, details(answer).verdict(), answer.response());
            assertTrue(details(answer).headline().contains("a cache primary is down"), details(answer).headline());
        }
    }

    // ---- one test per failing dependency ----

    /** 1.6 s per request, discovery then JWKS, in a 2 s check budget: slow, answered, and not "unavailable". */
    @Test
    void aSlowIdpIsLatencyNotAnOutage() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().deployAuthoriser();
            incident.idp.latency(Duration.ofMillis(1600));
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            assertEquals(Verdict.HEALTHY, details(answer).verdict(), answer.response());
            CheckReport jwks = check(answer, JwksCheck.NAME);
            assertEquals(Status.OK, jwks.status(), jwks.summary());
            assertTrue(((Number) jwks.evidence().get("latencyMs")).longValue() >= 1600, jwks.evidence().toString());
        }
    }

    /**
     * Every carrier of this process's virtual threads held by CPU-bound work while the IdP's answers are on their
     * way: the checks run out of time here, not at the IdP. The verdict says so and does not blame the IdP.
     */
    @Test
    void aCheckStarvedByThisProcessIsNotBlamedOnTheIdp() throws Exception {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            incident.idp.latency(Duration.ofMillis(400));
            Thread hogs = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(150); // the requests are out
                } catch (InterruptedException e) {
                    return;
                }
                long until = System.nanoTime() + Duration.ofMillis(3000).toNanos();
                for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                    Thread.ofVirtual().start(() -> {
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait(); // never yields its carrier
                        }
                    });
                }
            });
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            hogs.join();
            Diagnosis diagnosis = details(answer);
            assertNotEquals(Verdict.IDP_UNAVAILABLE, diagnosis.verdict(), answer.response());
            CheckReport discovery = check(answer, DiscoveryCheck.NAME);
            assertEquals(Status.SKIPPED, discovery.status(), answer.response());
            assertTrue(discovery.summary().startsWith("ran out of time on our side"), discovery.summary());
            assertNotEquals(Confidence.HIGH, diagnosis.confidence());
            assertTrue(String.join(" ", diagnosis.evidenceAgainst()).contains("ran out of time on our side"), diagnosis.evidenceAgainst().toString());
        }
    }

    @Test
    void anIdpThatNeverAnswersCostsOneCheckBudgetAndTheOthersStillReport() {
        try (Incident incident = new Incident()) {
            incident.set("CHECK_BUDGET", "1s").cacheLiveKeys().deployAuthoriser();
            incident.idp.mode(LocalIdp.Mode.BLACK_HOLE);
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.IDP_UNAVAILABLE, diagnosis.verdict(), answer.response());
            CheckReport discovery = check(answer, DiscoveryCheck.NAME);
            assertEquals(Status.FAIL, discovery.status());
            assertTrue(discovery.summary().contains("did not answer"), discovery.summary());
            assertEquals(Status.OK, check(answer, CacheHealthCheck.NAME).status());
            assertEquals(Status.OK, check(answer, LogEvidenceCheck.NAME).status());
            assertEquals(Status.OK, check(answer, RecentChangeCheck.NAME).status());
            assertEquals(Status.SKIPPED, check(answer, CachedKeysCheck.NAME).status(), "nothing to compare the cache with");
            assertTrue(answer.result().duration().compareTo(Duration.ofSeconds(4)) < 0,
                    "bounded by the 1 s check budget, not a hang: " + answer.result().duration());
            assertFalse(answer.response().contains("Exception"), "no stack trace, no exception names");
        }
    }

    @Test
    void aCacheThatRefusesConnectionsIsReportedAndTheIdpChecksStillRun() {
        try (Incident incident = new Incident()) {
            incident.set("CACHE_URL", "redis://127.0.0.1:" + Ports.free()).deployAuthoriser();
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            Diagnosis diagnosis = details(answer);
            for (String cacheCheck : List.of(CachedKeysCheck.NAME, CacheHealthCheck.NAME, TokenExpiryCheck.NAME)) {
                CheckReport report = check(answer, cacheCheck);
                assertEquals(Status.FAIL, report.status(), cacheCheck);
                assertTrue(report.summary().contains("could not connect"), report.summary());
            }
            assertEquals(Status.OK, check(answer, JwksCheck.NAME).status());
            assertEquals(Verdict.UNKNOWN, diagnosis.verdict(), "the keys could not be compared: not HEALTHY");
            assertEquals(Confidence.LOW, diagnosis.confidence());
            assertEquals(3, answer.result().warnings().size(), answer.result().warnings().toString());
        }
    }

    @Test
    void aMissingLogGroupIsReportedAndTheVerdictStillComes() {
        try (Incident incident = new Incident()) {
            incident.set("AUTHORISER_LOG_GROUP", "/aws/lambda/no-such-authoriser").cacheLiveKeys();
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            CheckReport logs = check(answer, LogEvidenceCheck.NAME);
            assertEquals(Status.FAIL, logs.status());
            assertEquals("log group /aws/lambda/no-such-authoriser does not exist", logs.summary());
            Diagnosis diagnosis = details(answer);
            assertEquals(Verdict.UNKNOWN, diagnosis.verdict(), "a failed check is named, never read over as HEALTHY");
            assertTrue(diagnosis.headline().contains("logs fails: log group /aws/lambda/no-such-authoriser does not exist"), diagnosis.headline());
            assertTrue(diagnosis.evidenceAgainst().stream().anyMatch(e -> e.startsWith("not checked: logs:")));
        }
    }

    // ---- input shapes and samples ----

    @Test
    void theAlarmSampleCountsLogLinesInTheAlarmsWindowOnly() throws IOException {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            Instant stateTime = Instant.parse("2026-11-21T03:12:20.412Z");
            incident.logLines("invalid_signature", 7, stateTime.minus(Duration.ofMinutes(5)));
            incident.logLines("invalid_signature", 50, stateTime.minus(Duration.ofHours(2)));
            Answer answer = incident.diagnose(sample("alarms/auth-login-failures-alarm.json"));
            Diagnosis diagnosis = details(answer);
            assertEquals("alarm auth-login-failures", diagnosis.window().source());
            assertEquals(stateTime, diagnosis.window().to());
            assertEquals(stateTime.minus(Duration.ofMinutes(15)), diagnosis.window().from(), "a composite alarm has no startDate: LOG_WINDOW back");
            assertEquals(7L, ((java.util.Map<?, ?>) check(answer, LogEvidenceCheck.NAME).evidence().get("lines")).get("invalid_signature"));
        }
    }

    @Test
    void aMetricAlarmsStartDateOpensTheWindow() throws IOException {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            Answer unrouted = incident.diagnose(sample("alarms/auth-401-spike-alarm.json"));
            assertEquals(Outcome.REFUSED, unrouted.result().outcome(), "the routing sends auth-401-spike nowhere: " + unrouted.response());
            // The same metric alarm as if the routing sent it here (it sends diagnose the composite today).
            JsonObject routed = Json.parseObject(sample("alarms/auth-401-spike-alarm.json"), "sample");
            routed.getAsJsonObject("detail").addProperty("alarmName", "auth-login-failures");
            Answer answer = incident.diagnose(routed.toString());
            Diagnosis diagnosis = details(answer);
            JsonObject reason = Json.parseObject(Json.parseObject(sample("alarms/auth-401-spike-alarm.json"), "sample")
                    .getAsJsonObject("detail").getAsJsonObject("state").get("reasonData").getAsString(), "reasonData");
            assertEquals(AwsTime.parse(reason.get("startDate").getAsString()), diagnosis.window().from());
        }
    }

    @Test
    void anAlarmBackToOkIsNotDiagnosed() throws IOException {
        try (Incident incident = new Incident()) {
            Answer answer = incident.diagnose(sample("alarms/auth-login-failures-ok.json"));
            assertEquals(Outcome.BAD_INPUT, answer.result().outcome());
            assertTrue(answer.result().summary().contains("is OK"), answer.result().summary());
        }
    }

    @Test
    void theFunctionUrlSampleAnswersWithTheVerdict() throws IOException {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            Answer answer = incident.diagnose(sample("diagnose/function-url-diagnose.json"));
            assertEquals(200, answer.httpStatus());
            assertEquals(Caller.Kind.FUNCTION_URL, answer.caller().kind());
            JsonObject body = Json.parseObject(Json.parseObject(answer.response(), "response").get("body").getAsString(), "body");
            assertTrue(body.getAsJsonObject("details").has("verdict"));
        }
    }

    @Test
    void theCommandSamplesRunAndTheSampleTokenAppearsOnlyAsItsHash() throws IOException {
        String event = sample("diagnose/command-with-sample-token.json");
        String token = Json.parseObject(event, "sample").get("sampleToken").getAsString();
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        Log.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys();
            Answer answer = incident.diagnose(event);
            CheckReport sampleToken = check(answer, SampleTokenCheck.NAME);
            assertEquals(Status.WARN, sampleToken.status());
            assertEquals(List.of("UNKNOWN_KID", "EXPIRED", "WRONG_ISSUER").stream().sorted().toList(),
                    ((List<?>) sampleToken.evidence().get("problems")).stream().map(String::valueOf).sorted().toList());
            assertEquals(authresponder.core.Redact.hash(token), sampleToken.evidence().get("tokenHash"));
            assertEquals("sample-kid-2026-11", sampleToken.evidence().get("kid"));
            assertFalse(answer.response().contains(token), "not in the result");
            assertFalse(logs.toString(StandardCharsets.UTF_8).contains(token.substring(0, 40)), "not in the logs");
            assertEquals(Outcome.NO_CHANGE, incident.diagnose(sample("diagnose/command.json")).result().outcome());
        } finally {
            Log.redirect(System.err);
        }
    }

    @Test
    void badCommandsAreRefusedWithoutRepeatingTheToken() {
        try (Incident incident = new Incident()) {
            Answer notAJwt = incident.diagnose("{\"action\":\"diagnose\",\"sampleToken\":\"hunter2-secret-value\"}");
            assertEquals(400, notAJwt.httpStatus());
            assertFalse(notAJwt.response().contains("hunter2"), notAJwt.response());
            assertEquals(400, incident.diagnose("{\"action\":\"flush\"}").httpStatus());
            assertEquals(400, incident.diagnose("{\"action\":\"diagnose\",\"window\":\"2d\"}").httpStatus());
            assertEquals(400, incident.diagnose("{\"action\":\"diagnose\",\"window\":\"soon\"}").httpStatus());
            Answer unknown = incident.diagnose("{\"action\":\"diagnose\",\"target\":\"prod\"}");
            assertEquals(400, unknown.httpStatus());
            assertTrue(unknown.result().summary().contains("unknown field 'target'"));
        }
    }

    @Test
    void primingTouchesNoDependency() {
        try (Incident incident = new Incident()) {
            incident.set("CACHE_URL", "redis://127.0.0.1:" + Ports.free());
            incident.handler(DiagnosePolicy.bundled()).prime();
            assertEquals(0, incident.idp.requestCount(), "no request to the IdP before the first event");
        }
    }

    @Test
    void theResultIsSmallWithTheVerdictFirst() {
        try (Incident incident = new Incident()) {
            incident.cacheLiveKeys().tokenKeys(200);
            Answer answer = incident.diagnose(DIAGNOSE, Incident.deployLongAgo());
            JsonObject result = Json.parseObject(answer.response(), "result");
            assertTrue(result.getAsJsonObject("details").toString().startsWith("{\"verdict\":"), "verdict first");
            assertTrue(result.getAsJsonObject("details").has("recommendedAction"));
            assertTrue(answer.response().length() < 8_000, "small enough to read: " + answer.response().length() + " bytes");
        }
    }
}
