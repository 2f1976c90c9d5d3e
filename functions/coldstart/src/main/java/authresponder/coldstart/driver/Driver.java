package authresponder.coldstart.driver;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs one function the way the Lambda Java runtime does, in a fresh JVM, and stamps its phases: the handler
 * class is loaded from the deployable jar and constructed with its no-arg constructor (the init phase), then
 * {@code handleRequest} is called twice with the same event. It uses nothing but the JDK, so the JVM loads
 * only what the function itself loads; the Lambda {@code Context} is a proxy over the jar's own interface.
 *
 * <p>{@code java [flags] -cp driver.jar[:JARS] ...Driver HANDLER_CLASS CODE EVENT_FILE}. CODE is either a
 * directory laid out as Lambda lays out a deployment package in {@code /var/task} (the function jar extracted,
 * any other jar deployed with it in {@code lib/}), which the managed runtime reads as this reads it: a class
 * loader over the directory and then each jar of {@code lib/} in name order; or the jars themselves, separated by
 * colons, as the custom runtime's bootstrap reads them: also on the class path, which an AOT cache or AppCDS
 * archive needs, so the classes come from the application loader, the parent of the driver's.
 *
 * <p>{@code BENCH_T0} (epoch nanoseconds, taken by the shell just before it started the JVM) makes the init
 * phase count from process start, as Lambda's Init Duration does. One JSON line per run is appended to
 * {@code BENCH_OUT} (or printed on stdout). {@code --train} constructs the handler and calls its
 * {@code prime()} instead of invoking it: the training run of a package-time AOT cache. {@code --primed}
 * primes it within the init phase and then invokes it: the first invocation as a SnapStart environment,
 * restored from a snapshot taken after priming, would run it (the restore itself is not measured).
 */
public final class Driver {
    private static final Pattern OUTCOME = Pattern.compile("\"outcome\"\\s*:\\s*\"([A-Z_]+)\"");
    private static final Pattern WARNED = Pattern.compile("\"warnings\"\\s*:\\s*\\[\\s*\"");

    private Driver() {}

    public static void main(String[] args) throws Exception {
        Instant now = Instant.now();
        long mainNanos = System.nanoTime();
        long entered = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String mode = args.length == 4 ? args[3] : "";
        if (args.length < 3 || args.length > 4 || !List.of("", "--train", "--primed").contains(mode)) {
            System.err.println("usage: Driver HANDLER_CLASS TASK_DIR|JAR[:JAR...] EVENT_FILE [--train|--primed]");
            System.exit(2);
        }
        String handlerClass = args[0];
        List<Path> code = codePaths(args[1]);
        URL[] urls = new URL[code.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = code.get(i).toUri().toURL();
        }
        byte[] event = Files.readAllBytes(Path.of(args[2]));

        URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getSystemClassLoader());
        Class<?> type = Class.forName(handlerClass, true, loader);
        Object handler = type.getConstructor().newInstance();
        if (!mode.isEmpty()) {
            type.getMethod("prime").invoke(handler);
        }
        long initNanos = System.nanoTime();
        if (mode.equals("--train")) {
            return;
        }
        Class<?> contextType = loader.loadClass("com.amazonaws.services.lambda.runtime.Context");
        Method handle = type.getMethod("handleRequest", InputStream.class, OutputStream.class, contextType);

        // The contexts are made before the clock starts: the runtime's own work, not the function's. Each run
        // has its own request ids (an id seen before would be a redelivery to the ledger).
        String run = Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(System.nanoTime());
        Object firstContext = context(loader, contextType, run + "-1");
        Object secondContext = context(loader, contextType, run + "-2");

        long firstStart = System.nanoTime();
        String first = invoke(handle, handler, event, firstContext);
        long firstNanos = System.nanoTime() - firstStart;
        long secondStart = System.nanoTime();
        String second = invoke(handle, handler, event, secondContext);
        long secondNanos = System.nanoTime() - secondStart;

        String t0 = System.getenv("BENCH_T0");
        long startup = t0 == null ? 0 : entered - Long.parseLong(t0.trim());
        String line = String.format(Locale.ROOT,
                "{\"jvmStartMs\":%.1f,\"initMs\":%.1f,\"invoke1Ms\":%.1f,\"invoke2Ms\":%.1f,\"peakRssMb\":%.1f,\"outcome1\":\"%s\",\"outcome2\":\"%s\"}",
                startup / 1e6, (startup + initNanos - mainNanos) / 1e6, firstNanos / 1e6, secondNanos / 1e6,
                peakRssKb() / 1024.0, first, second);
        String out = System.getenv("BENCH_OUT");
        if (out == null || out.isBlank()) {
            System.out.println(line);
        } else {
            Files.writeString(Path.of(out), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** A task directory and the jars of its lib/ in name order, as the runtime's class loader reads them; or the jars given. */
    private static List<Path> codePaths(String code) throws IOException {
        Path task = Path.of(code);
        if (!Files.isDirectory(task)) {
            return Arrays.stream(code.split(":")).map(Path::of).toList();
        }
        List<Path> paths = new ArrayList<>(List.of(task));
        Path lib = task.resolve("lib");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> jars = Files.list(lib)) {
                jars.filter(jar -> jar.getFileName().toString().endsWith(".jar")).sorted().forEach(paths::add);
            }
        }
        return paths;
    }

    /**
     * One invocation; the outcome read from the answer, marked when the answer carries warnings (a dry run that
     * could not read what it plans from still answers DRY_RUN), or the exception Lambda would see.
     */
    private static String invoke(Method handle, Object handler, byte[] event, Object context) throws IllegalAccessException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            handle.invoke(handler, new ByteArrayInputStream(event), output, context);
        } catch (InvocationTargetException e) {
            return "threw " + e.getCause().getClass().getSimpleName();
        }
        String answer = output.toString(StandardCharsets.UTF_8);
        Matcher outcome = OUTCOME.matcher(answer);
        String result = outcome.find() ? outcome.group(1) : "no outcome";
        return WARNED.matcher(answer).find() ? result + " (warned)" : result;
    }

    /** A Lambda context with its own request id and a 60 s deadline, as the runtime hands each invocation. */
    private static Object context(ClassLoader loader, Class<?> contextType, String requestId) {
        long deadline = System.currentTimeMillis() + 60_000;
        return Proxy.newProxyInstance(loader, new Class<?>[] {contextType}, (proxy, method, args) -> switch (method.getName()) {
            case "getAwsRequestId" -> requestId;
            case "getRemainingTimeInMillis" -> (int) Math.max(0, deadline - System.currentTimeMillis());
            case "getFunctionName" -> "coldstart";
            case "getFunctionVersion" -> "$LATEST";
            case "getMemoryLimitInMB" -> 1024;
            case "getLogGroupName" -> "/aws/lambda/coldstart";
            case "getLogStreamName" -> "coldstart";
            case "getInvokedFunctionArn" -> "arn:aws:lambda:local:000000000000:function:coldstart";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "coldstart context " + requestId;
            default -> null;
        });
    }

    /** Peak resident set size of this process so far (VmHWM), in KiB; 0 where /proc is not there. */
    private static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
