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
    void aCompositeAlarmInTwoRegionsPagesIamSecurityAtOnce() {
        Answer answer = invoke("alarm-token-validation-multi-region.json");

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        OnCall.Envelope page = onlyPage("iam-security");
        assertEquals("[CRITICAL] Token validation failing in 2+ regions - eu-west-1, eu-west-2", page.subject());
        assertAttributes(page, "CRITICAL", "iam-security", "token-validation-multi-region");
        assertEquals(List.of(
                "ALARM: Token validation failing in 2+ regions (auth-token-validation-multi-region)",
                "Since: 2026-11-22 03:12 UTC (alarm auth-token-validation-multi-region)",
                "Where: eu-west-1, eu-west-2",
                "Alarm: 2 in ALARM: auth-token-validation-failures-eu-west-1, auth-token-validation-failures-eu-west-2",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/login-failures.md",
                "Team: iam-security | CRITICAL | incident token-validation-multi-region/auth-token-validation-multi-region"), lines(page));

        JsonObject message = page.message();
        assertEquals("auth-responder/page/1", message.get("schema").getAsString());
        assertEquals("COMPOSITE", message.getAsJsonObject("alarm").get("kind").getAsString());
        assertEquals("2026-11-22T03:12:41.004Z", message.get("since").getAsString());
        assertEquals("[\"eu-west-1\",\"eu-west-2\"]", message.get("regions").toString());
        assertEquals("alarm:auth-token-validation-multi-region@2026-11-22T03:12:41.004Z", message.get("requestKey").getAsString());
        PageReport report = (PageReport) answer.result().details();
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

        invoke("alarm-token-validation-after-flush.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[HIGH] Token validation failing after cache flush - eu-west-2", page.subject());
        assertAttributes(page, "HIGH", "identity-platform", "token-validation-after-flush");
        List<String> lines = lines(page);
        assertEquals("ALARM: Token validation failing after cache flush (auth-token-validation-after-flush)", lines.get(0));
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
        invoke("alarm-auth-service-error-rate.json");

        OnCall.Envelope page = onlyPage("auth-team");
        assertEquals("[HIGH] auth-service error rate over 3% - eu-west-2", page.subject());
        assertAttributes(page, "HIGH", "auth-team", "auth-service-error-rate");
        assertEquals(List.of(
                "ALARM: auth-service error rate over 3% (auth-service-error-rate)",
                "Since: 2026-11-22 03:05 UTC (alarm auth-service-error-rate)",
                "Where: eu-west-2",
                "Alarm: 3.9, 5.1, 6.8 vs threshold 3 (Average per 60 s)",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/auth-service-degradation.md",
                "Team: auth-team | HIGH | incident auth-service-error-rate/auth-service-error-rate"), lines(page));
    }

    @Test
    void anIdpOutageVerdictPagesIdentityPlatformWithTheEvidence() {
        invoke("result-diagnose-idp-unavailable.json");

        OnCall.Envelope page = onlyPage("identity-platform");
        assertEquals("[HIGH] Identity provider unavailable - eu-west-2", page.subject());
        assertAttributes(page, "HIGH", "identity-platform", "idp-unavailable");
        assertEquals(List.of(
                "VERDICT: IDP_UNAVAILABLE (confidence HIGH) - Identity provider unavailable",
                "Since: 2026-11-22 03:02 UTC (alarm auth-401-spike)",
                "Where: eu-west-2",
                "Alarm: 7.4, 9.7 vs threshold 5 (Average per 60 s)",
                "Found: the identity provider's discovery and JWKS do not answer",
                "- discovery https://idp.example.com/.well-known/openid-configuration: timed out after 2000 ms",
                "- jwks https://idp.example.com/.well-known/jwks.json: HTTP 503 in 412 ms",
                "- logs: 1843 invalid_signature, 0 kid mismatch, 12 token_expired in the last 15 min",
                "- against: cache: 3 cached key ids, none missing (compared before the IdP stopped answering)",
                "Recommended: do not flush: the cached keys are what still validates tokens; check the IdP's status page and open a vendor case",
                "Tried: nothing yet",
                "Runbook: https://git.example.com/auth-responder/runbooks/idp-unavailable.md",
                "Team: identity-platform | HIGH | incident idp-unavailable/auth-401-spike"), lines(page));
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
        assertEquals("Diagnosis: STALE_KEY_CACHE (confidence HIGH)", lines.get(4));
        assertEquals("Found: the live signing key kid-2026-11 is missing from the cache", lines.get(5));
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

    @Test
    void aPersonPagesARouteWithTheirOwnSeverity() {
        Answer answer = invoke("command-page-route.json");

        assertEquals(Outcome.DONE, answer.result().outcome(), answer.response());
        OnCall.Envelope page = onlyPage("iam-security");
        assertEquals("[CRITICAL] Token validation failing in 2+ regions: Users in two regions report login loops; alar...", page.subject());
        assertEquals(99, page.subject().length());
        assertAttributes(page, "CRITICAL", "iam-security", "token-validation-multi-region");
        List<String> lines = lines(page);
        assertEquals("PAGED by console: Users in two regions report login loops; alarm has not fired yet", lines.get(0));
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
