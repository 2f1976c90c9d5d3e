package authresponder.escalate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Caller;
import authresponder.core.Json;
import authresponder.core.Trigger;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import authresponder.core.policy.Policy;
import org.junit.jupiter.api.Test;

/** The page's limits and safety, whatever the inputs: SNS's subject and size limits, no secrets, no personal data. */
class PageTest {
    private static final Instant NOW = Instant.parse("2026-11-22T03:40:00Z");
    private final Triage triage = new Triage(new Routes(Policy.bundled()), "escalate", Policy.bundled().routing(), null);

    private Incident read(Trigger trigger, String... regions) {
        return (Incident) triage.read(trigger, EscalateCommand.FROM_EVENT, new Caller(Caller.Kind.EVENT, "test", "test:1"), NOW, Set.of(regions));
    }

    private static Trigger.FunctionResult result(String sample) {
        JsonObject event = Samples.json(sample);
        JsonObject detail = event.getAsJsonObject("detail");
        return new Trigger.FunctionResult(sample.contains("flush") ? "flush-cache" : "diagnose",
                event.get("detail-type").getAsString().endsWith("Success"),
                detail.getAsJsonObject("responsePayload"), detail.getAsJsonObject("requestPayload"));
    }

    @Test
    void theMessageCarriesTheTextForPeopleAndTheJsonFormForMachines() {
        Incident incident = read(result("result-diagnose-idp-unavailable.json"));
        Page page = Page.compose(incident, List.of(), "runbooks/idp-unavailable.md", "result:1");

        JsonObject message = JsonParser.parseString(page.message()).getAsJsonObject();
        assertEquals(page.text(), message.get("default").getAsString());
        for (String protocol : List.of("sqs", "lambda", "https")) {
            JsonObject form = JsonParser.parseString(message.get(protocol).getAsString()).getAsJsonObject();
            assertEquals(page.text(), form.get("text").getAsString());
            assertEquals("identity-platform", form.get("team").getAsString());
        }
    }

    @Test
    void aHugeDiagnosisAndFailureStillMakeAPageWithinSnsLimits() {
        JsonObject event = Samples.json("result-flush-cache-failed.json");
        JsonObject detail = event.getAsJsonObject("detail");
        detail.getAsJsonObject("responsePayload").addProperty("errorMessage", "x".repeat(300_000));
        JsonObject diagnosis = detail.getAsJsonObject("requestPayload").getAsJsonObject("detail").getAsJsonObject("responsePayload");
        JsonArray evidence = new JsonArray();
        for (int i = 0; i < 5_000; i++) {
            evidence.add("finding " + i + " " + "y".repeat(2_000));
        }
        diagnosis.getAsJsonObject("details").add("evidenceFor", evidence);
        Incident incident = read(new Trigger.FunctionResult("flush-cache", false, detail.getAsJsonObject("responsePayload"),
                detail.getAsJsonObject("requestPayload")));
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            attempts.add(new Attempt(NOW.minusSeconds(600 - i), "flush".repeat(50), "jwks".repeat(100), "FAILED", "z".repeat(5_000)));
        }

        Page page = Page.compose(incident, attempts, "https://runbooks.example.com/" + "r".repeat(1_000), "result:1");

        assertTrue(page.size() < Page.SNS_MAX_BYTES, "size " + page.size());
        assertTrue(page.text().length() <= Page.MAX_TEXT, "text " + page.text().length());
        assertTrue(page.subject().length() < 100);
        List<String> lines = List.of(page.text().split("\n"));
        assertTrue(lines.contains("- (+4995 more in the diagnosis)"), page.text());
        assertEquals(Page.MAX_ATTEMPTS, lines.stream().filter(l -> l.matches("- \\d\\d:\\d\\d .*")).count(), page.text());
        assertTrue(lines.getLast().startsWith("Team: identity-platform"), "the team line survives: " + lines.getLast());
        lines.forEach(line -> assertTrue(line.length() <= 250, line));
    }

    @Test
    void theSubjectIsShortPrintableAsciiAndKeepsWhere() {
        JsonObject event = Samples.json("alarm-validation-failures-eu-west-2.json");
        event.getAsJsonObject("detail").addProperty("alarmName", "Zürich\u2014login\nfailures " + "w".repeat(200));

        Incident incident = read(new Trigger.Alarm(authresponder.core.AlarmEvent.from(event)),
                "eu-west-1", "eu-west-2", "us-east-1", "ap-southeast-2", "eu-central-1", "us-west-2", "ca-central-1");
        String subject = Page.subject(incident);

        assertTrue(subject.length() < 100, subject);
        assertTrue(subject.chars().allMatch(c -> c >= 0x20 && c < 0x7f), subject);
        assertTrue(subject.startsWith("[HIGH] Z?rich-login fail"), subject);
        assertTrue(subject.endsWith(" - ap-southeast-2, ca-central-1 +5 more"), subject);
    }

    @Test
    void noTokenSecretOrPersonalDataReachesThePage() {
        String jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIiwiZW1haWwiOiJhQGIuY29tIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
        JsonObject event = Samples.json("result-flush-cache-failed.json");
        JsonObject response = event.getAsJsonObject("detail").getAsJsonObject("responsePayload");
        response.addProperty("errorMessage", "AUTH failed with password=hunter2 for jane.doe@example.org; header Authorization: Bearer "
                + jwt + " rejected; redis_auth_token: s3cr3t-t0ken");
        JsonObject diagnosis = event.getAsJsonObject("detail").getAsJsonObject("requestPayload").getAsJsonObject("detail")
                .getAsJsonObject("responsePayload").getAsJsonObject("details");
        JsonArray evidence = new JsonArray();
        evidence.add("log line: user=jane.doe@example.org token=" + jwt + " kid=k1 invalid_signature");
        diagnosis.add("evidenceFor", evidence);

        Incident incident = read(new Trigger.FunctionResult("flush-cache", false, response,
                event.getAsJsonObject("detail").getAsJsonObject("requestPayload")));
        Page page = Page.compose(incident, List.of(), null, "result:1");

        for (String secret : List.of("hunter2", "jane.doe", jwt, "eyJhbGci", "s3cr3t-t0ken")) {
            assertFalse(page.message().contains(secret), secret + " in " + page.message());
            assertFalse(page.subject().contains(secret), secret);
        }
        assertTrue(page.text().contains("password=[redacted]"), page.text());
        assertTrue(page.text().contains("kid=k1 invalid_signature"), "what is not secret stays: " + page.text());
        assertTrue(Json.write(incident).contains("[email]"));
    }
}
