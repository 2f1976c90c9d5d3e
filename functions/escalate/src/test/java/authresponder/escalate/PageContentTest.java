package authresponder.escalate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Caller;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.LocalContext;
import authresponder.core.Outcome;
import authresponder.core.Budget;
import authresponder.core.Result;
import authresponder.core.ledger.Claim;
import authresponder.core.ledger.Ledger;
import authresponder.core.ledger.Request;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each runbook route's page says, read back from the team's subscribed queue exactly as a subscriber
 * gets it: the envelope's subject and attributes, and the message (for SQS, the page's JSON form).
 */
class PageContentTest {
    private OnCall onCall;
    private EscalateHandler handler;

    @BeforeEach
    void start() {
        onCall = new OnCall();
        handler = new EscalateHandler(new Env(onCall.env()));
    }

    @AfterEach
    void stop() {
        onCall.close();
    }

    private Answer invoke(String sample) {
        Answer answer = handler.handle(Samples.bytes(sample), new LocalContext("escalate", Duration.ofSeconds(30)));
        return answer;
    }

    /** The one page the team got; no other team was paged. */
    private OnCall.Envelope onlyPage(String team) {
        List<OnCall.Envelope> pages = onCall.pages(team);
        assertEquals(1, pages.size(), "pages to " + team);
        for (String other : OnCall.TEAMS) {
            if (!other.equals(team)) {
                assertEquals(List.of(), onCall.pages(other), "pages to " + other);
            }
        }
        return pages.getFirst();
    }

    private static List<String> lines(OnCall.Envelope page) {
        return Arrays.asList(page.text().split("\n"));
    }

    private static void assertAttributes(OnCall.Envelope page, String severity, String team, String route) {
        assertEquals(severity, page.attribute("severity"));
        assertEquals(team, page.attribute("team"));
        assertEquals(route, page.attribute("route"));
        assertEquals("String", page.attributeType("severity"));
        assertEquals(page.message().get("incident").getAsString(), page.attribute("incident"));
    }

    @Test
    void validationFailuresInTwoRegionsPageIamSecurity() {
        Answer first = invoke("alarm-validation-failures-eu-west-1.json");
        assertEquals(Outcome.NO_CHANGE, first.result().outcome(), first.response());
        assertEquals("alarm auth-validation-failures is in ALARM in 1 region (eu-west-1): iam-security is paged when 2 are",
                first.result().summary());
        OnCall.TEAMS.forEach(team -> assertEquals(List.of(), onCall.pages(team), "one region alone pages no one: " + team));

        Answer second = invoke("alarm-validation-failures-eu-west-2.json");

        assertEquals(Outcome.DONE, second.result().outcome(), second.response());
        OnCall.Envelope page = onlyPage("iam-security");
        assertEquals("[CRITICAL] auth-validation-failures in 2+ regions - eu-west-1, eu-west-2", page.subject());
        assertAttributes(page, "CRITICAL", "iam-security", "auth-validation-failures");
        assertEquals(List.of(
                "ALARM: auth-validation-failures in 2+ regions: token validation failures above 5% of requests in two or more regions"
                        + " for longer than 15 minutes",
                "Since: 2026-11-22 03:12 UTC (alarm auth-validation-failures)",
                "Where: eu-west-1, eu-west-2",
                "Alarm: 8.9, 9.3, 9.7, 10.2, 10.6 vs threshold 5 (Average per 60 s)",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/login-failures.md",
                "Team: iam-security | CRITICAL | incident auth-validation-failures/iam-security"), lines(page));

        JsonObject message = page.message();
        assertEquals("auth-responder/page/1", message.get("schema").getAsString());
        assertEquals("METRIC", message.getAsJsonObject("alarm").get("kind").getAsString());
        assertEquals("2026-11-22T03:12:40.530Z", message.get("since").getAsString());
        assertEquals("[\"eu-west-1\",\"eu-west-2\"]", message.get("regions").toString());
        assertEquals("alarm:auth-validation-failures@2026-11-22T03:12:40.530Z", message.get("requestKey").getAsString());
        PageReport report = (PageReport) second.result().details();
        assertEquals(page.json().get("MessageId").getAsString(), report.messageId());
        assertEquals(page.subject(), report.subject());
    }

