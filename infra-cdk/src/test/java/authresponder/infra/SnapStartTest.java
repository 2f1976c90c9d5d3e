package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/**
 * With {@code "snapStart": true} every function snapshots its published versions and every caller invokes its
 * alias: the rules, the Function URL and its permissions, the asynchronous-invoke settings. Off (the default),
 * nothing of it is made.
 */
class SnapStartTest {
    private static TemplateJson on;
    private static TemplateJson off;

    @BeforeAll
    static void synthesize() {
        on = new TemplateJson(Synthesized.snapStart().responder());
        off = new TemplateJson(Synthesized.example().responder());
    }

    private static String name(FunctionSpec spec) {
        return "auth-responder-" + spec.id();
    }

    @Test
    void offByDefaultTheFunctionsAreCalledUnqualifiedWithC1Only() {
        assertFalse(Synthesized.example().config.snapStart());
        Template template = Synthesized.example().responder();
        template.resourceCountIs("AWS::Lambda::Alias", 0);
        template.resourceCountIs("AWS::Lambda::Version", 0);
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject function = off.function(name(spec));
            assertFalse(function.has("SnapStart"), spec.id());
            assertEquals("-XX:+TieredCompilation -XX:TieredStopAtLevel=1",
                    function.getAsJsonObject("Environment").getAsJsonObject("Variables").get("JAVA_TOOL_OPTIONS").getAsString(), spec.id());
        }
        Set<String> functions = new TreeSet<>(off.ofType("AWS::Lambda::Function").keySet());
        assertEquals(functions, targetedBy(off, "Fn::GetAtt"), "the rules target the functions themselves");
        off.ofType("AWS::Lambda::Url").values().forEach(url -> assertFalse(url.has("Qualifier"), url.toString()));
        off.ofType("AWS::Lambda::EventInvokeConfig").values().forEach(c -> assertEquals("$LATEST", c.get("Qualifier").getAsString()));
    }

    @Test
    void everyFunctionSnapshotsItsPublishedVersionsWithTieredCompilationLeftOn() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject function = on.function(name(spec));
            assertEquals("{\"ApplyOn\":\"PublishedVersions\"}", function.getAsJsonObject("SnapStart").toString(), spec.id());
            JsonObject variables = function.getAsJsonObject("Environment").getAsJsonObject("Variables");
            assertFalse(variables.toString().contains("TieredStopAtLevel"), spec.id() + ": " + variables);
        }
    }

    @Test
    void eachFunctionHasOneLiveAliasOnItsCurrentVersion() {
        Map<String, JsonObject> aliases = on.ofType("AWS::Lambda::Alias");
        assertEquals(FunctionSpec.values().length, aliases.size());
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject alias = aliases.get(aliasId(spec));
            assertEquals("live", alias.get("Name").getAsString());
            String version = alias.getAsJsonObject("FunctionVersion").getAsJsonArray("Fn::GetAtt").get(0).getAsString();
            assertEquals(on.functionId(name(spec)), on.ofType("AWS::Lambda::Version").get(version)
                    .getAsJsonObject("FunctionName").get("Ref").getAsString(), spec.id());
        }
    }

    @Test
    void everyRuleTargetsAnAlias() {
        assertEquals(new TreeSet<>(on.ofType("AWS::Lambda::Alias").keySet()), targetedBy(on, "Ref"));
        assertTrue(targetedBy(on, "Fn::GetAtt").isEmpty(), "no rule invokes a function unqualified");
    }

    @Test
    void theFunctionUrlsAndEveryPermissionAreTheAliases() {
        Map<String, JsonObject> urls = on.ofType("AWS::Lambda::Url");
        assertEquals(FunctionSpec.values().length, urls.size());
        urls.values().forEach(url -> assertEquals("live", url.get("Qualifier").getAsString(), url.toString()));
        Set<String> aliases = on.ofType("AWS::Lambda::Alias").keySet();
        for (JsonObject permission : on.ofType("AWS::Lambda::Permission").values()) {
            JsonObject function = permission.getAsJsonObject("FunctionName");
            assertTrue(function.has("Ref") && aliases.contains(function.get("Ref").getAsString()), "on an alias: " + permission);
        }
        for (FunctionSpec spec : FunctionSpec.values()) {
            Map<String, JsonObject> own = on.ofType("AWS::Lambda::Permission");
            own.values().removeIf(p -> !p.getAsJsonObject("FunctionName").get("Ref").getAsString().equals(aliasId(spec)));
            assertTrue(own.values().stream().anyMatch(p -> p.get("Action").getAsString().equals("lambda:InvokeFunctionUrl")), spec.id());
            assertTrue(own.values().stream().anyMatch(p -> p.has("InvokedViaFunctionUrl")), spec.id());
        }
    }

    @Test
    void theAsynchronousInvokeSettingsAreTheAliases() {
        Map<String, JsonObject> configs = on.ofType("AWS::Lambda::EventInvokeConfig");
        assertEquals(FunctionSpec.values().length, configs.size());
        for (FunctionSpec spec : FunctionSpec.values()) {
            JsonObject config = on.eventInvokeConfig(name(spec));
            // The alias's name, the last part of its ARN.
            assertEquals("{\"Fn::Select\":[7,{\"Fn::Split\":[\":\",{\"Ref\":\"" + aliasId(spec) + "\"}]}]}",
                    config.get("Qualifier").toString(), spec.id());
            assertEquals(spec.retries(), config.get("MaximumRetryAttempts").getAsInt(), spec.id());
            assertEquals(spec.maxEventAge().toSeconds(), config.get("MaximumEventAgeInSeconds").getAsLong(), spec.id());
            assertTrue(config.getAsJsonObject("DestinationConfig").has("OnFailure"), spec.id());
        }
    }

    /** The logical id of the function's alias. */
    private static String aliasId(FunctionSpec spec) {
        String functionId = on.functionId(name(spec));
        return on.ofType("AWS::Lambda::Alias").entrySet().stream()
                .filter(e -> e.getValue().getAsJsonObject("FunctionName").get("Ref").getAsString().equals(functionId))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("no alias of " + spec.id()));
    }

    /** The resources the rules' targets name by {@code Ref} (an alias) or by {@code Fn::GetAtt} (a function's Arn). */
    private static Set<String> targetedBy(TemplateJson template, String reference) {
        Set<String> targeted = new TreeSet<>();
        template.ofType("AWS::Events::Rule").values().forEach(rule -> rule.getAsJsonArray("Targets").forEach(t -> {
            JsonObject arn = t.getAsJsonObject().getAsJsonObject("Arn");
            if (arn.has(reference)) {
                targeted.add(reference.equals("Ref") ? arn.get("Ref").getAsString() : arn.getAsJsonArray(reference).get(0).getAsString());
            }
        }));
        return targeted;
    }
}
