package authresponder.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;

/**
 * Records every AWS call the product's code sends, for infra-cdk's IAM simulation (docs/deployment.md): one JSON line per
 * call with the IAM action ({@code dynamodb:PutItem}), the region, the resource names the request carries (table, function,
 * topic ARN...) and the product's packages on the calling stack, from the outermost (which tell the function that made it).
 * <p>
 * The SDK loads it by itself: testkit's resource {@code software/amazon/awssdk/global/handlers/execution.interceptors} lists
 * it, so every test with testkit on its class path records without touching product code; the function jars do not hold
 * testkit (a test-scope dependency). It writes only when the system property {@value #PROPERTY} (or the environment variable
 * {@value #ENVIRONMENT}) names a directory, to {@value #FILE} in it, started afresh by each JVM. Calls made by the tests
 * themselves, testkit or the drill's stage (the innermost project frame is one of theirs), and rehearsals that priming stops
 * before they are sent, are not recorded.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
    public static final String PROPERTY = "authresponder.awsCalls";
    public static final String ENVIRONMENT = "AUTH_RESPONDER_AWS_CALLS";
    public static final String FILE = "calls.jsonl";
    /** The request fields that name a resource, as the SDK's requests call them. */
    private static final List<String> NAMING_FIELDS = List.of("TableName", "IndexName", "FunctionName", "Qualifier", "Name",
            "TopicArn", "TargetArn", "LogGroupName", "LogGroupIdentifier", "SecretId", "ReplicationGroupId", "QueueUrl");
    /** The drill's stage and the test kit: their calls set the scene, they are not the functions'. */
    private static final List<String> HARNESS = List.of("authresponder.testkit.", "authresponder.runner.");

    private static final StackWalker STACK = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static Writer out;
    private static boolean opened;

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Path dir = output();
        // A rehearsal (authresponder.core.Rehearsal) is signed with the throwaway key "rehearsal" and stopped here: not sent.
        if (dir == null || context.httpRequest().firstMatchingHeader("Authorization").orElse("").contains("Credential=rehearsal/")) {
            return;
        }
        List<String> packages = productPackages();
        if (packages == null) {
            return;
        }
        Map<String, String> names = new LinkedHashMap<>();
        SdkRequest request = context.request();
        for (String field : NAMING_FIELDS) {
            // A service's model names its members TableName or logGroupName: either way, recorded as the former.
            for (String member : List.of(field, Character.toLowerCase(field.charAt(0)) + field.substring(1))) {
                try {
                    request.getValueForField(member, String.class).ifPresent(value -> names.putIfAbsent(field, value));
                } catch (ClassCastException notText) {
                    // a member of that name that is not a string (a list, a structure): not a resource name
                }
            }
        }
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String line = "{\"action\":" + quote(iamPrefix(service) + ":" + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                + ",\"region\":" + quote(String.valueOf(attributes.getAttribute(AwsExecutionAttribute.AWS_REGION)))
                + ",\"names\":{" + String.join(",", names.entrySet().stream().map(e -> quote(e.getKey()) + ":" + quote(e.getValue())).toList())
                + "},\"packages\":[" + String.join(",", packages.stream().map(AwsCallRecorder::quote).toList()) + "]}";
        write(dir, line);
    }

    /** The IAM service prefix of an SDK service name: mostly its lower case. */
    static String iamPrefix(String service) {
        return switch (service) {
            case "CloudWatchLogs" -> "logs";
            case "EventBridge" -> "events";
            default -> service.toLowerCase();
        };
    }

    /**
     * The product's packages on the stack, outermost first; null when the call is not the product's (the innermost
     * project frame is a test's, testkit's or the drill stage's).
     */
    private static List<String> productPackages() {
        List<Class<?>> project = STACK.walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c.getName().startsWith("authresponder.") && c != AwsCallRecorder.class).toList());
        if (project.isEmpty() || !isProduct(project.getFirst())) {
            return null;
        }
        List<String> packages = new ArrayList<>();
        for (Class<?> c : project.reversed()) {
            if (isProduct(c) && !packages.contains(c.getPackageName())) {
                packages.add(c.getPackageName());
            }
        }
        return packages;
    }

    private static boolean isProduct(Class<?> c) {
        if (HARNESS.stream().anyMatch(c.getName()::startsWith)) {
            return false;
        }
        CodeSource source = c.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null || !source.getLocation().getPath().contains("/test-classes/");
    }

    private static Path output() {
        String dir = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    private static synchronized void write(Path dir, String line) {
        try {
            if (!opened) {
                Files.createDirectories(dir);
                out = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                opened = true;
            }
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("recording an AWS call to " + dir, e);
        }
    }

    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