    @Test
    void tokenFailuresAfterAFlushPageIdentityPlatformWithTheFiguresAndWhatWasTried() throws Exception {
        Ledger ledger = new Ledger(() -> onCall.dynamo, onCall.table, Duration.ofDays(1), Clock.systemUTC());
        Caller diagnosis = new Caller(Caller.Kind.EVENT, "diagnose", "result:5b0e9d2a");
        record(ledger, Request.of("flush", "jwks", diagnosis, Duration.ofMinutes(5)), Outcome.DONE, "removed 3 keys matching jwks:*");
        record(ledger, Request.of("restart", "api-authoriser", diagnosis, Duration.ofMinutes(15)), Outcome.FAILED,
                "UpdateFunctionConfiguration: ResourceConflictException");
        record(ledger, Request.of("flush", "jwks", diagnosis, Duration.ofMinutes(5)).dryRun(true), Outcome.DRY_RUN, "would remove 3 keys");

        invoke("alarm-validation-failures-sustained.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[HIGH] auth-validation-failures-sustained - eu-west-2", page.subject());
        assertAttributes(page, "HIGH", "identity-platform", "auth-validation-failures-sustained");
        List<String> lines = lines(page);
        assertEquals("ALARM: auth-validation-failures-sustained: token validation failures above 10% of requests for more than"
                + " 10 minutes after a cache flush", lines.get(0));
        assertEquals("Alarm: 11.7, 12.5, 12.9, 13.8, 14.2 vs threshold 10 (Average per 60 s)", lines.get(3));
        assertEquals("Tried:", lines.get(4));
        assertTrue(lines.get(5).matches("- \\d\\d:\\d\\d flush jwks: DONE \\(removed 3 keys matching jwks:\\*\\)"), lines.get(5));
        assertTrue(lines.get(6).matches("- \\d\\d:\\d\\d restart api-authoriser: FAILED \\(UpdateFunctionConfiguration: ResourceConflictException\\)"),
                lines.get(6));
        assertEquals("Runbook: https://git.example.com/auth-responder/runbooks/token-cache-refresh.md", lines.get(7));
        assertEquals(2, page.message().getAsJsonArray("tried").size(), "dry runs are not what was tried");
    }

    private static void record(Ledger ledger, Request request, Outcome outcome, String summary) {
        Budget budget = Budget.of(Duration.ofSeconds(10));
        Claim.Go go = (Claim.Go) ledger.claim(request, budget);
        ledger.complete(go, Result.of(outcome, summary, null), budget);
    }

    @Test
    void authServiceErrorRatePagesTheAuthTeam() {
        invoke("alarm-auth-error-rate.json");

        OnCall.Envelope page = onlyPage("auth-team");
        assertEquals("[CRITICAL] auth-error-rate - eu-west-2", page.subject());
        assertAttributes(page, "CRITICAL", "auth-team", "auth-error-rate");
        assertEquals(List.of(
                "ALARM: auth-error-rate: auth-service ErrorRate above 3%: page at once",
                "Since: 2026-11-22 03:05 UTC (alarm auth-error-rate)",
                "Where: eu-west-2",
                "Alarm: 3.9, 5.1, 6.8 vs threshold 3 (Average per 60 s)",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/auth-service-degradation.md",
                "Team: auth-team | CRITICAL | incident auth-error-rate/auth-team"), lines(page));
    }

