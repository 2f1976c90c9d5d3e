package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import authresponder.watchkeys.WatchReport.Status;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way in (the samples), bad input, and settings. */
class EntryTest {
    private final Fixture world = new Fixture();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void theProvidersKeyRotationHookChecksAtOnceThroughTheFunctionUrl() throws Exception {
        world.schedule();
        world.warmCache();
        world.idp.addRsaKey("rsa-2");

        Answer answer = world.invoke(Fixture.sample("function-url-idp-hook.json"));

        assertEquals(200, answer.httpStatus(), answer.response());
        assertEquals(Outcome.DONE, answer.result().outcome());
        assertEquals("arn:aws:sts::123456789012:assumed-role/idp-key-rotation-hook/key-rotation-hook", answer.caller().principal());
        assertTrue(answer.response().contains("\"statusCode\":200"));
        assertEquals(false, world.cached());
    }

    @Test
    void aCommandCanNameOneProviderOrAll() {
        Answer all = world.invoke(Fixture.sample("check-all.json"));
        assertEquals(Outcome.NO_CHANGE, all.result().outcome(), all.response());
        assertEquals(Status.BASELINE, KeyChangeTest.provider(all).status());

        Answer one = world.invoke(Fixture.sample("check-provider.json"));
        assertEquals(Outcome.NO_CHANGE, one.result().outcome(), one.response());
        assertEquals(Status.UNCHANGED, KeyChangeTest.provider(one).status());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"provider":"other"}                    | unknown provider 'other'; configured: [main]
            {"provider":"main","force":true}        | unknown field 'force'
            {"dryRun":"yes"}                        | field 'dryRun' must be true or false
            """)
    void badInputIsRefusedWithAClearErrorAndNoAction(String command, String expected) {
        Answer answer = world.invoke(command);
        assertEquals(Outcome.BAD_INPUT, answer.result().outcome());
        assertTrue(answer.result().summary().contains(expected), answer.result().summary());
    }

    @Test
    void anAlarmIsNotForWatchKeys() throws Exception {
        String alarm = java.nio.file.Files.readString(Fixture.SAMPLES.resolveSibling("alarms/auth-401-spike-alarm.json"));
        Answer answer = world.invoke(alarm);
        assertEquals(Outcome.REFUSED, answer.result().outcome());
        assertTrue(answer.result().summary().contains("is not routed to watch-keys"), answer.result().summary());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            WATCH_KEYS_PROVIDERS | ''                                     | WATCH_KEYS_PROVIDERS is not set
            WATCH_KEYS_PROVIDERS | Main=https://idp.example.com           | the name 'Main' must be lower-case
            WATCH_KEYS_PROVIDERS | main=http://idp.example.com            | must use https
            WATCH_KEYS_PROVIDERS | a=https://a.example, a=https://b.example | names provider 'a' twice
            ESCALATION_TOPICS    | identity-platform=not-an-arn            | team=sns-topic-arn pairs
            WATCH_KEYS_FETCH_TIMEOUT | soon                                | WATCH_KEYS_FETCH_TIMEOUT must be a duration
            LEDGER_TABLE         | ''                                     | LEDGER_TABLE is not set
            """)
    void aBadSettingFailsAtStartAndNamesTheVariable(String name, String value, String expected) {
        Map<String, String> env = new HashMap<>(world.env);
        env.put(name, value);
        ConfigException error = assertThrows(ConfigException.class, () -> new WatchKeysHandler(new Env(env)));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void bareIssuerUrlsAreNamedByThemselves() {
        Map<String, String> env = new HashMap<>(world.env);
        env.put("WATCH_KEYS_PROVIDERS", "https://login.example.com/tenant-1, corp=https://corp.example.com");
        Map<String, Provider> providers = Provider.parse(new Env(env));
        assertEquals("https://login.example.com/tenant-1/.well-known/openid-configuration",
                providers.get("https://login.example.com/tenant-1").discovery().toString());
        assertEquals("https://corp.example.com", providers.get("corp").issuer().toString());
    }
}
