package authresponder.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AlarmEvent;
import authresponder.core.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyTest {
    static final Path RUNBOOKS = Path.of("../../runbooks");

    private final Policy policy = Policy.bundled();

    @Test
    void theBundledRunbooksCarryTheFiguresOfTheSeeds() {
        Thresholds t = policy.thresholds();
        assertEquals(Duration.ofSeconds(30), t.clockSkew());
        assertEquals(Duration.ofHours(1), t.deployWindow());
        assertEquals(Duration.ofMinutes(1), t.recoveryAfterRestart());
        assertEquals(0.99, t.validationSuccessTarget());
        assertEquals(Duration.ofMinutes(5), policy.cooldown("flush-jwks"));
        assertEquals(Duration.ofMinutes(15), policy.cooldown("restart-authoriser"));
        assertEquals(2000, policy.caps().flushBatchSize());

        Alarm spike = policy.alarm("auth-401-spike").orElseThrow();
        assertEquals(AlarmEvent.Kind.METRIC_MATH, spike.kind());
        assertEquals(2.5, spike.effectiveThreshold(), 1e-9, "five times a 0.5% baseline");
        assertEquals(3.0, policy.alarm("auth-error-rate").orElseThrow().effectiveThreshold());
        assertEquals(1000.0, policy.alarm("auth-token-validation-latency").orElseThrow().effectiveThreshold(),
                "validationLatencyP99 (PT1S) in milliseconds, the metric's unit");

        var regions = policy.escalationsFor("auth-validation-failures").getFirst();
        assertEquals("iam-security", regions.team());
        assertEquals(2, regions.regions());
        assertEquals(Duration.ofMinutes(15), regions.window());
        var afterFlush = policy.escalationsFor("auth-validation-failures-sustained").getFirst();
        assertEquals("identity-platform", afterFlush.team());
        assertEquals(10.0, afterFlush.threshold());
        assertEquals("flush-jwks", afterFlush.after());

        KeyWatch watch = policy.keyWatch();
        assertEquals("identity-platform", watch.team());
        assertEquals(List.of("flush-jwks", "restart-authoriser"), watch.actions().get(KeyChange.ADDED));
        assertEquals(List.of("flush-jwks", "restart-authoriser"), watch.actions().get(KeyChange.MATERIAL_CHANGED));
        assertEquals(Duration.ofMinutes(30), watch.noticeWindow());
        assertEquals("runbooks/jwks-rotation-spike.md", policy.runbookOfKeyWatch().path());
    }

    @Test
    void theBundledCopyIsTheRepositoryCopy() {
        Policy fromRepository = Policy.fromDirectory(RUNBOOKS);
        assertEquals(fromRepository.thresholds(), policy.thresholds());
        assertEquals(fromRepository.caps(), policy.caps());
        assertEquals(fromRepository.alarms(), policy.alarms());
        assertEquals(fromRepository.runbooks().stream().map(Runbook::id).toList(), policy.runbooks().stream().map(Runbook::id).toList());
    }

    @Test
    void everyRunbookFileIsListedAndEveryListedFunctionIsAModuleWithItsHandler() throws IOException {
        try (Stream<Path> files = Files.list(RUNBOOKS)) {
            List<String> onDisk = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".md") && !n.equals("README.md"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
            assertEquals(onDisk, policy.routing().runbooks().stream().sorted().toList());
        }
        policy.routing().functions().forEach((function, handler) -> {
            assertTrue(Files.isRegularFile(Path.of("..", function, "pom.xml")), "no module functions/" + function);
            assertTrue(handler.startsWith("authresponder."), handler);
        });
    }

    @Test
    void alarmsReachTheirFunctionsOnlyInTheRoutedStates() {
        Routing routing = policy.routing();
        assertEquals(List.of("ALARM"), routing.alarmStates());
        assertEquals(List.of("diagnose"), routing.alarms().get("auth-login-failures"));
        assertEquals(List.of(), routing.alarms().get("auth-401-spike"), "a child of the composite");
        assertEquals(List.of("escalate"), routing.alarms().get("auth-error-rate"));
        assertTrue(policy.alarm("auth-login-failures").orElseThrow().children().contains("auth-401-spike"));
    }

    @Test
    void eachVerdictNamesItsTeamRunbookAndActions() {
        assertEquals(Optional.of("flush-jwks"), policy.firstAction(Verdict.STALE_KEY_CACHE));
        assertTrue(policy.routing().chain().stopOn().contains(Outcome.IN_PROGRESS),
                "a step still running elsewhere is not done: no chain step follows it, nobody is paged");
        assertEquals(Optional.empty(), policy.firstAction(Verdict.HEALTHY));
        assertEquals("auth-team", policy.verdict(Verdict.RECENT_DEPLOY).team());
        assertEquals(Optional.of("page"), policy.firstAction(Verdict.IDP_UNTRUSTED), "secret keys in a JWKS page, never flush");
        assertEquals(List.of("page"), policy.verdict(Verdict.IDP_UNTRUSTED).actions());
        assertEquals("iam-security", policy.verdict(Verdict.IDP_UNTRUSTED).team());
        assertEquals("runbooks/token-cache-refresh.md", policy.runbookOf(Verdict.STALE_KEY_CACHE).path());
        assertEquals("flush-cache", policy.routing().action("flush-jwks").function());
        assertEquals("jwks", policy.routing().action("flush-jwks").command().get("scope").getAsString());
        assertEquals(Routing.Input.COMMAND, policy.routing().action("flush-jwks").input());
        assertEquals(Routing.Input.RESULT, policy.routing().action("page").input());
    }

    /** A broken copy of the runbooks must not load, and the error must say what and where. */
    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            token-cache-refresh.md     | "actions": ["flush-jwks", "restart-authoriser"] | "actions": ["flush-jwks", "reboot-everything"] | action 'reboot-everything', which does not exist
            token-expiry-clock-skew.md | "team": "auth-team"                | "team": "night-shift"                | team 'night-shift', which does not exist
            auth-service-degradation.md| "team": "auth-team",               | "team": "sre",                       | team 'sre', which does not exist
            login-failures.md          | "owner": "identity-platform"       | "owner": "platform"                  | owner 'platform' is not a team
            routing.json               | "function": "restart-authoriser"   | "function": "restart-authorizer"     | function 'restart-authorizer', which does not exist
            routing.json               | "auth-error-rate": ["escalate"]    | "auth-error-rate": ["pager"]         | function 'pager', which does not exist
            routing.json               | "auth-401-spike": [],              | ''                                   | does not route alarm auth-401-spike
            routing.json               | "escalateWith": "page"             | "escalateWith": "call-someone"       | chain.escalateWith names action 'call-someone'
            routing.json               | "stopOn": ["COOLDOWN", "DRY_RUN", "IN_PROGRESS"] | "stopOn": ["COOLDOWN", "IN_PROGRESS"] | missing [DRY_RUN]
            routing.json               | "stopOn": ["COOLDOWN", "DRY_RUN", "IN_PROGRESS"] | "stopOn": ["COOLDOWN", "DRY_RUN", "SNOOZED"] | not 'SNOOZED'
            token-expiry-clock-skew.md | "clockSkew": "PT30S"               | "clockSkew": "30 seconds"            | thresholds.clockSkew must be an ISO-8601 duration
            token-expiry-clock-skew.md | "clockSkew": "PT30S",              | ''                                   | thresholds.clockSkew is missing
            login-failures.md          | "memoryUsedRatio": 0.9             | "memoryUsedRatio": 90                | ratios must be above 0 and at most 1
            login-failures.md          | "cacheHitRatioLow": 0.5,           | "cacheHitRatioLow": 0.5, "cacheHitRatioHigh": 0.9, | unknown field 'cacheHitRatioHigh'
            token-cache-refresh.md     | "flushMaxKeys": 100000             | "flushMaxKeys": "lots"               | caps.flushMaxKeys must be a whole number
            token-cache-refresh.md     | "flush-jwks": "PT5M"               | "flush-jwks": "-PT5M"                | must be a positive duration
            login-failures.md          | "page": "PT15M"                    | "paging": "PT15M"                    | cooldown for action 'paging', which does not exist
            token-expiry-clock-skew.md | "CLOCK_SKEW": {                    | "CLOCK_DRIFT": {                     | not 'CLOCK_DRIFT'
            token-cache-refresh.md     | "periodSeconds": 60,               | "periodSeconds": 45,                 | periodSeconds must be 10, 20, 30 or a multiple of 60
            token-cache-refresh.md     | "statistic": "Sum",                | "statistic": "Total",                | statistic 'Total' is not a CloudWatch statistic
            token-cache-refresh.md     | "threshold": 10,                   | "treshold": 10,                      | unknown field 'treshold'
            jwks-rotation-spike.md     | "baselineMultiple": 5,             | "baselineMultiple": 5, "threshold": 3, | either a threshold or a baseline
            auth-service-degradation.md| "thresholdFrom": "validationLatencyP99" | "thresholdFrom": "validationLatencyP98" | thresholdFrom 'validationLatencyP98' is not one of the thresholds
            auth-service-degradation.md| "thresholdFrom": "validationLatencyP99" | "thresholdFrom": "validationSuccessTarget" | thresholdFrom 'validationSuccessTarget' is not a duration
            auth-service-degradation.md| "thresholdFrom": "validationLatencyP99" | "thresholdFrom": "validationLatencyP99", "threshold": 900 | either a threshold or thresholdFrom
            auth-service-degradation.md| "threshold": 3,                    | "bandWidth": 2, "threshold": 3,      | only an anomaly-detection alarm has a bandWidth
            login-failures.md          | ALARM(\\"auth-401-spike\\")        | ALARM(\\"auth-402-spike\\")          | names alarm 'auth-402-spike', which no runbook defines
            jwks-rotation-spike.md     | "after": "restart-authoriser"      | "after": "reboot"                    | follows action 'reboot', which does not exist
            jwks-rotation-spike.md     | "id": "jwks-rotation-spike"        | "id": "jwks-spike"                   | id is 'jwks-spike', not the file's name
            login-failures.md          | "minRegions": 2,                   | "minRegions": 2.5,                   | minRegions must be a whole number
            jwks-rotation-spike.md     | "REMOVED": ["flush-jwks", "restart-authoriser"], | "REMOVED": ["flush-jwks", "reboot"], | actions for REMOVED name action 'reboot', which does not exist
            jwks-rotation-spike.md     | "team": "identity-platform",       | "team": "nobody",                    | keyWatch: team 'nobody' is not a team
            jwks-rotation-spike.md     | "MATERIAL_CHANGED": ["flush-jwks", "restart-authoriser"] | "SAME_KID": ["flush-jwks"] | not 'SAME_KID'
            jwks-rotation-spike.md     | "ADDED": ["flush-jwks", "restart-authoriser"], | ''                       | actions must say what follows from each of
            jwks-rotation-spike.md     | "keyWatch": {                      | "thresholds2": {} , "keyWatch": {    | unknown field 'thresholds2'
            token-expiry-clock-skew.md | "alarms": [                        | "alarms": [ {"name": "auth-error-rate", "kind": "METRIC", "namespace": "A", "metric": "B", "statistic": "Sum", "periodSeconds": 60, "threshold": 1, "evaluationPeriods": 1, "comparison": "GreaterThanThreshold"}, | alarm auth-error-rate is defined twice
            """)
    void aBrokenRunbookFailsToLoadAndSaysWhy(String file, String from, String to, String expected, @TempDir Path copy) throws IOException {
        try (Stream<Path> files = Files.list(RUNBOOKS)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path target = copy.resolve(file.strip());
        String text = Files.readString(target);
        String needle = from.strip();
        assertTrue(text.contains(needle), file + " does not contain " + needle);
        Files.writeString(target, text.replaceFirst(java.util.regex.Pattern.quote(needle),
                java.util.regex.Matcher.quoteReplacement(to.strip())));
        PolicyException error = assertThrows(PolicyException.class, () -> Policy.fromDirectory(copy));
        assertTrue(error.getMessage().contains(expected.strip()), "message was: " + error.getMessage());
    }

    @Test
    void aRunbookWithoutFrontMatterIsRefused() {
        var error = assertThrows(PolicyException.class, () -> Policy.frontMatter("# just prose\n", "runbooks/x.md"));
        assertTrue(error.getMessage().contains("must start with a ```json front matter block"));
        error = assertThrows(PolicyException.class, () -> Policy.frontMatter("```json\n{}\n", "runbooks/x.md"));
        assertTrue(error.getMessage().contains("not closed"));
    }
}