    @Test
    void anIdpOutageVerdictPagesIdentityPlatformWithTheEvidence() {
        invoke("result-diagnose-idp-unavailable.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[CRITICAL] IDP_UNAVAILABLE: the identity provider's discovery and JWKS do not answer - eu-west-2", page.subject());
        assertAttributes(page, "CRITICAL", "identity-platform", "IDP_UNAVAILABLE");
        assertEquals(List.of(
                "VERDICT: IDP_UNAVAILABLE (confidence HIGH): the identity provider's discovery and JWKS do not answer",
                "Since: 2026-11-22 03:02 UTC (alarm auth-401-spike)",
                "Where: eu-west-2",
                "Alarm: 7.4, 9.7 vs threshold 5 (Average per 60 s)",
                "Do: The identity provider's discovery or JWKS endpoint is failing. Check the provider's status page and open a vendor"
                        + " case; do not flush caches: the cached keys are the only ones that still work.",
                "- discovery https://idp.example.com/.well-known/openid-configuration: timed out after 2000 ms",
                "- jwks https://idp.example.com/.well-known/jwks.json: HTTP 503 in 412 ms",
                "- logs: 1843 invalid_signature, 0 kid mismatch, 12 token_expired in the last 15 min",
                "- against: cache: 3 cached key ids, none missing (compared before the IdP stopped answering)",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/login-failures.md",
                "Team: identity-platform | CRITICAL | incident IDP_UNAVAILABLE/auth-401-spike"), lines(page));
        JsonObject diagnosis = page.message().getAsJsonObject("diagnosis");
        assertEquals("IDP_UNAVAILABLE", diagnosis.get("verdict").getAsString());
        assertEquals(4, diagnosis.getAsJsonArray("evidence").size());
    }

    @Test
    void aFailedFlushPagesWithTheFailureAndTheDiagnosisBehindIt() {
        invoke("result-flush-cache-failed.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[HIGH] Automation failed: flush-cache - eu-west-2", page.subject());
        assertAttributes(page, "HIGH", "identity-platform", "action-failed");
        List<String> lines = lines(page);
        assertEquals("FAILED: flush-cache (ActionFailedException): flush-cache failed: CacheException: connect to "
                + "master.auth-cache.abc123.euw2.cache.amazonaws.com:6379 timed out after 2000 ms", lines.get(0));
        assertEquals("Since: 2026-11-22 03:02 UTC (alarm auth-401-spike)", lines.get(1));
        assertEquals("Do: The provider publishes signing keys the cache does not hold. auth-responder flushed the cached JWKS and"
                + " restarted the authoriser; if 401s continue, the cause is not the cache.", lines.get(4));
        assertEquals("Diagnosis: STALE_KEY_CACHE (confidence HIGH): the live signing key kid-2026-11 is missing from the cache", lines.get(5));
        assertEquals("Team: identity-platform | HIGH | incident action-failed/flush-cache/auth-401-spike", lines.getLast());
        assertEquals("ActionFailedException", page.message().getAsJsonObject("failure").get("kind").getAsString());
    }

    @Test
    void aRefusedRestartPagesAsFailedAutomation() {
        invoke("result-restart-authoriser-refused.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[HIGH] Automation failed: restart-authoriser - eu-west-2", page.subject());
        assertEquals("FAILED: restart-authoriser (REFUSED): refused to restart oidc: deployment auth/oidc-provider is paused",
                lines(page).getFirst());
    }

    /** A chain step's success record as the deployed rule relays it: the command it was sent, its answer. */
    private Answer stepResult(String function, String command, String outcome, String summary) {
        String record = """
                {"version": "0", "id": "7c1e2d3f-0000-4000-8000-000000000001", "detail-type": "Lambda Function Invocation Result - Success",
                 "source": "lambda", "account": "123456789012", "time": "2026-11-22T03:05:00Z", "region": "eu-west-2",
                 "resources": ["arn:aws:events:eu-west-2:123456789012:event-bus/drill",
                               "arn:aws:lambda:eu-west-2:123456789012:function:drill-%1$s:$LATEST"],
                 "detail": {"version": "1.0", "timestamp": "2026-11-22T03:05:00.120Z",
                   "requestContext": {"requestId": "0f0e0d0c-0000-4000-8000-000000000002",
                     "functionArn": "arn:aws:lambda:eu-west-2:123456789012:function:drill-%1$s:$LATEST",
                     "condition": "Success", "approximateInvokeCount": 1},
                   "requestPayload": %2$s,
                   "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
                   "responsePayload": {"function": "%1$s", "outcome": "%3$s", "summary": "%4$s"}}}
                """.formatted(function, command, outcome, summary);
        return handler.handle(record.getBytes(java.nio.charset.StandardCharsets.UTF_8), new LocalContext("escalate", Duration.ofSeconds(30)));
    }

    @Test
    void aFailedChainStepPagesWithTheRunbookOfTheVerdictWhoseChainSentItsCommand() {
        Answer answer = stepResult("flush-cache", "{\"action\": \"flush\", \"scope\": \"jwks\", \"requestId\": \"event:5b0e9d2a\"}",
                "FAILED", "removed nothing: the cache did not answer");

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        OnCall.Envelope page = onlyPage("identity-platform");
        List<String> lines = lines(page);
        assertEquals("FAILED: drill-flush-cache (FAILED): removed nothing: the cache did not answer", lines.getFirst());
        assertTrue(lines.contains("Runbook: https://git.example.com/auth-responder/runbooks/token-cache-refresh.md"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("Do: The provider publishes signing keys the cache does not hold.")), lines.toString());
    }

    @Test
    void everyOutcomeTheRoutingEscalatesPagesAndNoOtherDoes() {
        // BAD_INPUT is in the chain's escalateOn: a step that refused its command is paged, not answered "nothing to page"
        Answer bad = stepResult("restart-authoriser", "{\"target\": \"api-authoriser\"}", "BAD_INPUT", "unknown target api-authoriser");
        assertEquals(Outcome.DONE, bad.result().outcome(), bad.response());
        assertEquals("FAILED: drill-restart-authoriser (BAD_INPUT): unknown target api-authoriser", lines(onlyPage("identity-platform")).getFirst());

        Answer done = stepResult("restart-authoriser", "{\"target\": \"api-authoriser\"}", "DONE", "restarted");
        assertEquals(Outcome.NO_CHANGE, done.result().outcome(), done.response());
        assertTrue(done.result().summary().contains("nothing to page"), done.result().summary());
    }

    @Test
    void aFailedCommandThatNoChainSendsPagesTheFallbackOwnerWithoutAVerdictsAdvice() {
        stepResult("flush-cache", "{\"action\": \"flush\", \"scope\": \"tokens\"}", "FAILED", "removed nothing: the cache did not answer");

        List<String> lines = lines(onlyPage("identity-platform"));
        assertTrue(lines.contains("Runbook: https://git.example.com/auth-responder/runbooks/login-failures.md"), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("Do: ")), lines.toString());
    }

    @Test
    void aPersonPagesATeamWithARunbookAndTheirOwnSeverity() {
        Answer answer = invoke("command-page-runbook.json");

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        OnCall.Envelope page = onlyPage("iam-security");
        assertEquals("[CRITICAL] Users in two regions report login loops; the alarms have not fired yet", page.subject());
        assertAttributes(page, "CRITICAL", "iam-security", "manual");
        List<String> lines = lines(page);
        assertEquals("PAGED by console: Users in two regions report login loops; the alarms have not fired yet", lines.get(0));
        assertTrue(lines.get(1).startsWith("Asked: "), lines.get(1));
        assertTrue(lines.contains("Runbook: https://git.example.com/auth-responder/runbooks/login-failures.md"), lines.toString());
        assertFalse(page.message().has("alarm"));
    }

    @Test
    void aDryRunSaysWhatWouldBeSentAndSendsNothing() {
        Answer answer = invoke("command-page-team-dry-run.json");

        assertEquals(Outcome.DRY_RUN, answer.result().outcome(), answer.response());
        PageReport report = (PageReport) answer.result().details();
        assertEquals("[HIGH] Vendor status page shows a sign-in outage in Europe; our 401s match", report.subject());
        assertEquals(onCall.topics.get("identity-platform"), report.topic());
        assertNull(report.messageId());
        assertTrue(report.text().startsWith("PAGED by console: Vendor status page shows"), report.text());
        assertEquals("would page identity-platform: " + report.subject(), answer.result().summary());
        OnCall.TEAMS.forEach(team -> assertEquals(List.of(), onCall.pages(team), team));
    }
}
